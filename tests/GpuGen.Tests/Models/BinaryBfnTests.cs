using System.Text.Json;
using GpuGen;
using GpuGen.Data;
using GpuGen.Models.Diffusion;
using GpuGen.Models.Runner;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.Models;

/// <summary>
/// The binary BFN on binarized digits: its three losses for a network whose output is p = ½ everywhere
/// (the last layer zeroed), where each has a closed form or a one-dimensional integral; learning on
/// the embedded digits; and the commands (train --data mnist, sample, eval, resume, bad input).
/// </summary>
public class BinaryBfnTests
{
    private const double Beta1 = 3;

    /// <summary>A network whose output logits are 0: p_O = ½ for every pixel at every t.</summary>
    private static DigitFlowMlp Uninformative(int width = 16)
    {
        var network = new DigitFlowMlp(new Generator(1), TestSupport.Cpu, 1, 784, width, 1);
        using var noGrad = GpuGen.Autograd.NoGrad();
        foreach (var (path, tensor) in network.NamedParameters().Where(p => p.Path.StartsWith("mlp.2.", StringComparison.Ordinal)))
            Ops.Fill(tensor, 0f);
        return network;
    }

    private static Tensor Digits(int n)
    {
        var (_, test) = Mnist.Load(null);
        return test.Binarized(7).Images(Enumerable.Range(0, n).ToArray(), TestSupport.Cpu);
    }

    /// <summary>With p = ½: L^r = 784·ln 2 exactly, L^∞ = β₁·t·784 for each image's t (4β₁t·Σ(x − ½)²), and
    /// L^n = 784·Σ_i E[ln 2 − softplus(−z)], z ~ N(2α_i, 4α_i), integrated here numerically (the draws
    /// average over 1,024 images × 784 pixels: the estimate's standard error is about 0.12%).</summary>
    [Test]
    public void TheLossesOfAnUninformativeNetworkHaveTheirClosedForms()
    {
        using var scope = new TensorScope();
        using var network = Uninformative();
        Assert.That(network.NamedParameters().Count(p => p.Path.StartsWith("mlp.2.", StringComparison.Ordinal)), Is.EqualTo(2), "the output layer's weight and bias");
        var bfn = new BinaryBfn(network, Beta1);
        var x = Digits(1024);

        var reconstruction = bfn.ReconstructionLoss(x, new Generator(3)).ToArray();
        Assert.That(reconstruction, Has.All.EqualTo(784 * Math.Log(2)).Within(1e-3));

        var continuous = bfn.ContinuousLoss(x, new Generator(4, 2)).ToArray();
        var times = Ops.Uniform(Shape.Of(1024), new Generator(4, 2), TestSupport.Cpu).ToArray();
        for (int b = 0; b < 1024; b++) Assert.That(continuous[b], Is.EqualTo(Beta1 * times[b] * 784).Within(1e-3 * (1 + continuous[b])), $"image {b}");

        foreach (int n in new[] { 3, 20 })
        {
            double expected = 0;
            for (int i = 1; i <= n; i++) expected += 784 * ExpectedTerm(Beta1 * (2 * i - 1) / ((double)n * n));
            double measured = bfn.DiscreteLoss(x, n, new Generator(5)).ToArray().Average(v => (double)v);
            Assert.That(measured, Is.EqualTo(expected).Within(0.005 * expected), $"L^{n}");
        }
    }

    /// <summary>E[ln 2 − softplus(−z)] for z ~ N(2α, 4α), by the trapezoid rule over ±10σ.</summary>
    private static double ExpectedTerm(double alpha)
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

    /// <summary>Two epochs of a 64-wide network on the embedded digits take the test L^∞ from the
    /// uninformative β₁·784/2 = 1,176 nats to below 400, and the bounds below 600.</summary>
    [Test]
    public void BfnLearnsBinarizedDigits()
    {
        using var folder = new TempFolder();
        var (train, test) = Mnist.Load(null);
        var spec = new DigitNetworkSpec("mlp", 64, 2, 0, 1f);
        using var network = spec.Create(new Generator(2), TestSupport.Cpu, 1);
        var options = new RunOptions { Out = folder.Path, Epochs = 2, Batch = 100, LearningRate = 1e-3f, Seed = 2 };
        var bfn = new BinaryBfn(network, Beta1);
        using var plan = DigitBfnPlan.Create(bfn, DigitBfnPlan.Metadata(bfn, spec), train, test, TestSupport.Cpu, new Generator(7), options);
        var result = TrainingRunner.Run(plan.Plan, TestSupport.Cpu, options, NoProgress.Instance);
        Assert.That((double)result.Metrics["test_loss_continuous"]!, Is.LessThan(400));
        Assert.That((double)result.Metrics["test_nll_bound_10_steps"]!, Is.LessThan(600).And.GreaterThan((double)result.Metrics["test_loss_reconstruction"]!));
        Assert.That(result.Files, Does.Contain("samples.png").And.Contain("chain.png"));
    }

    /// <summary>On a 400/100-digit subset in real MNIST files (--data DIR), to keep the final table quick.</summary>
    [Test]
    public void TrainSampleEvalAndResumeFromTheCommandLine()
    {
        using var folder = new TempFolder();
        using var data = new TempFolder();
        GpuGen.Data.MnistSubset.Write(data.Path, 400, 100);
        string[] run = ["train", "bfn", "--data", data.Path, "--width", "16", "--depth", "1", "--seed", "4", "--device", "cpu"];
        var (code, stdout, error) = CliRunner.Run([.. run, "--epochs", "1", "--out", folder.Path, "--json"]);
        Assert.That(code, Is.EqualTo(0), error);
        var metrics = JsonDocument.Parse(stdout).RootElement;
        foreach (var key in new[] { "test_loss_continuous", "test_loss_reconstruction", "test_loss_10_steps", "test_loss_25_steps", "test_loss_100_steps", "test_nll_bound_100_steps" })
            Assert.That(metrics.TryGetProperty(key, out _), key);
        string checkpoint = folder.File("model.safetensors");

        (code, _, error) = CliRunner.Run("sample", "bfn", "--checkpoint", checkpoint, "--n", "9", "--sample-steps", "10", "--out", folder.File("d.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(new FileInfo(folder.File("d.npy")).Length, Is.EqualTo(128 + 9 * 784 * 4), "float32 [9, 1, 28, 28] after its header");

        (code, stdout, error) = CliRunner.Run("eval", "bfn", "--checkpoint", checkpoint, "--data", data.Path, "--seed", "4", "--json", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(JsonDocument.Parse(stdout).RootElement.GetProperty("test_nll_bound_25_steps").GetDouble(),
            Is.EqualTo(metrics.GetProperty("test_nll_bound_25_steps").GetDouble()), "the same evaluation stream, the same numbers");

        (code, _, error) = CliRunner.Run("train", "bfn", "--resume", folder.Path, "--epochs", "2", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        using var straight = new TempFolder();
        Assert.That(CliRunner.Run([.. run, "--epochs", "2", "--out", straight.Path]).Code, Is.EqualTo(0));
        Assert.That(File.ReadAllText(folder.File("metrics.json")).Replace(folder.Path, "X").Split('\n').Where(l => !l.Contains("seconds") && !l.Contains("per_second")),
            Is.EqualTo(File.ReadAllText(straight.File("metrics.json")).Replace(straight.Path, "X").Split('\n').Where(l => !l.Contains("seconds") && !l.Contains("per_second"))),
            "a resumed run ends where a straight one does");

        (code, _, error) = CliRunner.Run([.. run, "--steps", "100", "--out", folder.File("bad")]);
        Assert.That((code, error.Trim()), Is.EqualTo((2, "gpugen: error: bfn: on digits give --epochs, not --steps")));
        Assert.That(Directory.Exists(folder.File("bad")), Is.False);
    }

    /// <summary>--net unet: the U-Net as the output network, reading t·1000; its checkpoint records the network,
    /// so sampling rebuilds it; the MLP's sizes with it are one clear error.</summary>
    [Test]
    public void TheUNetTrainsAndSamplesABinaryFlow()
    {
        using var folder = new TempFolder();
        using var data = new TempFolder();
        GpuGen.Data.MnistSubset.Write(data.Path, 200, 40);
        var (code, stdout, error) = CliRunner.Run("train", "bfn", "--data", data.Path, "--net", "unet", "--channels", "8", "--epochs", "1", "--seed", "5", "--device", "cpu", "--out", folder.Path, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        var metrics = JsonDocument.Parse(stdout).RootElement;
        Assert.That(metrics.GetProperty("test_nll_bound_100_steps").GetDouble(), Is.GreaterThan(metrics.GetProperty("test_loss_reconstruction").GetDouble()));
        string checkpoint = folder.File("model.safetensors");
        var meta = GpuGen.IO.SafeTensors.Load(checkpoint).Metadata;
        Assert.That((meta["net"], meta["channels"], meta["time_scale"], meta["flow"]), Is.EqualTo(("unet", "8", "1000", "binary")));
        (code, _, error) = CliRunner.Run("sample", "bfn", "--checkpoint", checkpoint, "--n", "2", "--sample-steps", "5", "--out", folder.File("d.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(new FileInfo(folder.File("d.npy")).Length, Is.EqualTo(128 + 2 * 784 * 4));
        CliRunner.ExpectUsageError(["train", "bfn", "--data", data.Path, "--net", "unet", "--depth", "3", "--device", "cpu"], folder.File("bad"), "--width and --depth size the MLP");
        CliRunner.ExpectUsageError(["train", "bfn", "--data", data.Path, "--channels", "16", "--device", "cpu"], folder.File("bad"), "--channels sizes the U-Net");
    }
}
