using System.Text.Json;
using GpuGen;
using GpuGen.Data;
using GpuGen.Models.Diffusion;
using GpuGen.Models.Runner;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.Models;

/// <summary>
/// The BFN for discrete data with K classes: with an uninformative network (p_O = 1/K) its losses have
/// closed forms, and at K = 2 they are the binary flow's (the same replay as BinaryBfnTests); learning on
/// digits in 4 classes; the commands (train --classes, sample, eval, bad input).
/// </summary>
public class CategoricalBfnTests
{
    private const double Beta1 = 3;

    /// <summary>A network whose output logits are 0: p_O = 1/K for every pixel at every t.</summary>
    private static DigitFlowMlp Uninformative(int classes)
    {
        var network = new DigitFlowMlp(new Generator(1), TestSupport.Cpu, classes, 784, 16, 1, inputsPerPixel: classes);
        using var noGrad = GpuGen.Autograd.NoGrad();
        foreach (var (_, tensor) in network.NamedParameters().Where(p => p.Path.StartsWith("mlp.2.", StringComparison.Ordinal))) Ops.Fill(tensor, 0f);
        return network;
    }

    /// <summary>With p = 1/K: L^r = 784·ln K exactly and L^∞ = β₁·t·784·(K − 1) (K·β₁·t·Σ_k (e_x − 1/K)²) for
    /// each image's t.</summary>
    [TestCase(2)]
    [TestCase(3)]
    public void TheLossesOfAnUninformativeNetworkHaveTheirClosedForms(int classes)
    {
        using var scope = new TensorScope();
        using var network = Uninformative(classes);
        var bfn = new CategoricalBfn(network, Beta1, classes);
        var (_, test) = Mnist.Load(null);
        var x = bfn.Prepare(test.Images(Enumerable.Range(0, 512).ToArray(), TestSupport.Cpu));
        Assert.That(x.ToArray().Distinct().Count(), Is.EqualTo(classes), "every class occurs");

        Assert.That(bfn.ReconstructionLoss(x, new Generator(3)).ToArray(), Has.All.EqualTo(784 * Math.Log(classes)).Within(1e-3));

        var continuous = bfn.ContinuousLoss(x, new Generator(4, 2)).ToArray();
        var times = Ops.Uniform(Shape.Of(512), new Generator(4, 2), TestSupport.Cpu).ToArray();
        for (int b = 0; b < 512; b++)
            Assert.That(continuous[b], Is.EqualTo(Beta1 * times[b] * 784 * (classes - 1)).Within(1e-3 * (1 + continuous[b])), $"image {b}");
    }

    /// <summary>At K = 2 the n-step loss of p = ½ is the binary flow's 784·Σ_i E[ln 2 − softplus(−z)],
    /// z ~ N(2α_i, 4α_i) (y_x − y_other is that normal), integrated numerically.</summary>
    [Test]
    public void TheStepLossOfTwoClassesIsTheBinaryFlows()
    {
        using var scope = new TensorScope();
        using var network = Uninformative(2);
        var bfn = new CategoricalBfn(network, Beta1, 2);
        var (_, test) = Mnist.Load(null);
        var x = bfn.Prepare(test.Images(Enumerable.Range(0, 512).ToArray(), TestSupport.Cpu));
        double expected = 0;
        const int n = 5;
        for (int i = 1; i <= n; i++) expected += 784 * ExpectedBinaryTerm(Beta1 * (2 * i - 1) / ((double)n * n));
        double measured = bfn.DiscreteLoss(x, n, new Generator(5)).ToArray().Average(v => (double)v);
        Assert.That(measured, Is.EqualTo(expected).Within(0.01 * expected), $"L^{n}");
    }

    /// <summary>E[ln 2 − softplus(−z)] for z ~ N(2α, 4α), by the trapezoid rule over ±10σ.</summary>
    private static double ExpectedBinaryTerm(double alpha)
    {
        double mean = 2 * alpha, sd = 2 * Math.Sqrt(alpha), sum = 0;
        const int points = 4001;
        for (int k = 0; k < points; k++)
        {
            double u = -10 + 20.0 * k / (points - 1), z = mean + sd * u;
            double softplus = Math.Max(-z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            sum += (k == 0 || k == points - 1 ? 0.5 : 1) * Math.Exp(-u * u / 2) * (Math.Log(2) - softplus);
        }
        return sum * (20.0 / (points - 1)) / Math.Sqrt(2 * Math.PI);
    }

    /// <summary>For K = 3 the n-step loss with p = 1/K is 784·Σ_i E[y_x + ln K − ln Σ_k e^{y_k}] with y ~
    /// N(α(Ke_x − 1), αK): estimated here in double by Monte Carlo with our own normals.</summary>
    [Test]
    public void TheStepLossOfThreeClassesIsItsExpectation()
    {
        using var scope = new TensorScope();
        using var network = Uninformative(3);
        var bfn = new CategoricalBfn(network, Beta1, 3);
        var (_, test) = Mnist.Load(null);
        var x = bfn.Prepare(test.Images(Enumerable.Range(0, 256).ToArray(), TestSupport.Cpu));
        const int n = 4, K = 3, draws = 400_000;
        var rng = new Random(17);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        double expected = 0;
        for (int i = 1; i <= n; i++)
        {
            double alpha = Beta1 * (2 * i - 1) / ((double)n * n), sum = 0;
            for (int s = 0; s < draws; s++)
            {
                double y0 = alpha * (K - 1) + Math.Sqrt(alpha * K) * Gaussian(), y1 = -alpha + Math.Sqrt(alpha * K) * Gaussian(), y2 = -alpha + Math.Sqrt(alpha * K) * Gaussian();
                double m = Math.Max(y0, Math.Max(y1, y2));
                sum += y0 + Math.Log(K) - (m + Math.Log(Math.Exp(y0 - m) + Math.Exp(y1 - m) + Math.Exp(y2 - m)));
            }
            expected += 784 * sum / draws;
        }
        double measured = bfn.DiscreteLoss(x, n, new Generator(6)).ToArray().Average(v => (double)v);
        Assert.That(measured, Is.EqualTo(expected).Within(0.01 * expected));
    }

    /// <summary>Two epochs on the embedded digits in 4 classes halve L^∞ from the untrained network's and give a
    /// finite bound below the uniform 784·ln 4 nats.</summary>
    [Test]
    public void BfnLearnsDigitsInFourClasses()
    {
        using var folder = new TempFolder();
        var (train, test) = Mnist.Load(null);
        var spec = new DigitNetworkSpec("mlp", 64, 2, 0, 1f);
        using var network = spec.Create(new Generator(2), TestSupport.Cpu, 4, 784, 4);
        var bfn = new CategoricalBfn(network, Beta1, 4);
        double untrained;
        using (new TensorScope())
        using (GpuGen.Autograd.NoGrad())
            untrained = bfn.ContinuousLoss(bfn.Prepare(test.Images(Enumerable.Range(0, 200).ToArray(), TestSupport.Cpu)), new Generator(3)).ToArray().Average(v => (double)v);
        var options = new RunOptions { Out = folder.Path, Epochs = 2, Batch = 100, LearningRate = 1e-3f, Seed = 2 };
        using var plan = DigitBfnPlan.Create(bfn, DigitBfnPlan.Metadata(bfn, spec), train, test, TestSupport.Cpu, new Generator(7), options);
        var result = TrainingRunner.Run(plan.Plan, TestSupport.Cpu, options, NoProgress.Instance);
        Assert.That((double)result.Metrics["test_loss_continuous"]!, Is.LessThan(untrained / 2), $"untrained {untrained:F0}");
        Assert.That((double)result.Metrics["test_nll_bound_10_steps"]!, Is.LessThan(784 * Math.Log(4)));
    }

    [Test]
    public void TrainSampleAndEvalFromTheCommandLine()
    {
        using var folder = new TempFolder();
        using var data = new TempFolder();
        GpuGen.Data.MnistSubset.Write(data.Path, 300, 60);
        var (code, stdout, error) = CliRunner.Run("train", "bfn", "--data", data.Path, "--classes", "4", "--epochs", "1", "--width", "16", "--depth", "1", "--seed", "4", "--device", "cpu", "--out", folder.Path, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        var metrics = JsonDocument.Parse(stdout).RootElement;
        Assert.That(metrics.GetProperty("test_nll_bound_100_steps").GetDouble(), Is.GreaterThan(metrics.GetProperty("test_loss_reconstruction").GetDouble()));
        string checkpoint = folder.File("model.safetensors");
        Assert.That(GpuGen.IO.SafeTensors.Load(checkpoint).Metadata["classes"], Is.EqualTo("4"));
        (code, _, error) = CliRunner.Run("sample", "bfn", "--checkpoint", checkpoint, "--n", "4", "--sample-steps", "5", "--out", folder.File("d.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var samples = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(folder.File("d.npy")).AsSpan(128)).ToArray();
        Assert.That(samples.Distinct().Order(), Is.SubsetOf(new[] { 0.125f, 0.375f, 0.625f, 0.875f }), "each pixel is one class's intensity");
        (code, stdout, error) = CliRunner.Run("eval", "bfn", "--checkpoint", checkpoint, "--data", data.Path, "--seed", "4", "--json", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(JsonDocument.Parse(stdout).RootElement.GetProperty("test_nll_bound_10_steps").GetDouble(),
            Is.EqualTo(metrics.GetProperty("test_nll_bound_10_steps").GetDouble()), "the same evaluation stream, the same numbers");
        CliRunner.ExpectUsageError(["train", "bfn", "--data", data.Path, "--classes", "1", "--device", "cpu"], folder.File("bad"), "--classes must be at least 2");
        CliRunner.ExpectUsageError(["train", "bfn", "--data", data.Path, "--classes", "4", "--bins", "4", "--device", "cpu"], folder.File("bad"), "not both");
    }
}
