using System.Text.Json;

namespace GpuGen.Tests.Cli;

/// <summary>
/// <c>gpugen train|eval simclr|moco|vicreg|byol|swav</c> through the real command on a 400/100-digit
/// subset in MNIST files: the metrics and pictures, eval's probes equal to training's, a resumed MoCo
/// run (queue and its position in the checkpoint) ending where a straight one does, no memory kept
/// from run to run, and bad input as one line.
/// </summary>
public class JointEmbeddingCliTests
{
    private static string[] Run(string method, string data) => ["train", method, "--data", data, "--batch", "50", "--seed", "2", "--device", "cpu"];

    private static IEnumerable<string> Stable(string metricsJson, string folder) =>
        metricsJson.Replace(folder, "X").Split('\n').Where(l => !l.Contains("seconds") && !l.Contains("per_second"));

    [Test]
    public void TrainAndEvalEveryMethod()
    {
        using var data = new TempFolder();
        GpuGen.Data.MnistSubset.Write(data.Path, 400, 100);
        foreach (var method in new[] { "simclr", "moco", "vicreg", "byol", "swav" })
        {
            using var folder = new TempFolder();
            var (code, stdout, error) = CliRunner.Run([.. Run(method, data.Path), "--epochs", "1", "--out", folder.Path, "--json"]);
            Assert.That(code, Is.EqualTo(0), error);
            var metrics = JsonDocument.Parse(stdout).RootElement;
            foreach (var key in new[] { "test_loss", "test_knn_accuracy", "linear_probe_test_accuracy", "knn_probe_test_accuracy", "raw_pixels_linear_probe_test_accuracy", "random_encoder_linear_probe_test_accuracy", "effective_rank" })
                Assert.That(metrics.GetProperty(key).GetDouble(), Is.GreaterThan(0), $"{method}: {key}");
            Assert.That(metrics.GetProperty("linear_probe_test_accuracy").GetDouble(), Is.GreaterThan(0.5), $"{method}: one epoch on 400 digits already far above chance");
            foreach (var picture in new[] { "views.png", "spectrum.png", "loss.png" }) Assert.That(File.Exists(folder.File(picture)), $"{method}: {picture}");

            (code, stdout, error) = CliRunner.Run("eval", method, "--checkpoint", folder.File("model.safetensors"), "--data", data.Path, "--seed", "2", "--probe", "linear", "--json", "--device", "cpu");
            Assert.That(code, Is.EqualTo(0), error);
            var evaluated = JsonDocument.Parse(stdout).RootElement;
            Assert.That(evaluated.GetProperty("linear_probe_test_accuracy").GetDouble(), Is.EqualTo(metrics.GetProperty("linear_probe_test_accuracy").GetDouble()), $"{method}: the restored encoder probes as the trained one");
            Assert.That(evaluated.TryGetProperty("knn_probe_test_accuracy", out _), Is.False, "--probe linear runs only the linear probe");
        }
    }

    [Test]
    public void AResumedMoCoRunEndsWhereAStraightOneDoesAndNothingStaysAllocated()
    {
        using var data = new TempFolder();
        GpuGen.Data.MnistSubset.Write(data.Path, 300, 60);
        string[] run = [.. Run("moco", data.Path), "--queue", "120"];
        using var straight = new TempFolder();
        using var resumed = new TempFolder();
        Assert.That(CliRunner.Run([.. run, "--epochs", "2", "--out", straight.Path]).Code, Is.EqualTo(0));
        Assert.That(CliRunner.Run([.. run, "--epochs", "1", "--out", resumed.Path]).Code, Is.EqualTo(0));
        var (code, _, error) = CliRunner.Run("train", "moco", "--resume", resumed.Path, "--epochs", "2", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(Stable(File.ReadAllText(resumed.File("metrics.json")), resumed.Path), Is.EqualTo(Stable(File.ReadAllText(straight.File("metrics.json")), straight.Path)),
            "a resumed run (its queue, queue position, key network and streams restored) ends where a straight one does");

        var device = TestSupport.Cpu;
        using var again = new TempFolder();
        string[] train = [.. Run("simclr", data.Path), "--epochs", "1", "--out", again.Path];
        Assert.That(CliRunner.Run(train).Code, Is.EqualTo(0));
        var warm = device.MemoryStats;
        for (int runNumber = 2; runNumber <= 3; runNumber++)
        {
            (code, _, error) = CliRunner.Run(train);
            Assert.That(code, Is.EqualTo(0), error);
            Assert.That(device.MemoryStats.BytesInUse, Is.EqualTo(warm.BytesInUse), $"bytes in use after run {runNumber}");
            Assert.That(device.MemoryStats.DeviceAllocations, Is.EqualTo(warm.DeviceAllocations), $"fresh device allocations in run {runNumber}");
        }
    }

    [Test]
    public void BadInputIsOneLine()
    {
        using var folder = new TempFolder();
        CliRunner.ExpectUsageError(["train", "simclr", "--views", "1", "--device", "cpu"], folder.File("a"), "--views must be at least 2");
        CliRunner.ExpectUsageError(["train", "moco", "--temperature", "0", "--device", "cpu"], folder.File("b"), "--temperature must be positive");
        CliRunner.ExpectUsageError(["train", "vicreg", "--batch", "1", "--device", "cpu"], folder.File("c"), "a batch of 1 image has no other image to contrast with");
        CliRunner.ExpectUsageError(["train", "byol", "--data", "8gaussians", "--device", "cpu"], folder.File("d"), "not the 2-D toy '8gaussians'");
        CliRunner.ExpectUsageError(["train", "swav", "--prototypes", "1", "--device", "cpu"], folder.File("e"), "--prototypes must be at least 2");

        using var data = new TempFolder();
        GpuGen.Data.MnistSubset.Write(data.Path, 200, 50);
        Assert.That(CliRunner.Run([.. Run("byol", data.Path), "--epochs", "1", "--out", folder.File("byol")]).Code, Is.EqualTo(0));
        var (code, _, error) = CliRunner.Run("eval", "simclr", "--checkpoint", folder.File("byol/model.safetensors"), "--data", data.Path, "--device", "cpu");
        Assert.That((code, error.Trim()), Is.EqualTo((1, $"gpugen: error: checkpoint {folder.File("byol/model.safetensors")}: holds a 'byol' model, not a 'simclr'")));
        (code, _, error) = CliRunner.Run("eval", "simclr", "--checkpoint", folder.File("missing.safetensors"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
    }
}
