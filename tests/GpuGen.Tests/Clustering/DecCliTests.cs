using System.Text.Json;
using GpuGen.Data;
using GpuGen.IO;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.Clustering;

/// <summary>gpugen train dec|idec and eval dec|idec end to end on a few hundred digits (a check of the path, not of quality).</summary>
public class DecCliTests
{
    private static TempFolder? _data;

    /// <summary>300 training and 100 test digits as MNIST files.</summary>
    private static string Data
    {
        get
        {
            if (_data is null)
            {
                _data = new TempFolder();
                MnistSubset.Write(_data.Path, 300, 100);
            }
            return _data.Path;
        }
    }

    [OneTimeTearDown]
    public void RemoveData()
    {
        _data?.Dispose();
        _data = null;
    }

    private static string[] Short(string model, string folder, params string[] more) => ShortFor(model, folder, 2, more);

    private static string[] ShortFor(string model, string folder, int epochs, params string[] more) =>
        ["train", model, "--data", Data, "--pretrain-epochs", "2", "--epochs", epochs.ToString(), "--batch", "100", "--kmeans-restarts", "2", "--device", "cpu", "--out", folder, .. more];

    [TestCase("dec")]
    [TestCase("idec")]
    public void TrainsWritesItsOutputsAndEvalRepeatsItsScores(string model)
    {
        using var folder = new TempFolder();
        var (code, output, error) = CliRunner.Run(Short(model, folder.Path, "--json", "--tol", "0"));
        Assert.That(code, Is.EqualTo(0), error);
        foreach (var name in new[] { "model.safetensors", "metrics.json", "loss.png", "clusters.png" })
            Assert.That(File.Exists(folder.File(name)), Is.True, name);
        using var metrics = JsonDocument.Parse(output);
        var m = metrics.RootElement;
        Assert.That(m.GetProperty("model").GetString(), Is.EqualTo(model));
        Assert.That(m.GetProperty("epochs").GetInt32(), Is.EqualTo(4), "two pre-training and two clustering epochs (--tol 0 never stops early)");
        Assert.That(m.GetProperty("stopped_early").GetBoolean(), Is.False);
        Assert.That(m.GetProperty("clustering_iterations").GetInt32(), Is.EqualTo(6));
        foreach (var key in new[] { "train_accuracy_kmeans", "test_accuracy_kmeans", "train_accuracy", "test_accuracy" })
            Assert.That(m.GetProperty(key).GetDouble(), Is.GreaterThan(0.1).And.LessThanOrEqualTo(1), key); // ten digits: chance is about 0.1, any clustering maps at least its largest label
        foreach (var key in new[] { "train_nmi_kmeans", "test_nmi_kmeans", "train_nmi", "test_nmi" })
            Assert.That(m.GetProperty(key).GetDouble(), Is.GreaterThanOrEqualTo(0).And.LessThanOrEqualTo(1), key); // 0 when a short run leaves one cluster
        Assert.That(SafeTensors.Load(folder.File("model.safetensors")).Tensors["centres"].Shape, Is.EqualTo(Shape.Of(10, 10)));

        var (evalCode, evalOutput, evalError) = CliRunner.Run("eval", model, "--checkpoint", folder.File("model.safetensors"), "--data", Data, "--device", "cpu", "--json");
        Assert.That(evalCode, Is.EqualTo(0), evalError);
        using var scores = JsonDocument.Parse(evalOutput);
        foreach (var key in new[] { "train_accuracy", "test_accuracy", "train_nmi", "test_nmi", "train_accuracy_kmeans", "test_nmi_kmeans" })
            Assert.That(scores.RootElement.GetProperty(key).GetDouble(), Is.EqualTo(m.GetProperty(key).GetDouble()).Within(1e-6), key);
        var (_, table, _) = CliRunner.Run("eval", model, "--checkpoint", folder.File("model.safetensors"), "--data", Data, "--device", "cpu");
        Assert.That(table, Does.Contain($"{model}, test").And.Contain("k-means, train"));
    }

    [Test]
    public void ResumingAnInterruptedRunEndsWithTheSameModel()
    {
        using var whole = new TempFolder();
        using var parts = new TempFolder();
        Assert.That(CliRunner.Run(Short("dec", whole.Path, "--tol", "0")).Code, Is.EqualTo(0));
        // stop after the first clustering epoch (three of four), then continue to the same total
        Assert.That(CliRunner.Run(ShortFor("dec", parts.Path, 1, "--tol", "0")).Code, Is.EqualTo(0));
        var (code, _, error) = CliRunner.Run("train", "dec", "--resume", parts.Path, "--epochs", "2", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var a = SafeTensors.Load(whole.File("model.safetensors")).Tensors;
        var b = SafeTensors.Load(parts.File("model.safetensors")).Tensors;
        Assert.That(b.Keys, Is.EquivalentTo(a.Keys));
        foreach (var name in new[] { "centres", "encoder.0.weight", "encoder.6.weight", "decoder.6.bias", "kmeans_scores" })
            Assert.That(b[name].Values, Is.EqualTo(a[name].Values), name);
    }

    /// <summary>Train (both phases, with DEC-DA's views) and eval again and again on the cpu device: once warm,
    /// no run takes a fresh block from the device or leaves one in use.</summary>
    [Test]
    public void RepeatedTrainAndEvalKeepNoMemoryAndAllocateNothingOnceWarm()
    {
        using var folder = new TempFolder();
        var device = TestSupport.Cpu;
        string[][] commands =
        [
            ShortFor("dec", folder.Path, 1, "--tol", "0"),
            ["eval", "dec", "--checkpoint", folder.File("model.safetensors"), "--data", Data, "--device", "cpu"],
        ];
        CliRunner.ExpectNoMemoryKeptOnceWarm(device, commands);
    }

    [Test]
    public void TheStoppingRuleEndsTheRunAndAStoppedRunTrainsNoFurther()
    {
        using var folder = new TempFolder();
        // a tolerance of 99%: the first clustering epoch cannot change that many assignments
        var (code, output, error) = CliRunner.Run(ShortFor("idec", folder.Path, 5, "--tol", "0.99", "--json"));
        Assert.That(code, Is.EqualTo(0), error);
        using (var metrics = JsonDocument.Parse(output))
        {
            Assert.That(metrics.RootElement.GetProperty("stopped_early").GetBoolean(), Is.True);
            Assert.That(metrics.RootElement.GetProperty("epochs").GetInt32(), Is.EqualTo(3));
            Assert.That(metrics.RootElement.GetProperty("last_assignment_change").GetDouble(), Is.LessThan(0.99));
        }
        var before = File.ReadAllBytes(folder.File("model.safetensors"));
        var (again, resumed, resumeError) = CliRunner.Run("train", "idec", "--resume", folder.Path, "--epochs", "8", "--device", "cpu", "--json");
        Assert.That(again, Is.EqualTo(0), resumeError);
        using (var metrics = JsonDocument.Parse(resumed)) Assert.That(metrics.RootElement.GetProperty("epochs").GetInt32(), Is.EqualTo(3));
        Assert.That(File.ReadAllBytes(folder.File("model.safetensors")), Is.EqualTo(before));
    }

    [TestCase("dec", "--clusters", "1", "--clusters must be at least 2")]
    [TestCase("idec", "--clusters", "301", "--clusters 301 is more than the 300 training examples")]
    [TestCase("idec", "--gamma", "0", "--gamma must be positive")]
    [TestCase("dec", "--cluster-lr", "-1", "--cluster-lr must be in (0, 10)")]
    [TestCase("dec", "--tol", "1.5", "--tol must be in [0, 1)")]
    [TestCase("idec", "--augment", "strong", "--augment must be one of digits, mild, weak, none, got 'strong'")]
    public void BadOptionsAreOneLineUsageErrorsThatWriteNothing(string model, string option, string value, string message)
    {
        using var parent = new TempFolder();
        string folder = parent.File("run");
        CliRunner.ExpectUsageError(["train", model, "--data", Data, "--device", "cpu", option, value], folder, message);
    }

    [Test]
    public void EvalRefusesACheckpointOfAnotherModel()
    {
        using var folder = new TempFolder();
        Assert.That(CliRunner.Run(Short("idec", folder.Path, "--tol", "0.99")).Code, Is.EqualTo(0));
        var (code, _, error) = CliRunner.Run("eval", "dec", "--checkpoint", folder.File("model.safetensors"), "--data", Data, "--device", "cpu");
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(error, Does.Contain("holds a 'idec' model, not a 'dec'"));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
    }
}
