using System.Text.Json;
using GpuGen;
using GpuGen.Data;
using GpuGen.IO;
using GpuGen.Models.Gan;
using GpuGen.Models.Runner;
using GpuGen.Optim;
using GpuGen.Tests.Cli;
using GpuGen.Tests.Runner;

namespace GpuGen.Tests.Models;

/// <summary>The toy GANs through the shared runner and the command: learning, two optimizers
/// checkpointed and resumed bit for bit, no allocation per epoch, clipping, and bad input.</summary>
public class ToyGanTests
{
    private static RunOptions Options(string folder, int epochs, bool resume = false) =>
        new() { Epochs = epochs, Batch = 32, LearningRate = 1e-4f, Seed = 3, Out = folder, Resume = resume };

    private static (ToyGan Model, GpuGen.Models.Runner.OwnedPlan Plan) Build(GanKind kind, RunOptions options, int stepsPerEpoch, int width = 32, int depth = 2)
    {
        var model = new ToyGan(new Generator(options.Seed), TestSupport.Cpu, width, depth);
        var settings = new GanSettings(kind, kind == GanKind.Gan ? 1 : 5, Lambda: 0.1f);
        return (model, ToyGanPlan.Create(model, settings, ToySet.EightGaussians, stepsPerEpoch, new Generator(options.Seed + 5), options));
    }

    /// <summary>WGAN-GP, three 64-wide layers, 500 iterations at batch 64: the energy distance to
    /// the data falls to under half of its value after the first 100.</summary>
    [TestCase(3UL)]
    [TestCase(4UL)]
    public void WganGpLearnsTheEightGaussians(ulong seed)
    {
        using var folder = new TempFolder();
        var options = Options(folder.Path, 5) with { Batch = 64, Seed = seed };
        var (model, plan) = Build(GanKind.WganGp, options, 100, width: 64, depth: 3);
        using (model)
        using (plan)
        {
            var result = TrainingRunner.Run(plan.Plan, TestSupport.Cpu, options);
            var curve = (List<double>)result.Metrics["test_curve"]!;
            Assert.That(curve[^1], Is.LessThan(0.5 * curve[0]), string.Join(", ", curve));
            Assert.That(result.Files, Is.EqualTo(new[] { "model.safetensors", "metrics.json", "loss.png", "toy.png" }));
        }
    }

    /// <summary>Two epochs straight, or one and then a resume: the same generator, critic, both
    /// optimizers' state (named critic and generator in the checkpoint) and metrics, bit for bit.</summary>
    [TestCase(GanKind.WganGp)]
    [TestCase(GanKind.Wgan)]
    [TestCase(GanKind.Gan)]
    public void AResumedRunEqualsAStraightOneBitForBit(GanKind kind)
    {
        using var straight = new TempFolder();
        using var resumed = new TempFolder();
        RunResult expected;
        int[][] expectedBits;
        var (model, plan) = Build(kind, Options(straight.Path, 2), 10);
        using (model)
        using (plan)
        {
            expected = TrainingRunner.Run(plan.Plan, TestSupport.Cpu, Options(straight.Path, 2));
            expectedBits = RunnerFixtures.Bits(model);
        }
        var stored = SafeTensors.Load(straight.File(TrainingRunner.CheckpointFile));
        Assert.That(stored.Metadata["optimizer.critic.step"], Is.EqualTo(kind == GanKind.Gan ? "20" : "100"));
        Assert.That(stored.Metadata["optimizer.generator.step"], Is.EqualTo("20"));

        (model, plan) = Build(kind, Options(resumed.Path, 1), 10);
        using (model)
        using (plan)
            TrainingRunner.Run(plan.Plan, TestSupport.Cpu, Options(resumed.Path, 1));
        (model, plan) = Build(kind, Options(resumed.Path, 2), 10);
        using (model)
        using (plan)
        {
            var result = TrainingRunner.Run(plan.Plan, TestSupport.Cpu, Options(resumed.Path, 2, resume: true));
            Assert.That(RunnerFixtures.Bits(model), Is.EqualTo(expectedBits));
            Assert.That(RunnerFixtures.Comparable(result.Metrics), Is.EqualTo(RunnerFixtures.Comparable(expected.Metrics)));
        }
        var a = SafeTensors.Load(straight.File(TrainingRunner.CheckpointFile));
        var b = SafeTensors.Load(resumed.File(TrainingRunner.CheckpointFile));
        Assert.That(b.Tensors.Keys, Is.EquivalentTo(a.Tensors.Keys));
        foreach (var (name, t) in a.Tensors) Assert.That(b.Tensors[name].Values, Is.EqualTo(t.Values), name);
    }

    /// <summary>After the first epoch, the allocator's bytes in use and fresh allocations stay flat.</summary>
    [Test]
    public void AWarmRunAllocatesNothingPerEpoch()
    {
        using var folder = new TempFolder();
        var device = TestSupport.Cpu;
        var stats = new List<GpuGen.Memory.AllocatorStats>();
        var (model, plan) = Build(GanKind.WganGp, Options(folder.Path, 4), 5);
        using (model)
        using (plan)
            TrainingRunner.Run(plan.Plan, device, Options(folder.Path, 4), new RecordingProgress { OnEpoch = _ => stats.Add(device.MemoryStats) });
        Assert.That(stats.Skip(1).Select(s => s.BytesInUse), Is.All.EqualTo(stats[1].BytesInUse));
        Assert.That(stats.Skip(1).Select(s => s.DeviceAllocations), Is.All.EqualTo(stats[1].DeviceAllocations));
    }

    [Test]
    public void TheWganClipsEveryCriticWeight()
    {
        using var folder = new TempFolder();
        var (model, plan) = Build(GanKind.Wgan, Options(folder.Path, 1), 3);
        using (model)
        using (plan)
        {
            TrainingRunner.Run(plan.Plan, TestSupport.Cpu, Options(folder.Path, 1));
            foreach (var (name, p) in model.Critic.NamedParameters())
                Assert.That(p.ToArray().Max(Math.Abs), Is.LessThanOrEqualTo(0.01f), name);
            Assert.That(model.Generator.NamedParameters().Any(p => p.Tensor.ToArray().Max(Math.Abs) > 0.01f), Is.True, "the generator is not clipped");
        }
    }

    /// <summary>RMSProp's update against a double-precision reference over two steps.</summary>
    [Test]
    public void RmsPropFollowsItsFormula()
    {
        using var scope = new TensorScope();
        var p = Tensor.FromArray([0.5f, -1f, 2f], Shape.Of(3), TestSupport.Cpu);
        p.RequiresGrad = true;
        using var rms = new RmsProp([("p", p)], 0.01f, alpha: 0.9f, eps: 1e-8f);
        double[] theta = [0.5, -1, 2], v = [0, 0, 0];
        for (int step = 0; step < 2; step++)
        {
            rms.ZeroGrad();
            Ops.Sum(Ops.Mul(Ops.Square(p), 1.5f)).Backward(); // g = 3θ
            rms.Step();
            for (int i = 0; i < 3; i++)
            {
                double g = 3 * theta[i];
                v[i] = 0.9 * v[i] + 0.1 * g * g;
                theta[i] -= 0.01 * g / (Math.Sqrt(v[i]) + 1e-8);
            }
            var got = p.ToArray();
            for (int i = 0; i < 3; i++) Assert.That(got[i], Is.EqualTo(theta[i]).Within(1e-6), $"step {step + 1}, element {i}");
        }
    }

    [TestCase(new[] { "--data", "moons" }, 2, "unknown --data 'moons'")]
    [TestCase(new[] { "--data", "mnist" }, 2, "--iters is for the 2-D toys; on digits give --epochs")]
    [TestCase(new[] { "--critic-iters", "0" }, 2, "--critic-iters must be positive")]
    [TestCase(new[] { "--lambda", "0" }, 2, "--lambda must be positive")]
    [TestCase(new[] { "--iters", "150" }, 2, "--iters 150: give at most 100 or a multiple of 100")]
    [TestCase(new[] { "--epochs", "3" }, 2, "give --iters, not --epochs")]
    public void BadInputIsOneLineAndWritesNothing(string[] args, int code, string message)
    {
        using var folder = new TempFolder();
        string[] iters = args.Contains("--iters") ? [] : ["--iters", "10"];
        var (exit, _, error) = CliRunner.Run(["train", "wgan-gp", .. args, .. iters, "--device", "cpu", "--out", folder.File("run")]);
        Assert.That(exit, Is.EqualTo(code), error);
        Assert.That(error, Does.Contain(message));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(Directory.Exists(folder.File("run")), Is.False);
    }

    /// <summary>The command end to end: metrics.json with the toy metrics, the floor beside them, and the picture.</summary>
    [Test]
    public void TrainWganGpWritesItsMetricsAndPicture()
    {
        using var folder = new TempFolder();
        var (exit, stdout, error) = CliRunner.Run("train", "wgan-gp", "--iters", "20", "--width", "16", "--batch", "32", "--device", "cpu", "--out", folder.Path, "--json");
        Assert.That(exit, Is.EqualTo(0), error);
        using var metrics = JsonDocument.Parse(stdout);
        var root = metrics.RootElement;
        Assert.That(root.GetProperty("model").GetString(), Is.EqualTo("wgan-gp"));
        Assert.That(root.GetProperty("data").GetString(), Is.EqualTo("8gaussians"));
        Assert.That(root.GetProperty("test_modes").GetDouble(), Is.InRange(0, 8));
        Assert.That(root.GetProperty("energy_distance_floor").GetDouble(), Is.LessThan(root.GetProperty("test_energy_distance").GetDouble()));
        Assert.That(root.GetProperty("train_curve").GetProperty("gradient_penalty").GetArrayLength(), Is.EqualTo(1));
        Assert.That(File.Exists(folder.File("toy.png")), Is.True);
        Assert.That(error, Does.Contain("wrote").And.Contain("toy.png"));
    }

    /// <summary>
    /// sample writes a PNG or a .npy [n, 2]; eval recomputes the training run's last test metrics
    /// exactly (same checkpoint, same evaluation stream); a checkpoint of another game, an output
    /// that is neither .png nor .npy, and a folder that is not there are one-line errors.
    /// </summary>
    [Test]
    public void SampleAndEvalReadTheCheckpoint()
    {
        using var folder = new TempFolder();
        Assert.That(CliRunner.Run("train", "wgan-gp", "--iters", "20", "--width", "16", "--batch", "32", "--seed", "4", "--device", "cpu", "--out", folder.Path).Code, Is.EqualTo(0));
        string checkpoint = folder.File("model.safetensors");
        using var trained = JsonDocument.Parse(File.ReadAllText(folder.File("metrics.json")));

        var (code, _, error) = CliRunner.Run("sample", "wgan-gp", "--checkpoint", checkpoint, "--n", "300", "--out", folder.File("s.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var (shape, values) = GpuGen.Tests.IO.NpyFileTests.Read(folder.File("s.npy"));
        Assert.That(shape, Is.EqualTo(new[] { 300, 2 }));
        Assert.That(values.All(float.IsFinite), Is.True);
        Assert.That(CliRunner.Run("sample", "wgan-gp", "--checkpoint", checkpoint, "--out", folder.File("s.png"), "--device", "cpu").Code, Is.EqualTo(0));
        Assert.That(File.Exists(folder.File("s.png")), Is.True);

        string stdout;
        (code, stdout, error) = CliRunner.Run("eval", "wgan-gp", "--checkpoint", checkpoint, "--seed", "4", "--json", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        using var evaluated = JsonDocument.Parse(stdout);
        foreach (var key in new[] { "test_energy_distance", "test_within_3sigma", "test_modes", "energy_distance_floor" })
            Assert.That(evaluated.RootElement.GetProperty(key).GetDouble(), Is.EqualTo(trained.RootElement.GetProperty(key).GetDouble()), key);

        (code, _, error) = CliRunner.Run("sample", "wgan", "--checkpoint", checkpoint, "--out", folder.File("x.npy"), "--device", "cpu");
        Assert.That((code, error.Trim()), Is.EqualTo((1, $"gpugen: error: checkpoint {checkpoint}: holds a 'wgan-gp' model, not a 'wgan'")));
        (code, _, error) = CliRunner.Run("sample", "wgan-gp", "--checkpoint", checkpoint, "--out", folder.File("x.jpg"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(2), error);
        (code, _, error) = CliRunner.Run("sample", "wgan-gp", "--checkpoint", checkpoint, "--out", folder.File("no/x.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(error, Does.Contain("does not exist"));
        Assert.That(Directory.GetFiles(folder.Path).Where(f => f.Contains("x.")), Is.Empty, "nothing half-written");
    }

    /// <summary>The autoencoder family's sample writes .npy too: [n, 1, 28, 28] in [0, 1].</summary>
    [Test]
    public void VaeSamplesGoToNpy()
    {
        using var folder = new TempFolder();
        Assert.That(CliRunner.Run("train", "vae", "--epochs", "1", "--hidden", "16", "--latent", "2", "--iw-samples", "0", "--device", "cpu", "--out", folder.Path).Code, Is.EqualTo(0));
        var (code, _, error) = CliRunner.Run("sample", "vae", "--checkpoint", folder.File("model.safetensors"), "--n", "5", "--out", folder.File("v.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var (shape, values) = GpuGen.Tests.IO.NpyFileTests.Read(folder.File("v.npy"));
        Assert.That(shape, Is.EqualTo(new[] { 5, 1, 28, 28 }));
        Assert.That(values, Is.All.InRange(0f, 1f));
    }

    /// <summary>--iters sets the run's length, so a resumed toy run may raise it, and then ends
    /// where a run given the larger count from the start ends, bit for bit.</summary>
    [Test]
    public void ResumeMayRaiseTheIterations()
    {
        using var straight = new TempFolder();
        using var resumed = new TempFolder();
        string[] run = ["train", "wgan-gp", "--width", "16", "--depth", "1", "--batch", "16", "--device", "cpu"];
        Assert.That(CliRunner.Run([.. run, "--iters", "200", "--out", straight.Path]).Code, Is.EqualTo(0));
        Assert.That(CliRunner.Run([.. run, "--iters", "100", "--out", resumed.Path]).Code, Is.EqualTo(0));
        var (code, _, error) = CliRunner.Run("train", "wgan-gp", "--resume", resumed.Path, "--iters", "200", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var a = SafeTensors.Load(straight.File(TrainingRunner.CheckpointFile));
        var b = SafeTensors.Load(resumed.File(TrainingRunner.CheckpointFile));
        foreach (var (name, t) in a.Tensors) Assert.That(b.Tensors[name].Values, Is.EqualTo(t.Values), name);
        Assert.That(CliRunner.Run("train", "wgan-gp", "--resume", resumed.Path, "--width", "32", "--device", "cpu").Code, Is.EqualTo(2), "the model's size may not change");
    }
}
