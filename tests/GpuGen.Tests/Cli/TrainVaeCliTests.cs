using System.Text.Json;
using GpuGen.Cli;
using GpuGen.IO;

namespace GpuGen.Tests.Cli;

public class TrainVaeCliTests
{
    [Test]
    public void TrainsAndWritesEveryOutput()
    {
        using var folder = new TempFolder();
        var (code, output, error) = CliRunner.Run("train", "vae", "--epochs", "1", "--hidden", "64", "--latent", "4", "--iw-samples", "5",
            "--device", "cpu", "--out", folder.Path, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        foreach (var name in new[] { "model.safetensors", "metrics.json", "loss.png", "reconstructions.png", "samples.png" })
            Assert.That(File.Exists(folder.File(name)), Is.True, name);
        Assert.That(Directory.GetFiles(folder.Path).Any(f => f.EndsWith(".tmp")), Is.False, "no temporary files left");
        using var metrics = JsonDocument.Parse(output);
        double elbo = metrics.RootElement.GetProperty("test_neg_elbo").GetDouble();
        Assert.That(elbo, Is.GreaterThan(50).And.LessThan(400));
        Assert.That(metrics.RootElement.GetProperty("test_iwae_bound").GetDouble(), Is.LessThan(elbo + 1));
        Assert.That(error, Does.Contain("vae epoch 1/1").And.Contain("wrote"));
        var checkpoint = SafeTensors.Load(folder.File("model.safetensors"));
        Assert.That(checkpoint.Metadata["model"], Is.EqualTo("vae"));
        Assert.That(checkpoint.Tensors["encoder.fc1.weight"].Shape, Is.EqualTo(Shape.Of(64, 784)));
        Assert.That(File.ReadAllBytes(folder.File("samples.png"))[1..4], Is.EqualTo("PNG"u8.ToArray()));
    }

    [Test]
    public void TheSameSeedGivesTheSameNumbers()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        string[] Args(string dir) => ["train", "vae", "--epochs", "1", "--hidden", "32", "--latent", "2", "--iw-samples", "0", "--seed", "7", "--device", "cpu", "--out", dir, "--json"];
        double Elbo(string json) => JsonDocument.Parse(json).RootElement.GetProperty("test_neg_elbo").GetDouble();
        Assert.That(Elbo(CliRunner.Run(Args(a.Path)).Out), Is.EqualTo(Elbo(CliRunner.Run(Args(b.Path)).Out)));
    }

    [TestCase("--epochs", "0")]
    [TestCase("--batch", "-5")]
    [TestCase("--lr", "0")]
    [TestCase("--latent", "x")]
    public void BadNumbersAreUsageErrors(string option, string value)
    {
        using var folder = new TempFolder();
        var (code, _, error) = CliRunner.Run("train", "vae", option, value, "--out", folder.Path);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(Directory.GetFileSystemEntries(folder.Path), Is.Empty, "nothing written");
    }

    [Test]
    public void AMissingDataFolderOrAFileAsOutIsARuntimeErrorAndWritesNothing()
    {
        using var folder = new TempFolder();
        string outDir = folder.File("out");
        var (code, _, error) = CliRunner.Run("train", "vae", "--data", folder.File("no-such-data"), "--out", outDir);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.StartWith("gpugen: error: mnist: data folder").And.Contain("does not exist"));
        Assert.That(Directory.Exists(outDir), Is.False);

        File.WriteAllText(folder.File("taken"), "x");
        (code, _, error) = CliRunner.Run("train", "vae", "--epochs", "1", "--out", folder.File("taken"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("is a file, not a folder"));
    }
}
