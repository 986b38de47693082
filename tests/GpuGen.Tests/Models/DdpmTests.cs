using System.Text.Json;
using GpuGen;
using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Diffusion;
using GpuGen.Models.Metrics;
using GpuGen.Models.Runner;
using GpuGen.Tests.Cli;
using GpuGen.Tests.Runner;

namespace GpuGen.Tests.Models;

/// <summary>
/// DDPM on the 2-D toys: the time embedding against its formula, the samplers' timesteps, DDIM with
/// every step and η = 1 against the ancestral chain, learning on the swiss roll, a warm run's
/// allocations, and the commands (train, sample, eval, bad input).
/// </summary>
public class DdpmTests
{
    [Test]
    public void TheTimeEmbeddingIsTheSinusoidOfHoEtAl()
    {
        using var scope = new TensorScope();
        float[] t = [0f, 1f, 7f, 99f];
        var e = TimeEmbedding.Sinusoidal(Tensor.FromArray(t, TestSupport.Cpu), 8).ToArray();
        for (int b = 0; b < t.Length; b++)
            for (int k = 0; k < 4; k++)
            {
                double w = Math.Exp(-Math.Log(10000) * k / 3);
                Assert.That(e[b * 8 + k], Is.EqualTo(Math.Sin(t[b] * w)).Within(2e-5 * (1 + t[b] * w)), $"sin, t {t[b]}, k {k}");
                Assert.That(e[b * 8 + 4 + k], Is.EqualTo(Math.Cos(t[b] * w)).Within(2e-5 * (1 + t[b] * w)), $"cos, t {t[b]}, k {k}");
            }
    }

    [Test]
    public void SamplersVisitTheirTimestepsDownToZero()
    {
        using var network = new ToyDenoiser(new Generator(1), TestSupport.Cpu, 8, 1, 4);
        using var schedule = NoiseSchedule.Linear(100, 1e-4, 0.05);
        var ddpm = new Ddpm(network, schedule);
        Assert.That(ddpm.Timesteps(DiffusionSampler.Ancestral), Is.EqualTo(Enumerable.Range(0, 100).Reverse()));
        Assert.That(ddpm.Timesteps(DiffusionSampler.DdimSteps(10)), Is.EqualTo(new[] { 90, 80, 70, 60, 50, 40, 30, 20, 10, 0 }));
        Assert.That(ddpm.Timesteps(DiffusionSampler.DdimSteps(100)), Is.EqualTo(Enumerable.Range(0, 100).Reverse()));
        var error = Assert.Throws<GpuGenException>(() => ddpm.Timesteps(DiffusionSampler.DdimSteps(101)))!;
        Assert.That(error.Message, Does.Contain("101 sampling steps for a model trained with T = 100"));
    }

    /// <summary>DDIM over every timestep with η = 1 is the ancestral chain (the same draws in the same order).</summary>
    [Test]
    public void DdimThroughEveryStepWithEtaOneIsTheAncestralChain()
    {
        using var network = new ToyDenoiser(new Generator(3), TestSupport.Cpu, 16, 2, 8);
        using var schedule = NoiseSchedule.Linear(20, 1e-3, 0.2);
        var ddpm = new Ddpm(network, schedule);
        var ancestral = ToyChainPlan.Points((n, s) => DdpmToy.Sample(ddpm, n, s, DiffusionSampler.Ancestral), 50, new Generator(9));
        var ddim = ToyChainPlan.Points((n, s) => DdpmToy.Sample(ddpm, n, s, DiffusionSampler.DdimSteps(20, 1f)), 50, new Generator(9));
        Assert.That(ancestral.Distinct().Count(), Is.GreaterThan(90));
        for (int i = 0; i < ancestral.Length; i++) Assert.That(ddim[i], Is.EqualTo(ancestral[i]).Within(1e-4 * (1 + Math.Abs(ancestral[i]))), $"[{i}]");
        Assert.That(ToyChainPlan.Points((n, s) => DdpmToy.Sample(ddpm, n, s, DiffusionSampler.Ancestral), 50, new Generator(9)), Is.EqualTo(ancestral), "the same seed, the same samples");
    }

    /// <summary>
    /// The bound's terms for the vlb objective, replayed in double: for t ≥ 1 (index) with σ_t² = β̃_t the KL is
    /// λ_t·‖ε − ε̂‖² with λ_t = β_t²/(2β̃_t·α_t·(1 − ᾱ_t)) (Ho et al. eq. 12), and at t = 0 the Gaussian decoder
    /// ½(x₀ − μ)²/β₁ + ½ln(2πβ₁) per dimension with μ = x₁/√α₁ − w·ε̂; their gradients with respect to ε̂ are 2λ_t(ε̂ − ε) and
    /// −w(μ − x₀)/β₁ with w = β₁/(√(1 − ᾱ₁)·√α₁). Random x₀, ε and ε̂.
    /// </summary>
    [Test]
    public void TheBoundsTermsWeighTheNoiseErrorAsTheClosedFormSays()
    {
        using var scope = new TensorScope();
        using var network = new ToyDenoiser(new Generator(1), TestSupport.Cpu, 8, 1);
        using var schedule = NoiseSchedule.Linear(5, 1e-2, 0.3);
        var ddpm = new Ddpm(network, schedule, DdpmObjective.Bound);
        int[] steps = [0, 1, 2, 3, 4, 4, 0];
        int batch = steps.Length, dims = 2;
        var x0 = TestSupport.RandomArray(batch * dims, 11);
        var eps = TestSupport.RandomArray(batch * dims, 12);
        var guess = TestSupport.RandomArray(batch * dims, 13);
        var xt = new float[batch * dims];
        for (int i = 0; i < xt.Length; i++)
        {
            double ab = schedule.AlphaBar[steps[i / dims]];
            xt[i] = (float)(Math.Sqrt(ab) * x0[i] + Math.Sqrt(1 - ab) * eps[i]);
        }
        var predicted = Tensor.FromArray(guess, Shape.Of(batch, dims), TestSupport.Cpu);
        predicted.RequiresGrad = true;
        var terms = ddpm.BoundTerms(Tensor.FromArray(x0, Shape.Of(batch, dims), TestSupport.Cpu), Tensor.FromArray(steps.Select(t => (float)t).ToArray(), TestSupport.Cpu),
            Tensor.FromArray(xt, Shape.Of(batch, dims), TestSupport.Cpu), predicted);
        var gradient = GpuGen.Autograd.Grad([Ops.Sum(terms)], [predicted])[0].ToArray();
        var actual = terms.ToArray();
        for (int b = 0; b < batch; b++)
        {
            int t = steps[b];
            double beta = schedule.Beta[t], alpha = schedule.Alpha[t], alphaBar = schedule.AlphaBar[t], expected = 0;
            for (int d = 0; d < dims; d++)
            {
                int i = b * dims + d;
                double expectedGradient;
                if (t == 0)
                {
                    double w = beta / (Math.Sqrt(1 - alphaBar) * Math.Sqrt(alpha)), mu = xt[i] / Math.Sqrt(alpha) - w * guess[i];
                    expected += 0.5 * (x0[i] - mu) * (x0[i] - mu) / beta + 0.5 * Math.Log(2 * Math.PI * beta);
                    expectedGradient = -w * (mu - x0[i]) / beta;
                }
                else
                {
                    double posterior = beta * (1 - schedule.AlphaBar[t - 1]) / (1 - alphaBar);
                    double lambda = beta * beta / (2 * posterior * alpha * (1 - alphaBar));
                    expected += lambda * (eps[i] - guess[i]) * (eps[i] - guess[i]);
                    expectedGradient = 2 * lambda * (guess[i] - eps[i]);
                }
                Assert.That(gradient[i], Is.EqualTo(expectedGradient).Within(1e-4 * Math.Max(1, Math.Abs(expectedGradient))), $"∂/∂ε̂ at t = {t}, d = {d}");
            }
            Assert.That(actual[b], Is.EqualTo(expected).Within(1e-4 * Math.Max(1, Math.Abs(expected))), $"t = {t}");
        }
    }

    private static RunOptions Options(string folder, int epochs) => new() { Out = folder, Epochs = epochs, Batch = 256, LearningRate = 1e-3f, Seed = 2 };

    /// <summary>1,500 steps of the protocol's network on the swiss roll: the energy distance of ancestral
    /// samples falls to a fifth of the untrained network's (and below 0.03; 5,000 steps reach ~0.01).</summary>
    [Test]
    public void DdpmLearnsTheSwissRoll()
    {
        using var folder = new TempFolder();
        using var network = new ToyDenoiser(new Generator(2), TestSupport.Cpu);
        using var schedule = NoiseSchedule.Linear(100, 1e-4, 0.05);
        var untrained = ToyChainPlan.Distances(ToyChainPlan.Points((n, s) => DdpmToy.Sample(new Ddpm(network, schedule), n, s, DiffusionSampler.Ancestral), 1000, new Generator(5)), ToySet.DiffusionSwissRoll, new Generator(6));
        using var plan = ToyChainPlan.Create(DdpmToy.Chain(network, schedule), ToySet.DiffusionSwissRoll, 500, new Generator(7), Options(folder.Path, 3));
        var result = TrainingRunner.Run(plan.Plan, TestSupport.Cpu, Options(folder.Path, 3), NoProgress.Instance);
        double trained = (double)result.Metrics["test_energy_distance"]!;
        Assert.That(trained, Is.LessThan(untrained[0] / 5).And.LessThan(0.03), $"untrained {untrained[0]:F4}");
        Assert.That((double)result.Metrics["ddim50_energy_distance"]!, Is.LessThan(untrained[0] / 3), "DDIM with 50 steps samples the same model");
        Assert.That(result.Files, Does.Contain("chain.png").And.Contain("toy.png"));
    }

    /// <summary>After the first epoch (which also sampled, evaluated and checkpointed), the allocator's
    /// bytes in use and fresh allocations stay flat.</summary>
    [Test]
    public void AWarmRunAllocatesNothingPerEpoch()
    {
        using var folder = new TempFolder();
        var device = TestSupport.Cpu;
        var stats = new List<GpuGen.Memory.AllocatorStats>();
        using var network = new ToyDenoiser(new Generator(2), device, 32, 2, 8);
        using var schedule = NoiseSchedule.Linear(10, 1e-3, 0.2);
        var options = Options(folder.Path, 4) with { Batch = 64 };
        using var plan = ToyChainPlan.Create(DdpmToy.Chain(network, schedule), ToySet.EightGaussians, 20, new Generator(7), options);
        TrainingRunner.Run(plan.Plan, device, options, new RecordingProgress { OnEpoch = _ => stats.Add(device.MemoryStats) });
        Assert.That(stats.Skip(1).Select(s => s.BytesInUse), Is.All.EqualTo(stats[1].BytesInUse));
        Assert.That(stats.Skip(1).Select(s => s.DeviceAllocations), Is.All.EqualTo(stats[1].DeviceAllocations));
    }

    [TestCase(new[] { "--data", "moons" }, "unknown --data 'moons'")]
    [TestCase(new[] { "--data", "mnist" }, "ddpm: on digits give --epochs, not --steps")]
    [TestCase(new[] { "--timesteps", "1" }, "--timesteps must be at least 2")]
    [TestCase(new[] { "--beta-end", "1.5" }, "--beta-end must be in (0, 1)")]
    [TestCase(new[] { "--beta-start", "0" }, "--beta-start must be in (0, 1)")]
    [TestCase(new[] { "--beta-schedule", "quadratic" }, "quadratic")]
    [TestCase(new[] { "--steps", "700" }, "--steps 700: give at most 500 or a multiple of 500")]
    [TestCase(new[] { "--epochs", "3" }, "give --steps, not --epochs")]
    [TestCase(new[] { "--eval-points", "1" }, "--eval-points must be at least 2")]
    [TestCase(new[] { "--data", "mnist", "--eval-points", "100" }, "ddpm: --eval-points is for the toys")]
    public void BadInputIsOneLineAndWritesNothing(string[] args, string message)
    {
        using var folder = new TempFolder();
        string[] steps = args.Contains("--steps") ? [] : ["--steps", "10"];
        CliRunner.ExpectUsageError(["train", "ddpm", .. args, .. steps, "--device", "cpu"], folder.File("run"), message);
    }

    /// <summary>train → metrics.json and pictures; sample (PNG, .npy, DDIM); eval recomputes the run's
    /// test terms from the same evaluation stream; bad sampler options and another family's checkpoint
    /// are one clear line.</summary>
    [Test]
    public void TrainSampleAndEvalFromTheCommandLine()
    {
        using var folder = new TempFolder();
        var (code, stdout, error) = CliRunner.Run("train", "ddpm", "--steps", "40", "--width", "16", "--timesteps", "20", "--seed", "3", "--eval-points", "500", "--device", "cpu", "--out", folder.Path, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        var metrics = JsonDocument.Parse(stdout).RootElement;
        Assert.That(metrics.GetProperty("evaluation_points").GetInt32(), Is.EqualTo(500));
        foreach (var key in new[] { "test_energy_distance", "test_sliced_wasserstein", "energy_distance_floor", "sliced_wasserstein_floor", "ddim10_energy_distance" })
            Assert.That(metrics.TryGetProperty(key, out _), key);
        Assert.That(metrics.TryGetProperty("ddim50_energy_distance", out _), Is.False, "no DDIM with more steps than T");
        foreach (var file in new[] { "model.safetensors", "metrics.json", "loss.png", "toy.png", "chain.png" })
            Assert.That(File.Exists(folder.File(file)), file);
        string checkpoint = folder.File("model.safetensors");

        (code, _, error) = CliRunner.Run("sample", "ddpm", "--checkpoint", checkpoint, "--n", "300", "--out", folder.File("s.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(new FileInfo(folder.File("s.npy")).Length, Is.EqualTo(128 + 300 * 2 * 4), "a float32 [300, 2] array after its header");
        Assert.That(CliRunner.Run("sample", "ddpm", "--checkpoint", checkpoint, "--ddim", "--sample-steps", "5", "--out", folder.File("s.png"), "--device", "cpu").Code, Is.EqualTo(0));

        (code, stdout, error) = CliRunner.Run("eval", "ddpm", "--checkpoint", checkpoint, "--seed", "3", "--eval-points", "500", "--json", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var eval = JsonDocument.Parse(stdout).RootElement;
        Assert.That(eval.GetProperty("test_energy_distance").GetDouble(), Is.EqualTo(metrics.GetProperty("test_energy_distance").GetDouble()), "the same stream and count, the same numbers");
        Assert.That(eval.GetProperty("evaluation_points").GetInt32(), Is.EqualTo(500));
        (code, _, error) = CliRunner.Run("eval", "ddpm", "--checkpoint", checkpoint, "--eval-points", "1", "--device", "cpu");
        Assert.That((code, error.Trim()), Is.EqualTo((2, "gpugen: error: --eval-points must be at least 2 (a distance between two samples), got 1 (see 'gpugen --help')")));

        (code, _, error) = CliRunner.Run("sample", "ddpm", "--checkpoint", checkpoint, "--ddim", "--sample-steps", "21", "--out", folder.File("x.npy"), "--device", "cpu");
        Assert.That((code, error.Trim()), Is.EqualTo((2, "gpugen: error: ddim: 21 sampling steps for a model trained with T = 20: give 1 to 20")));
        (code, _, error) = CliRunner.Run("eval", "ddpm", "--checkpoint", checkpoint, "--sample-steps", "5", "--device", "cpu");
        Assert.That((code, error), Is.EqualTo((2, "gpugen: error: ddpm: --sample-steps and --eta are DDIM's: add --ddim (the ancestral chain visits every timestep)" + Environment.NewLine)));
        Assert.That(File.Exists(folder.File("x.npy")), Is.False);

        using var bound = new TempFolder();
        (code, stdout, error) = CliRunner.Run("train", "ddpm", "--loss", "vlb", "--steps", "40", "--width", "16", "--timesteps", "20", "--seed", "3", "--device", "cpu", "--out", bound.Path, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(GpuGen.IO.SafeTensors.Load(bound.File("model.safetensors")).Metadata["objective"], Is.EqualTo("vlb"));
        Assert.That(double.IsFinite(JsonDocument.Parse(stdout).RootElement.GetProperty("test_energy_distance").GetDouble()));
        CliRunner.ExpectUsageError(["train", "ddpm", "--loss", "kl", "--device", "cpu"], bound.File("bad"), "--loss");

        using var gan = new TempFolder();
        Assert.That(CliRunner.Run("train", "wgan-gp", "--iters", "5", "--width", "8", "--batch", "16", "--device", "cpu", "--out", gan.Path).Code, Is.EqualTo(0));
        (code, _, error) = CliRunner.Run("sample", "ddpm", "--checkpoint", gan.File("model.safetensors"), "--out", folder.File("y.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(error, Does.Contain("holds a 'wgan-gp' model, not a 'ddpm'"));
    }
}
