using System.Text.Json;
using GpuGen;
using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Diffusion;
using GpuGen.Models.Runner;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.Models;

/// <summary>
/// The discretised BFN on binned digits: the binning, the discretised output distribution against the
/// normal CDF in double, the reconstruction and n-step losses of a network whose outputs are zero
/// recomputed in double from the same draws, learning, and the commands.
/// </summary>
public class DiscretisedBfnTests
{
    private const int Bins = 16;

    /// <summary>A network whose outputs are 0: μ_ε = 0 and ln σ_ε = 0, so μ_x = μ/γ and σ_x = √((1 − γ)/γ).</summary>
    private static DigitFlowMlp Uninformative()
    {
        var network = new DigitFlowMlp(new Generator(1), TestSupport.Cpu, 2, 784, 16, 1);
        using var noGrad = GpuGen.Autograd.NoGrad();
        foreach (var (_, tensor) in network.NamedParameters().Where(p => p.Path.StartsWith("mlp.2.", StringComparison.Ordinal))) Ops.Fill(tensor, 0f);
        return network;
    }

    private static double Phi(double z) => 0.5 * (1 + MathNet.Numerics.SpecialFunctions.Erf(z / Math.Sqrt(2)));

    /// <summary>p_O(k) of N(m, s²) over the K bins of [−1, 1], the tails in the end bins.</summary>
    private static double[] Bins16(double m, double s) => Enumerable.Range(0, Bins).Select(k =>
        (k == Bins - 1 ? 1 : Phi((-1 + 2.0 * (k + 1) / Bins - m) / s)) - (k == 0 ? 0 : Phi((-1 + 2.0 * k / Bins - m) / s))).ToArray();

    [Test]
    public void IntensitiesGoToTheirBinsCentres()
    {
        using var scope = new TensorScope();
        using var network = Uninformative();
        var bfn = new DiscretisedBfn(network, new ContinuousBayesianFlow(0.02), Bins);
        var x = bfn.Discretise(Tensor.FromArray([0f, 0.03f, 0.0625f, 0.5f, 0.999f, 1f], TestSupport.Cpu)).ToArray();
        float[] k = [0, 0, 1, 8, 15, 15];
        Assert.That(x, Is.EqualTo(k.Select(b => (2 * b + 1) / 16f - 1)).Within(1e-6));
        Assert.Throws<GpuGenException>(() => new DiscretisedBfn(network, new ContinuousBayesianFlow(0.02), 1));
    }

    /// <summary>The U-Net with two output planes serves as the discretised flow's network: its planes are the
    /// noise's mean and log deviation, as the MLP's two halves are; the loss reaches every parameter. One
    /// output plane is refused.</summary>
    [Test]
    public void TheUNetGivesTheTwoPlanes()
    {
        using var scope = new TensorScope();
        using var unet = new UNet(new Generator(4), TestSupport.Cpu, outChannels: 2, channels: 8, timeScale: 1000f);
        var bfn = new DiscretisedBfn(unet, new ContinuousBayesianFlow(0.02), Bins);
        var x = bfn.Discretise(Tensor.FromArray(TestSupport.RandomArray(3 * 784, 5).Select(v => Math.Abs(v) % 1f).ToArray(), Shape.Of(3, 784), TestSupport.Cpu));
        var p = bfn.BinProbabilities(x, Tensor.FromArray([0.2f, 0.5f, 0.9f], TestSupport.Cpu));
        Assert.That(p.Shape, Is.EqualTo(Shape.Of(3, 784, Bins)));
        var sums = Ops.Sum(p, 2).ToArray();
        Assert.That(sums, Is.All.EqualTo(1f).Within(1e-4));
        var grads = GpuGen.Autograd.Grad([bfn.Loss(x, new Generator(6))], unet.NamedParameters().Select(q => q.Tensor).ToArray());
        Assert.That(grads.Count(g => g.ToArray().Any(v => v != 0)), Is.EqualTo(grads.Length), "the loss reaches every parameter");
        using var onePlane = new UNet(new Generator(4), TestSupport.Cpu, outChannels: 1, channels: 8);
        Assert.Throws<ArgumentException>(() => new DiscretisedBfn(onePlane, new ContinuousBayesianFlow(0.02), Bins));
    }

    /// <summary>Below t_min the output is N(0, 1) discretised; above it N(μ/γ, (1 − γ)/γ) for a zero network;
    /// each pixel's bins sum to 1.</summary>
    [Test]
    public void TheBinsHoldTheNormalsMass()
    {
        using var scope = new TensorScope();
        using var network = Uninformative();
        var flow = new ContinuousBayesianFlow(0.05);
        var bfn = new DiscretisedBfn(network, flow, Bins);
        var mu = Tensor.FromArray(TestSupport.RandomArray(2 * 784, 3).Select(v => v / 3).ToArray(), Shape.Of(2, 784), TestSupport.Cpu);
        float[] times = [0f, 0.6f];
        var p = bfn.BinProbabilities(mu, Tensor.FromArray(times, TestSupport.Cpu)).ToArray();
        var m = mu.ToArray();
        for (int b = 0; b < 2; b++)
            for (int d = 0; d < 784; d += 97)
            {
                double gamma = flow.Gamma(times[b]);
                var expected = times[b] < flow.MinTime ? Bins16(0, 1) : Bins16(m[b * 784 + d] / gamma, Math.Sqrt((1 - gamma) / gamma));
                for (int k = 0; k < Bins; k++)
                    Assert.That(p[(b * 784 + d) * Bins + k], Is.EqualTo(expected[k]).Within(2e-6), $"t {times[b]}, pixel {d}, bin {k}");
            }
        for (int row = 0; row < 2 * 784; row++) Assert.That(p.AsSpan(row * Bins, Bins).ToArray().Sum(), Is.EqualTo(1).Within(1e-5));
    }

    /// <summary>L^r and L^3 of the zero network, replayed in double from the same draws (the flow's μ and the
    /// sender's y from the same generator states).</summary>
    [Test]
    public void TheLossesAreThePapersFromTheSameDraws()
    {
        using var scope = new TensorScope();
        using var network = Uninformative();
        var flow = new ContinuousBayesianFlow(0.05);
        var bfn = new DiscretisedBfn(network, flow, Bins);
        var (_, test) = Mnist.Load(null);
        var x = bfn.Discretise(test.Images([0, 1, 2], TestSupport.Cpu));
        var xs = x.ToArray();
        int Bin(float centre) => (int)Math.Floor((centre + 1) * Bins / 2);

        var reconstruction = bfn.ReconstructionLoss(x, new Generator(5)).ToArray();
        var muAtOne = Ops.ContinuousFlowSample(x, Tensor.Full(Shape.Of(3), 1f, TestSupport.Cpu), flow, new Generator(5)).ToArray();
        double g1 = flow.Gamma(1);
        for (int b = 0; b < 3; b++)
        {
            double expected = 0;
            for (int d = 0; d < 784; d++)
                expected -= Math.Log(Math.Max(Bins16(muAtOne[b * 784 + d] / g1, Math.Sqrt((1 - g1) / g1))[Bin(xs[b * 784 + d])], 1e-30));
            Assert.That(reconstruction[b], Is.EqualTo(expected).Within(1e-3 * expected), $"L^r of image {b}");
        }

        const int n = 3;
        var loss = bfn.DiscreteLoss(x, n, new Generator(6)).ToArray();
        var replay = new Generator(6);
        var total = new double[3];
        for (int i = 1; i <= n; i++)
        {
            double t = (i - 1.0) / n, alpha = flow.StepAccuracy(i, n), gamma = flow.Gamma(t);
            var mu = Ops.ContinuousFlowSample(x, Tensor.Full(Shape.Of(3), (float)t, TestSupport.Cpu), flow, replay).ToArray();
            var y = Ops.Normal(x.Shape, replay, TestSupport.Cpu, std: 1 / MathF.Sqrt((float)alpha)).ToArray();
            for (int j = 0; j < mu.Length; j++)
            {
                var p = t < flow.MinTime ? Bins16(0, 1) : Bins16(mu[j] / gamma, Math.Sqrt((1 - gamma) / gamma));
                double yj = xs[j] + y[j], receiver = 0;
                for (int k = 0; k < Bins; k++) receiver += p[k] * Math.Exp(-alpha * Math.Pow(yj - ((2.0 * k + 1) / Bins - 1), 2) / 2);
                total[j / 784] += -alpha * Math.Pow(yj - xs[j], 2) / 2 - Math.Log(receiver);
            }
        }
        for (int b = 0; b < 3; b++) Assert.That(loss[b], Is.EqualTo(total[b]).Within(2e-3 * Math.Abs(total[b]) + 0.05), $"L^{n} of image {b}");
    }

    /// <summary>Two epochs of a 64-wide network on 4,000 digits in 16 bins (200 test digits, to keep the final
    /// table quick) take the test L^∞ to under half an untrained network's.</summary>
    [Test]
    public void BfnLearnsBinnedDigits()
    {
        using var folder = new TempFolder();
        using var data = new TempFolder();
        GpuGen.Data.MnistSubset.Write(data.Path, 4000, 200);
        var (train, test) = Mnist.Load(data.Path);
        var spec = new DigitNetworkSpec("mlp", 64, 2, 0, 1f);
        using var network = spec.Create(new Generator(2), TestSupport.Cpu, 2);
        var bfn = new DiscretisedBfn(network, new ContinuousBayesianFlow(0.02), Bins);
        double untrained;
        using (new TensorScope())
        using (GpuGen.Autograd.NoGrad())
            untrained = bfn.ContinuousLoss(bfn.Discretise(test.Images(Enumerable.Range(0, 200).ToArray(), TestSupport.Cpu)), new Generator(3)).ToArray().Average(v => (double)v);
        var options = new RunOptions { Out = folder.Path, Epochs = 2, Batch = 100, LearningRate = 1e-3f, Seed = 2 };
        using var plan = DigitBfnPlan.Create(bfn, DigitBfnPlan.Metadata(bfn, spec), train, test, TestSupport.Cpu, new Generator(7), options);
        var result = TrainingRunner.Run(plan.Plan, TestSupport.Cpu, options, NoProgress.Instance);
        Assert.That((double)result.Metrics["test_loss_continuous"]!, Is.LessThan(untrained / 2), $"untrained {untrained:F0}");
        Assert.That((double)result.Metrics["test_bits_per_dim_100_steps"]!, Is.LessThan(2));
    }

    /// <summary>On a 400/100-digit subset in real MNIST files (--data DIR): the table's n = 100 loss on all
    /// 2,000 embedded test digits would take a minute, twice.</summary>
    [Test]
    public void TrainSampleAndEvalFromTheCommandLine()
    {
        using var folder = new TempFolder();
        using var data = new TempFolder();
        GpuGen.Data.MnistSubset.Write(data.Path, 400, 100);
        var (code, stdout, error) = CliRunner.Run("train", "bfn", "--data", data.Path, "--bins", "16", "--epochs", "1", "--width", "16", "--depth", "1", "--seed", "4", "--device", "cpu", "--out", folder.Path, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        var metrics = JsonDocument.Parse(stdout).RootElement;
        foreach (var key in new[] { "test_loss_continuous", "test_loss_reconstruction", "test_bits_per_dim_10_steps", "test_bits_per_dim_100_steps" })
            Assert.That(metrics.TryGetProperty(key, out _), key);
        Assert.That(metrics.GetProperty("test_bits_per_dim_25_steps").GetDouble(),
            Is.EqualTo(metrics.GetProperty("test_nll_bound_25_steps").GetDouble() / (784 * Math.Log(2))).Within(1e-9));
        string checkpoint = folder.File("model.safetensors");
        (code, _, error) = CliRunner.Run("sample", "bfn", "--checkpoint", checkpoint, "--n", "4", "--sample-steps", "5", "--out", folder.File("d.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(new FileInfo(folder.File("d.npy")).Length, Is.EqualTo(128 + 4 * 784 * 4));
        (code, stdout, error) = CliRunner.Run("eval", "bfn", "--checkpoint", checkpoint, "--data", data.Path, "--seed", "4", "--json", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(JsonDocument.Parse(stdout).RootElement.GetProperty("test_bits_per_dim_10_steps").GetDouble(),
            Is.EqualTo(metrics.GetProperty("test_bits_per_dim_10_steps").GetDouble()), "the same evaluation stream, the same numbers");
        CliRunner.ExpectUsageError(["train", "bfn", "--data", "mnist", "--bins", "1", "--device", "cpu"], folder.File("bad"), "--bins must be at least 2, got 1");
    }
}
