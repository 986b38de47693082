using System.Text.Json;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.Cli;

/// <summary>gpugen train ebm|sparse-coding, sample ebm and eval ebm end to end at tiny sizes, and their bad input.</summary>
public class EnergyBasedCliTests
{
    private static readonly string[] TinyToy = ["--batch", "32", "--width", "16", "--langevin-steps", "5", "--sample-steps", "5", "--buffer", "200", "--device", "cpu"];

    /// <summary>A toy run writes its metrics (energy distance beside the floor) and pictures; sample writes
    /// .npy [n, 2] and a PNG; eval recomputes the training run's last test metrics exactly.</summary>
    [Test]
    public void TrainSampleAndEvalAToyEbm()
    {
        using var folder = new TempFolder();
        var (code, stdout, error) = CliRunner.Run(["train", "ebm", "--epochs", "1", "--seed", "4", .. TinyToy, "--out", folder.Path, "--json"]);
        Assert.That(code, Is.EqualTo(0), error);
        using var trained = JsonDocument.Parse(stdout);
        var root = trained.RootElement;
        Assert.That(root.GetProperty("model").GetString(), Is.EqualTo("ebm"));
        Assert.That(root.GetProperty("data").GetString(), Is.EqualTo("8gaussians"));
        Assert.That(root.GetProperty("energy_distance_floor").GetDouble(), Is.LessThan(root.GetProperty("test_energy_distance").GetDouble()));
        Assert.That(root.GetProperty("train_curve").GetProperty("energy_samples").GetArrayLength(), Is.EqualTo(1));
        foreach (var file in new[] { "model.safetensors", "landscape.png", "chains.png", "loss.png" })
            Assert.That(File.Exists(folder.File(file)), Is.True, file);
        string checkpoint = folder.File("model.safetensors");

        (code, _, error) = CliRunner.Run("sample", "ebm", "--checkpoint", checkpoint, "--n", "30", "--steps", "3", "--out", folder.File("s.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var (shape, values) = GpuGen.Tests.IO.NpyFileTests.Read(folder.File("s.npy"));
        Assert.That(shape, Is.EqualTo(new[] { 30, 2 }));
        Assert.That(values, Is.All.InRange(-2.5f, 2.5f));
        Assert.That(CliRunner.Run("sample", "ebm", "--checkpoint", checkpoint, "--n", "50", "--out", folder.File("s.png"), "--device", "cpu").Code, Is.EqualTo(0));
        Assert.That(File.Exists(folder.File("s.png")), Is.True);

        (code, stdout, error) = CliRunner.Run("eval", "ebm", "--checkpoint", checkpoint, "--seed", "4", "--json", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        using var evaluated = JsonDocument.Parse(stdout);
        foreach (var key in new[] { "test_energy_distance", "test_within_3sigma", "test_modes", "energy_distance_floor" })
            Assert.That(evaluated.RootElement.GetProperty(key).GetDouble(), Is.EqualTo(root.GetProperty(key).GetDouble()), key);
    }

    /// <summary>Two epochs straight, or one and then --resume to two: the same network, Adam state and
    /// replay buffer, bit for bit (the buffer is a module buffer in the checkpoint).</summary>
    [Test]
    public void AResumedToyRunEqualsAStraightOneBitForBit()
    {
        using var straight = new TempFolder();
        using var resumed = new TempFolder();
        Assert.That(CliRunner.Run(["train", "ebm", "--epochs", "2", .. TinyToy, "--out", straight.Path]).Code, Is.EqualTo(0));
        Assert.That(CliRunner.Run(["train", "ebm", "--epochs", "1", .. TinyToy, "--out", resumed.Path]).Code, Is.EqualTo(0));
        var (code, _, error) = CliRunner.Run("train", "ebm", "--resume", resumed.Path, "--epochs", "2", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var a = GpuGen.IO.SafeTensors.Load(straight.File("model.safetensors"));
        var b = GpuGen.IO.SafeTensors.Load(resumed.File("model.safetensors"));
        Assert.That(a.Tensors.Keys, Does.Contain("replay"));
        Assert.That(b.Tensors.Keys, Is.EquivalentTo(a.Tensors.Keys));
        foreach (var (name, t) in a.Tensors) Assert.That(b.Tensors[name].Values, Is.EqualTo(t.Values), name);
    }

    /// <summary>Training, sampling and evaluating through the commands, run again and again on the cpu device:
    /// once warm, no run takes a fresh block from the device or leaves one in use (the Langevin chains, the
    /// replay buffer and the evaluation's chains all come from and go back to the cache).</summary>
    [Test]
    public void RepeatedTrainSampleAndEvalKeepNoMemoryAndAllocateNothingOnceWarm()
    {
        using var folder = new TempFolder();
        var device = TestSupport.Cpu;
        string checkpoint = folder.File("model.safetensors");
        string[][] commands =
        [
            ["train", "ebm", "--epochs", "1", .. TinyToy, "--out", folder.Path],
            ["sample", "ebm", "--checkpoint", checkpoint, "--n", "40", "--steps", "3", "--out", folder.File("s.npy"), "--device", "cpu"],
            ["eval", "ebm", "--checkpoint", checkpoint, "--device", "cpu"],
            ["train", "sparse-coding", "--epochs", "1", "--batch", "1000", "--atoms", "16", "--ista-steps", "5", "--device", "cpu", "--out", folder.File("sc")],
        ];
        CliRunner.ExpectNoMemoryKeptOnceWarm(device, commands);
    }

    /// <summary>A digits run and sparse coding, one short epoch each: their metrics and pictures.</summary>
    [Test]
    public void TrainEbmAndSparseCodingOnDigits()
    {
        using var folder = new TempFolder();
        var (code, stdout, error) = CliRunner.Run("train", "ebm", "--data", "mnist", "--epochs", "1", "--batch", "1000", "--width", "16", "--langevin-steps", "2",
            "--sample-steps", "2", "--buffer", "100", "--device", "cpu", "--out", folder.File("ebm"), "--json");
        Assert.That(code, Is.EqualTo(0), error);
        using (var metrics = JsonDocument.Parse(stdout))
        {
            Assert.That(metrics.RootElement.GetProperty("test_label_entropy").GetDouble(), Is.InRange(0, Math.Log(10) + 1e-9));
            Assert.That(metrics.RootElement.GetProperty("test_frechet_distance").GetDouble(), Is.GreaterThan(0));
        }
        foreach (var file in new[] { "samples.png", "chains_short.png", "chains_long.png", "buffer.png" })
            Assert.That(File.Exists(Path.Combine(folder.File("ebm"), file)), Is.True, file);
        (code, _, error) = CliRunner.Run("sample", "ebm", "--checkpoint", Path.Combine(folder.File("ebm"), "model.safetensors"), "--n", "4", "--out", folder.File("d.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var (shape, values) = GpuGen.Tests.IO.NpyFileTests.Read(folder.File("d.npy"));
        Assert.That(shape, Is.EqualTo(new[] { 4, 1, 28, 28 }));
        Assert.That(values, Is.All.InRange(0f, 1f));

        (code, stdout, error) = CliRunner.Run("train", "sparse-coding", "--epochs", "1", "--batch", "1000", "--atoms", "16", "--ista-steps", "10",
            "--device", "cpu", "--out", folder.File("sc"), "--json");
        Assert.That(code, Is.EqualTo(0), error);
        using (var metrics = JsonDocument.Parse(stdout))
        {
            var root = metrics.RootElement;
            Assert.That(root.GetProperty("test_sparsity").GetDouble(), Is.InRange(0, 1));
            Assert.That(root.GetProperty("test_relative_error").GetDouble(), Is.InRange(0, 1), "better than reconstructing zeros");
        }
        Assert.That(File.Exists(Path.Combine(folder.File("sc"), "dictionary.png")), Is.True);
    }

    [TestCase(new[] { "train", "ebm", "--langevin-steps", "0" }, "--langevin-steps must be at least 1")]
    [TestCase(new[] { "train", "ebm", "--step-size", "0" }, "--step-size must be positive")]
    [TestCase(new[] { "train", "ebm", "--noise", "-1" }, "--noise must be at least 0")]
    [TestCase(new[] { "train", "ebm", "--data", "moons" }, "unknown --data 'moons'")]
    [TestCase(new[] { "train", "ebm", "--net", "conv" }, "--net conv is for digits")]
    [TestCase(new[] { "train", "ebm", "--input-scale", "0" }, "--input-scale must be positive")]
    [TestCase(new[] { "train", "ebm", "--data", "mnist", "--input-scale", "2" }, "--input-scale is for the toys' MLP")]
    [TestCase(new[] { "train", "sparse-coding", "--lambda", "0" }, "--lambda must be positive")]
    [TestCase(new[] { "train", "sparse-coding", "--atoms", "0" }, "--atoms must be positive")]
    public void BadTrainingInputIsOneLineAndWritesNothing(string[] args, string message)
    {
        using var folder = new TempFolder();
        CliRunner.ExpectUsageError([.. args, "--device", "cpu"], folder.File("run"), message);
    }

    /// <summary>n or steps below 1 (exit 2) and a checkpoint of another model (exit 1, as every family's
    /// sample and eval): one line, no file.</summary>
    [Test]
    public void BadSampleInputIsOneLineAndWritesNothing()
    {
        using var folder = new TempFolder();
        Assert.That(CliRunner.Run("train", "sparse-coding", "--epochs", "1", "--batch", "2000", "--atoms", "4", "--ista-steps", "2", "--device", "cpu", "--out", folder.Path).Code, Is.EqualTo(0));
        string other = folder.File("model.safetensors");
        foreach (var (args, message, exit) in new[]
        {
            (new[] { "--n", "0" }, "--n must be in [1, 1000000]", 2),
            (new[] { "--steps", "0" }, "--steps must be at least 1", 2),
            (Array.Empty<string>(), "holds a 'sparse-coding' model, not a 'ebm'", 1),
        })
        {
            var (code, _, error) = CliRunner.Run(["sample", "ebm", "--checkpoint", other, "--out", folder.File("x.npy"), "--device", "cpu", .. args]);
            Assert.That(code, Is.EqualTo(exit), error);
            Assert.That(error, Does.Contain(message));
            Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(File.Exists(folder.File("x.npy")), Is.False);
        }
        var (evalCode, _, evalError) = CliRunner.Run("eval", "ebm", "--checkpoint", other, "--device", "cpu");
        Assert.That((evalCode, evalError.Trim()), Is.EqualTo((1, $"gpugen: error: checkpoint {other}: holds a 'sparse-coding' model, not a 'ebm'")));
    }
}
