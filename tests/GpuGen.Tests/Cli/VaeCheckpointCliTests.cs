using System.Text.Json;
using GpuGen.Cli;
using GpuGen.IO;
using GpuGen.Models.Vae;

namespace GpuGen.Tests.Cli;

public class VaeCheckpointCliTests
{
    private static string Trained(TempFolder folder)
    {
        var (code, _, error) = CliRunner.Run("train", "vae", "--epochs", "1", "--hidden", "64", "--latent", "4", "--iw-samples", "0", "--device", "cpu", "--out", folder.Path);
        Assert.That(code, Is.EqualTo(0), error);
        return folder.File("model.safetensors");
    }

    [Test]
    public void EvalAndSampleReadWhatTrainWrote()
    {
        using var folder = new TempFolder();
        string checkpoint = Trained(folder);
        var train = JsonDocument.Parse(File.ReadAllText(folder.File("metrics.json"))).RootElement;

        var (code, output, error) = CliRunner.Run("eval", "vae", "--checkpoint", checkpoint, "--iw-samples", "5", "--device", "cpu", "--json");
        Assert.That(code, Is.EqualTo(0), error);
        var eval = JsonDocument.Parse(output).RootElement;
        Assert.That(eval.GetProperty("test_neg_elbo").GetDouble(), Is.EqualTo(train.GetProperty("test_neg_elbo").GetDouble()).Within(2.0),
            "the same model gives the same −ELBO up to sampling noise");
        Assert.That(eval.GetProperty("test_knn_accuracy").GetDouble(), Is.EqualTo(train.GetProperty("test_knn_accuracy").GetDouble()),
            "codes are μ(x): no noise");

        (code, _, error) = CliRunner.Run("sample", "vae", "--checkpoint", checkpoint, "--n", "9", "--out", folder.File("s.png"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        (code, _, error) = CliRunner.Run("sample", "vae", "--checkpoint", checkpoint, "--interpolate", "--out", folder.File("i.png"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(new FileInfo(folder.File("i.png")).Length, Is.GreaterThan(new FileInfo(folder.File("s.png")).Length));
    }

    [Test]
    public void CheckpointsOfAnotherModelOrOtherSizesAreClearErrors()
    {
        using var folder = new TempFolder();
        string checkpoint = Trained(folder);
        var file = SafeTensors.Load(checkpoint);

        // another model
        var other = new Dictionary<string, string>(file.Metadata) { ["model"] = "ae" };
        using var vae = new Vae(new Generator(1), TestSupport.Cpu, hidden: 64, latent: 4);
        SafeTensors.Save(folder.File("ae.safetensors"), vae.StateTensors(), other);
        var (code, _, error) = CliRunner.Run("eval", "vae", "--checkpoint", folder.File("ae.safetensors"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("holds a 'ae' model, not a vae"));

        // metadata that disagrees with the tensors
        var lying = new Dictionary<string, string>(file.Metadata) { ["latent"] = "20" };
        SafeTensors.Save(folder.File("lying.safetensors"), vae.StateTensors(), lying);
        (code, _, error) = CliRunner.Run("sample", "vae", "--checkpoint", folder.File("lying.safetensors"), "--out", folder.File("x.png"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("does not match the model").And.Contain("encoder.mu.weight is [4, 64] in the file but [20, 64]"));
        Assert.That(File.Exists(folder.File("x.png")), Is.False);

        (code, _, error) = CliRunner.Run("eval", "vae", "--checkpoint", folder.File("missing.safetensors"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("cannot read"));
    }
}
