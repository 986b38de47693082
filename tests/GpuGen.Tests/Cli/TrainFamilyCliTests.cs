using System.Text.Json;
using GpuGen.Cli;
using GpuGen.IO;

namespace GpuGen.Tests.Cli;

public class TrainFamilyCliTests
{
    [TestCase("ae", "--hidden", "32", "--loss", "squared")]
    [TestCase("dae", "--hidden", "32", "--corruption", "gaussian", "--noise", "0.2")]
    [TestCase("cae", "--latent", "32", "--contraction", "0.5")]
    [TestCase("gumbel-vae", "--latent", "4", "--classes", "5", "--straight-through")]
    public void EachModelTrainsAndWritesItsOutputs(string model, params string[] options)
    {
        using var folder = new TempFolder();
        var (code, output, error) = CliRunner.Run(["train", model, "--epochs", "1", "--device", "cpu", "--out", folder.Path, "--json", .. options]);
        Assert.That(code, Is.EqualTo(0), error);
        foreach (var name in new[] { "model.safetensors", "metrics.json", "loss.png", "reconstructions.png", "samples.png" })
            Assert.That(File.Exists(folder.File(name)), Is.True, name);
        using var metrics = JsonDocument.Parse(output);
        Assert.That(metrics.RootElement.GetProperty("model").GetString(), Is.EqualTo(model));
        Assert.That(metrics.RootElement.GetProperty("test_knn_accuracy").GetDouble(), Is.GreaterThan(0.2));
        Assert.That(metrics.RootElement.GetProperty("test_reconstruction").GetDouble(), Is.GreaterThan(0).And.LessThan(600));
        Assert.That(SafeTensors.Load(folder.File("model.safetensors")).Metadata["model"], Is.EqualTo(model));
    }

    [TestCase("dae", "--corruption", "blur")]
    [TestCase("dae", "--noise", "1.5")]
    [TestCase("cae", "--contraction", "-1")]
    [TestCase("ae", "--latent", "0")]
    [TestCase("gumbel-vae", "--classes", "1")]
    public void BadOptionsAreOneLineUsageErrors(string model, string option, string value)
    {
        using var folder = new TempFolder();
        var (code, _, error) = CliRunner.Run("train", model, option, value, "--epochs", "1", "--out", folder.Path);
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(Directory.GetFileSystemEntries(folder.Path), Is.Empty, "nothing written");
    }
}

public class AutoencoderCodeSizeCliTests
{
    [Test]
    public void LatentIsTheCodeSizeAndMayNotContradictHidden()
    {
        using var folder = new TempFolder();
        var stderr = new StringWriter();
        int code = GpuGenCli.Run(["train", "ae", "--hidden", "32", "--latent", "16", "--out", folder.Path], new StringWriter(), stderr);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr.ToString(), Does.Contain("--hidden 32 and --latent 16 disagree"));
        code = GpuGenCli.Run(["train", "ae", "--latent", "16", "--epochs", "1", "--device", "cpu", "--out", folder.Path], new StringWriter(), new StringWriter());
        Assert.That(code, Is.EqualTo(0));
        Assert.That(SafeTensors.Load(folder.File("model.safetensors")).Tensors["encoder.weight"].Shape, Is.EqualTo(Shape.Of(16, 784)));
    }
}

public class SlowDeviceWarningTests
{
    [Test]
    public void TrainingOnTheSimulatorIsWarnedAbout()
    {
        var log = new StringWriter();
        GpuGen.Cli.Commands.TrainOptions.WarnAboutSlowDevices(TestSupport.IlgpuCpu, log);
        Assert.That(log.ToString(), Does.StartWith("gpugen: warning: ilgpu-cpu simulates GPU threads"));
        var quiet = new StringWriter();
        GpuGen.Cli.Commands.TrainOptions.WarnAboutSlowDevices(TestSupport.Cpu, quiet);
        Assert.That(quiet.ToString(), Is.Empty);
    }
}
