using System.Diagnostics;
using System.Text.Json;
using GpuGen.Cli;
using GpuGen.Data;
using GpuGen.IO;
using Spectre.Console;

namespace GpuGen.Tests.Cli;

/// <summary>The training path through the real command: memory, resume, signals, errors, progress.</summary>
public class TrainingPathCliTests
{
    private static readonly string[] Small = ["--hidden", "32", "--latent", "4", "--iw-samples", "3", "--device", "cpu"];

    /// <summary>
    /// <c>gpugen eval vae</c> and <c>gpugen sample vae</c> (both kinds of picture), run three times
    /// each in one process: after the first, the cpu allocator's bytes in use return to where they
    /// were and it makes no fresh device allocation — evaluation, the IWAE bound, the k-NN codes
    /// and sampling free everything they make. So does a whole <c>gpugen train vae</c>.
    /// </summary>
    [Test]
    public void TrainEvalAndSampleLeaveNothingAllocated()
    {
        using var folder = new TempFolder();
        var device = TestSupport.Cpu;
        string[][] commands =
        [
            ["train", "vae", "--epochs", "1", .. Small, "--out", folder.Path],
            ["eval", "vae", "--checkpoint", folder.File("model.safetensors"), "--iw-samples", "3", "--device", "cpu"],
            ["sample", "vae", "--checkpoint", folder.File("model.safetensors"), "--device", "cpu", "--out", folder.File("s.png")],
            ["sample", "vae", "--checkpoint", folder.File("model.safetensors"), "--interpolate", "--device", "cpu", "--out", folder.File("i.png")],
        ];
        foreach (var command in commands)
        {
            var (code, _, error) = CliRunner.Run(command);
            Assert.That(code, Is.EqualTo(0), error);
            var warm = device.MemoryStats;
            for (int run = 2; run <= 3; run++)
            {
                (code, _, error) = CliRunner.Run(command);
                Assert.That(code, Is.EqualTo(0), error);
                var now = device.MemoryStats;
                Assert.That(now.BytesInUse, Is.EqualTo(warm.BytesInUse), $"{command[0]} {string.Join(' ', command[2..4])}: bytes in use after run {run}");
                Assert.That(now.DeviceAllocations, Is.EqualTo(warm.DeviceAllocations), $"{command[0]}: fresh device allocations in run {run}");
            }
        }
    }

    /// <summary>
    /// <c>--resume DIR</c> continues the run in DIR from its options (none need repeating) and ends
    /// with the same checkpoint tensors as one uninterrupted run; an option that contradicts the
    /// recorded run is a one-line usage error that changes nothing.
    /// </summary>
    [Test]
    public void ResumeContinuesFromTheRecordedOptionsBitForBit()
    {
        using var straight = new TempFolder();
        using var resumed = new TempFolder();
        string[] model = ["train", "vae", "--hidden", "16", "--latent", "3", "--iw-samples", "0", "--seed", "3", "--device", "cpu"];
        Assert.That(CliRunner.Run([.. model, "--epochs", "2", "--out", straight.Path]).Code, Is.EqualTo(0));
        Assert.That(CliRunner.Run([.. model, "--epochs", "1", "--out", resumed.Path]).Code, Is.EqualTo(0));
        var bytes = File.ReadAllBytes(resumed.File("model.safetensors"));

        var (code, _, error) = CliRunner.Run("train", "vae", "--resume", resumed.Path, "--hidden", "32", "--epochs", "2");
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain("that run used --hidden 16, not 32"));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        (code, _, error) = CliRunner.Run("train", "ae", "--resume", resumed.Path);
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain("holds a 'vae' model, not a 'ae'"));
        Assert.That(File.ReadAllBytes(resumed.File("model.safetensors")), Is.EqualTo(bytes), "refusals change nothing");

        (code, var output, error) = CliRunner.Run("train", "vae", "--resume", resumed.Path, "--epochs", "2", "--device", "cpu", "--json");
        Assert.That(code, Is.EqualTo(0), error);
        var a = SafeTensors.Load(straight.File("model.safetensors"));
        var b = SafeTensors.Load(resumed.File("model.safetensors"));
        foreach (var (name, tensor) in a.Tensors)
            Assert.That(b.Tensors[name].Values, Is.EqualTo(tensor.Values), name);
        using var metrics = JsonDocument.Parse(output);
        Assert.That(metrics.RootElement.GetProperty("epochs").GetInt32(), Is.EqualTo(2));
        Assert.That(metrics.RootElement.GetProperty("test_curve").GetArrayLength(), Is.EqualTo(2));
    }

    /// <summary>
    /// Ctrl-C (SIGINT) or SIGTERM to a training <c>gpugen</c> process: it stops at the next step
    /// boundary, keeps the last complete checkpoint, prints one line saying how to resume, exits
    /// with 130, and leaves no temporary file; the checkpoint then resumes.
    /// </summary>
    [TestCase("INT")]
    [TestCase("TERM")]
    public void ASignalStopsTrainingCleanlyWithTheResumeLine(string signal)
    {
        using var folder = new TempFolder();
        string dll = Path.Combine(AppContext.BaseDirectory, "gpugen.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { dll, "train", "vae", "--epochs", "500", "--hidden", "16", "--latent", "2", "--iw-samples", "0", "--device", "cpu", "--out", folder.Path })
            start.ArgumentList.Add(arg);
        using var child = Process.Start(start)!;
        var lines = new List<string>();
        var firstEpoch = new TaskCompletionSource();
        child.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            if (e.Data.Contains("epoch 1/500")) firstEpoch.TrySetResult();
        };
        child.BeginErrorReadLine();
        child.BeginOutputReadLine();
        Assert.That(firstEpoch.Task.Wait(TimeSpan.FromSeconds(60)), Is.True, "the first epoch ends");
        using (var kill = Process.Start("kill", $"-{signal} {child.Id}")!) kill.WaitForExit();
        if (!child.WaitForExit(60_000))
        {
            child.Kill();
            Assert.Fail("the process did not stop within a minute of the signal");
        }
        child.WaitForExit();
        string all;
        lock (lines) all = string.Join("\n", lines);
        Assert.That(child.ExitCode, Is.EqualTo(130), all);
        string last = lines.Last();
        Assert.That(last, Does.StartWith("gpugen: interrupted; the checkpoint of epoch").And.Contain($"continue with: gpugen train vae --resume {folder.Path}"));
        Assert.That(Directory.GetFiles(folder.Path).Where(f => f.EndsWith(".tmp")), Is.Empty, "nothing half-written");
        var checkpoint = SafeTensors.Load(folder.File("model.safetensors"));
        int epoch = int.Parse(checkpoint.Metadata["run.epoch"]);
        Assert.That(epoch, Is.GreaterThanOrEqualTo(1));
        var (code, _, error) = CliRunner.Run("train", "vae", "--resume", folder.Path, "--epochs", (epoch + 1).ToString(), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(SafeTensors.Load(folder.File("model.safetensors")).Metadata["run.epoch"], Is.EqualTo((epoch + 1).ToString()));
    }

    /// <summary>An exception that is not a GpuGen error (a bug) prints one line too, and the trace only with --verbose.</summary>
    [Test]
    public void AnInternalErrorIsOneLine()
    {
        var (code, line) = GpuGenCli.ErrorLine(new InvalidOperationException("the tape\nbroke"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(line, Is.EqualTo("gpugen: internal error: InvalidOperationException: the tape broke (run again with --verbose for the stack trace)"));
        Assert.That(GpuGenCli.ErrorLine(new GpuGenException("bad --lr", isUsageError: true)), Is.EqualTo((2, "gpugen: error: bad --lr")));
    }

    /// <summary>With a live progress bar, each epoch's train and test loss is printed above it.</summary>
    [Test]
    public void TheProgressBarShowsEachEpochsTestLoss()
    {
        var screen = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(screen), Interactive = InteractionSupport.Yes, Ansi = AnsiSupport.No,
        });
        using (var progress = new TrainingProgress(new StringWriter(), console))
        {
            progress.Start("vae", 2, 3, 100, 1);
            for (int step = 1; step <= 3; step++) progress.Step(1, step, 150);
            progress.EndEpoch(1, 150.25, [("test_neg_elbo", 140.5)]);
        }
        Assert.That(screen.ToString(), Does.Contain("vae epoch 1/2: train loss 150.25, test loss 140.50"));
    }

    /// <summary>A failing run (a corrupt data file) creates no --out folder.</summary>
    [Test]
    public void AFailedRunLeavesNoEmptyFolder()
    {
        using var folder = new TempFolder();
        foreach (var name in Directory.GetFiles(Mnist.DefaultFolder)) File.Copy(name, folder.File(Path.GetFileName(name)));
        File.WriteAllBytes(folder.File("train-labels-idx1-ubyte.gz"), [1, 2, 3]);
        string outDir = folder.File("run");
        var (code, _, error) = CliRunner.Run("train", "vae", "--data", folder.Path, "--out", outDir, "--device", "cpu");
        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(Directory.Exists(outDir), Is.False);
    }

    /// <summary>The README's first command (the main job) runs optimized code: Debug trains at half the speed.</summary>
    [Test]
    public void TheReadmesMainJobRunsTheReleaseBuild()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var first = readme.Split('\n').First(l => l.TrimStart().StartsWith("dotnet run", StringComparison.Ordinal));
        Assert.That(first, Does.Contain("-c Release").And.Contain("train vae"));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GpuGen.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("no GpuGen.sln above the test binaries");
    }
}
