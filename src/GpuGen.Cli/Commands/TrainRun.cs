using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using GpuGen.Data;
using GpuGen.Models.Runner;

namespace GpuGen.Cli.Commands;

/// <summary>
/// What every <c>gpugen train MODEL</c> does once its options became a <see cref="TrainingFamily"/>:
/// hand it to the <see cref="TrainingRunner"/> with progress on stderr, stop cleanly on Ctrl-C or
/// SIGTERM (exit 130, the last complete checkpoint kept, one line saying how to resume), and print
/// the summary (and with --json the metrics on stdout).
/// </summary>
internal static class TrainRun
{
    public const int Interrupted = 130; // 128 + SIGINT, what shells report for Ctrl-C

    public static int Execute(TrainingFamily family, TrainOptions common, ParseResult parse, MnistSplit train, MnistSplit test, Device device,
        TextWriter stdout, TextWriter stderr)
    {
        var options = common.RunOptions(parse);
        using var plan = AutoencodingPlan.Create(family, train, test, device, options);
        return Execute(plan.Plan, options, common, parse, device, stdout, stderr);
    }

    public static int Execute(TrainingPlan plan, RunOptions options, TrainOptions common, ParseResult parse, Device device,
        TextWriter stdout, TextWriter stderr)
    {
        TrainOptions.WarnAboutSlowDevices(device, stderr);
        // gpugen profile stops the run once its steps are profiled, as a Ctrl-C would
        var profile = GpuGen.Launch.ProfileSession.Current;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(profile?.Done ?? CancellationToken.None);
        // The first signal asks the runner to stop at the next step boundary; the handler cancels
        // the default termination so the last checkpoint is never cut short.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        RunResult result;
        using (var progress = TrainingProgress.Start(stderr))
            result = TrainingRunner.Run(plan, device, options, progress, cancel.Token);
        string folder = Path.GetFullPath(options.Out);
        if (result.Interrupted && profile is not null && profile.Done.IsCancellationRequested)
        {
            stderr.WriteLine($"gpugen: stopped after the profiled steps ({profile.WarmupSteps} warm-up, {profile.ProfiledSteps} profiled)");
            return GpuGenCli.Ok;
        }
        if (result.Interrupted)
        {
            stderr.WriteLine(result.EpochsCompleted > 0
                ? $"gpugen: interrupted; the checkpoint of epoch {result.EpochsCompleted} is in {folder}; continue with: gpugen train {plan.Name} --resume {options.Out}"
                : $"gpugen: interrupted during epoch 1, before its checkpoint; nothing was written");
            return Interrupted;
        }
        stderr.WriteLine(Summary(result.Metrics, plan.TestTerms, device));
        stderr.WriteLine($"wrote {folder}: {string.Join(", ", result.Files)}");
        if (parse.GetValue(common.Json)) stdout.WriteLine(JsonSerializer.Serialize(result.Metrics));
        return GpuGenCli.Ok;
    }

    /// <summary>The run's closing line: the test terms, then the other numeric test_ metrics, the
    /// codes' 5-NN accuracy where the family has codes, and the speed.</summary>
    public static string Summary(Dictionary<string, object?> m, string[] testTerms, Device device)
    {
        string text = string.Join(", ", testTerms.Select(t => $"{t} {Format(m[t])}")
            .Concat(m.Where(e => e.Key.StartsWith("test_", StringComparison.Ordinal) && !testTerms.Contains(e.Key) && e.Key != "test_knn_accuracy" && e.Value is double)
                .Select(e => $"{e.Key} {Format(e.Value)}")));
        if (m.GetValueOrDefault("test_knn_accuracy") is double knn) text += $"; code 5-NN accuracy {knn:P1}";
        string speed = m["examples_per_second"] is double rate ? $"; {rate:N0} examples/s on {device.Name}" : "";
        return text + speed;
    }

    /// <summary>Two decimals for values of 1 or more (nats per image), four significant digits below (an energy distance of 0.0018).</summary>
    internal static string Format(object? value) => value is double v && Math.Abs(v) < 1 && v != 0 ? v.ToString("G4") : $"{value:F2}";
}
