using System.Text.Json;
using GpuGen;
using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Diffusion;
using GpuGen.Models.Runner;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.Models;

/// <summary>
/// The continuous-data BFN on the 2-D toys: its loss against the paper's formula, the sampler's
/// determinism, learning on the swiss roll, and the commands (train, sample, eval, bad input).
/// </summary>
public class BfnTests
{
    /// <summary>L^∞ of a batch, recomputed in double from the same draws: t as Ops.Uniform, μ as
    /// Ops.ContinuousFlowSample and x̂ as the network's output give them, weighted by −ln σ₁·σ₁^(−2t).</summary>
    [Test]
    public void TheLossIsTheContinuousTimeLoss()
    {
        using var scope = new TensorScope();
        using var network = new ToyDenoiser(new Generator(1), TestSupport.Cpu, 16, 2, 8);
        var flow = new ContinuousBayesianFlow(0.05, 2f);
        var bfn = new ContinuousBfn(network, flow);
        var x = Tensor.FromArray(TestSupport.RandomArray(12, 3).Select(v => v / 2).ToArray(), Shape.Of(6, 2), TestSupport.Cpu);
        float loss = bfn.Loss(x, new Generator(4, 1)).Item();

        var stream = new Generator(4, 1);
        var times = Ops.Uniform(Shape.Of(6), stream, TestSupport.Cpu);
        var mu = Ops.ContinuousFlowSample(x, times, flow, stream);
        var xhat = bfn.Output(mu, times).ToArray();
        var (t, xs) = (times.ToArray(), x.ToArray());
        double expected = 0;
        for (int b = 0; b < 6; b++)
        {
            double error = 0;
            for (int d = 0; d < 2; d++) error += Math.Pow(xs[2 * b + d] - xhat[2 * b + d], 2);
            expected += -Math.Log(0.05) * Math.Pow(0.05, -2 * t[b]) * error / 6;
        }
        Assert.That(loss, Is.EqualTo(expected).Within(1e-5 * expected));
        Assert.That(expected, Is.GreaterThan(0.1), "an untrained network's loss is far from zero");
    }

    /// <summary>2,000 steps on the swiss roll: 100-update samples come within 0.005 of fresh data in
    /// energy distance (the 5,000-step default reaches ~0.0005), and the same seed samples the same points.</summary>
    [Test]
    public void BfnLearnsTheSwissRoll()
    {
        using var folder = new TempFolder();
        using var network = new ToyDenoiser(new Generator(2), TestSupport.Cpu);
        var chain = BfnToy.Chain(network, new ContinuousBayesianFlow(0.02, BfnToy.Clip));
        var options = new RunOptions { Out = folder.Path, Epochs = 4, Batch = 256, LearningRate = 1e-3f, Seed = 2 };
        using (var plan = ToyChainPlan.Create(chain, ToySet.DiffusionSwissRoll, 500, new Generator(7), options))
        {
            var result = TrainingRunner.Run(plan.Plan, TestSupport.Cpu, options, NoProgress.Instance);
            Assert.That((double)result.Metrics["test_energy_distance"]!, Is.LessThan(0.005));
            Assert.That((double)result.Metrics["steps10_energy_distance"]!, Is.LessThan(0.05), "ten updates still draw the roll roughly");
        }
        var a = ToyChainPlan.Points((n, s) => chain.Sample(n, s, null), 64, new Generator(3));
        Assert.That(ToyChainPlan.Points((n, s) => chain.Sample(n, s, null), 64, new Generator(3)), Is.EqualTo(a));
    }

    [TestCase(new[] { "--sigma1", "1.5" }, "--sigma1 must be in (0, 1)")]
    [TestCase(new[] { "--sigma1", "0" }, "--sigma1 must be in (0, 1)")]
    [TestCase(new[] { "--data", "digits" }, "unknown --data 'digits'")]
    [TestCase(new[] { "--epochs", "2" }, "give --steps, not --epochs")]
    public void BadInputIsOneLineAndWritesNothing(string[] args, string message)
    {
        using var folder = new TempFolder();
        CliRunner.ExpectUsageError(["train", "bfn", .. args, "--steps", "10", "--device", "cpu"], folder.File("run"), message);
    }

    [Test]
    public void TrainSampleAndEvalFromTheCommandLine()
    {
        using var folder = new TempFolder();
        var (code, stdout, error) = CliRunner.Run("train", "bfn", "--steps", "40", "--width", "16", "--sigma1", "0.05", "--seed", "3", "--device", "cpu", "--out", folder.Path, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        var metrics = JsonDocument.Parse(stdout).RootElement;
        foreach (var key in new[] { "test_energy_distance", "test_sliced_wasserstein", "steps10_energy_distance", "steps25_sliced_wasserstein", "energy_distance_floor" })
            Assert.That(metrics.TryGetProperty(key, out _), key);
        foreach (var file in new[] { "model.safetensors", "metrics.json", "loss.png", "toy.png", "chain.png" })
            Assert.That(File.Exists(folder.File(file)), file);
        string checkpoint = folder.File("model.safetensors");

        (code, _, error) = CliRunner.Run("sample", "bfn", "--checkpoint", checkpoint, "--n", "200", "--sample-steps", "20", "--out", folder.File("s.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(new FileInfo(folder.File("s.npy")).Length, Is.EqualTo(128 + 200 * 2 * 4));

        (code, stdout, error) = CliRunner.Run("eval", "bfn", "--checkpoint", checkpoint, "--seed", "3", "--json", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(JsonDocument.Parse(stdout).RootElement.GetProperty("test_energy_distance").GetDouble(),
            Is.EqualTo(metrics.GetProperty("test_energy_distance").GetDouble()), "the same stream, the same numbers");

        (code, _, error) = CliRunner.Run("sample", "ddpm", "--checkpoint", checkpoint, "--out", folder.File("x.npy"), "--device", "cpu");
        Assert.That((code, error.Trim()), Is.EqualTo((1, $"gpugen: error: checkpoint {checkpoint}: holds a 'bfn' model, not a 'ddpm'")));
        Assert.That(File.Exists(folder.File("x.npy")), Is.False);
    }
}
