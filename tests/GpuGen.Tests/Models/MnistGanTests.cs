using System.Text.Json;
using GpuGen;
using GpuGen.Data;
using GpuGen.Models.Metrics;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.Models;

/// <summary>The judge that scores generated digits, and the MLP GANs on MNIST through the command.</summary>
public class MnistGanTests
{
    /// <summary>The judge classifies test digits well, and its scores tell real digits from noise: the
    /// Fréchet distance of training digits to test digits is far below that of uniform noise, real
    /// digits get confident, varied labels (entropy near ln 10).</summary>
    [Test]
    public void TheJudgeTellsDigitsFromNoise()
    {
        var device = TestSupport.Cpu;
        var (train, test) = Mnist.Load();
        using var judge = MnistJudge.Train(train, test, device);
        Assert.That(judge.TestAccuracy, Is.GreaterThan(0.93));
        using var scope = new TensorScope();
        var reference = test.Images(Enumerable.Range(0, 1000).ToArray(), device);
        var real = judge.Score(train.Images(Enumerable.Range(0, 1000).ToArray(), device), reference);
        var noise = judge.Score(Ops.Uniform(Shape.Of(1000, 784), new Generator(3), device), reference);
        Assert.That((double)real["test_frechet_distance"]!, Is.LessThan(0.1 * (double)noise["test_frechet_distance"]!));
        Assert.That((double)real["test_label_entropy"]!, Is.GreaterThan(2.1));
        Assert.That((double)real["test_mean_max_softmax"]!, Is.GreaterThan(0.9));
    }

    private static readonly double[] ParzenWindowSigmas = GpuGen.Models.Metrics.ParzenWindow.Sigmas;

    [Test]
    public void TrainGanOnDigitsWritesItsScoresAndSamples()
    {
        using var folder = new TempFolder();
        var (code, stdout, error) = CliRunner.Run("train", "gan", "--data", "mnist", "--epochs", "1", "--batch", "100", "--device", "cpu", "--out", folder.Path, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        using var metrics = JsonDocument.Parse(stdout);
        var root = metrics.RootElement;
        Assert.That(root.GetProperty("data").GetString(), Is.EqualTo("mnist"));
        Assert.That(root.GetProperty("judge_test_accuracy").GetDouble(), Is.GreaterThan(0.93));
        Assert.That(root.GetProperty("test_frechet_distance").GetDouble(), Is.GreaterThan(0));
        Assert.That(root.GetProperty("test_label_entropy").GetDouble(), Is.InRange(0, Math.Log(10) + 1e-9));
        Assert.That(File.Exists(folder.File("samples.png")), Is.True);
        Assert.That(File.Exists(folder.File("grids/epoch_001.png")), Is.True, "a grid from the fixed z after every epoch");

        // eval: the same judge and evaluation stream give the training run's numbers again
        string checkpoint = folder.File("model.safetensors");
        (code, stdout, error) = CliRunner.Run("eval", "gan", "--checkpoint", checkpoint, "--json", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        using var evaluated = JsonDocument.Parse(stdout);
        Assert.That(root.GetProperty("test_parzen_log_likelihood").GetDouble(), Is.LessThan(root.GetProperty("parzen_validation_log_likelihood").GetDouble() + 200));
        Assert.That(ParzenWindowSigmas, Does.Contain(root.GetProperty("parzen_sigma").GetDouble()));
        foreach (var key in new[] { "test_frechet_distance", "test_mean_max_softmax", "test_label_entropy", "judge_test_accuracy", "test_parzen_log_likelihood", "parzen_sigma" })
            Assert.That(evaluated.RootElement.GetProperty(key).GetDouble(), Is.EqualTo(root.GetProperty(key).GetDouble()), key);

        (code, _, error) = CliRunner.Run("sample", "gan", "--checkpoint", checkpoint, "--n", "6", "--out", folder.File("d.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var (shape, values) = GpuGen.Tests.IO.NpyFileTests.Read(folder.File("d.npy"));
        Assert.That(shape, Is.EqualTo(new[] { 6, 1, 28, 28 }));
        Assert.That(values, Is.All.InRange(0f, 1f));
        (code, _, error) = CliRunner.Run("sample", "wgan-gp", "--checkpoint", checkpoint, "--out", folder.File("x.png"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(error, Does.Contain("holds a 'gan' model, not a 'wgan-gp'"));
    }

    [Test]
    public void ToyOptionsOnDigitsAreRefused()
    {
        using var folder = new TempFolder();
        var (code, _, error) = CliRunner.Run("train", "wgan-gp", "--data", "mnist", "--width", "64", "--device", "cpu", "--out", folder.File("run"));
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain("--width is for the 2-D toys"));
        Assert.That(Directory.Exists(folder.File("run")), Is.False);
    }

    /// <summary>The conditional GAN end to end: the label reaches G and D (their first layers take
    /// 100 + 10 and 784 + 10 inputs), the judge checks the asked-for labels, sample --label draws one
    /// digit, and a toy set or a label outside 0–9 is a usage error.</summary>
    [Test]
    public void TheConditionalGanTakesItsLabel()
    {
        using var folder = new TempFolder();
        var (code, stdout, error) = CliRunner.Run("train", "cgan", "--epochs", "1", "--batch", "100", "--device", "cpu", "--out", folder.Path, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        using var metrics = JsonDocument.Parse(stdout);
        Assert.That(metrics.RootElement.GetProperty("model").GetString(), Is.EqualTo("cgan"));
        Assert.That(metrics.RootElement.GetProperty("test_label_accuracy").GetDouble(), Is.InRange(0, 1));
        var stored = GpuGen.IO.SafeTensors.Load(folder.File("model.safetensors"));
        Assert.That(stored.Tensors["generator.0.weight"].Shape, Is.EqualTo(Shape.Of(256, 110)));
        Assert.That(stored.Tensors["critic.0.weight"].Shape, Is.EqualTo(Shape.Of(512, 794)));

        (code, _, error) = CliRunner.Run("sample", "cgan", "--checkpoint", folder.File("model.safetensors"), "--label", "7", "--n", "4", "--out", folder.File("sevens.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(GpuGen.Tests.IO.NpyFileTests.Read(folder.File("sevens.npy")).Shape, Is.EqualTo(new[] { 4, 1, 28, 28 }));
        Assert.That(CliRunner.Run("sample", "cgan", "--checkpoint", folder.File("model.safetensors"), "--out", folder.File("rows.png"), "--device", "cpu").Code, Is.EqualTo(0));
        Assert.That(File.Exists(folder.File("rows.png")), Is.True);

        Assert.That(CliRunner.Run("sample", "cgan", "--checkpoint", folder.File("model.safetensors"), "--label", "10", "--out", folder.File("x.png"), "--device", "cpu").Code, Is.EqualTo(2));
        (code, _, error) = CliRunner.Run("train", "cgan", "--data", "8gaussians", "--device", "cpu", "--out", folder.File("toy"));
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain("needs labelled digits"));
    }
}
