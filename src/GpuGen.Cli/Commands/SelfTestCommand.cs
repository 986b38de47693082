using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using GpuGen.Models.SelfTest;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen selftest [--device D] [--quick] [--json]</c>: what to run first on a new machine or GPU. Every op
/// family's parity check forward and backward on the device against double-precision references
/// (<see cref="OpParity"/>), then a short training run of each model family through its real command on that
/// device (a few steps on a small subset of the embedded digits, or on a toy), checked to finish with finite
/// losses. Prints a table; exits 1 when anything fails.
/// </summary>
internal static class SelfTestCommand
{
    /// <summary>A short run of one family, small networks (a check of the path, not of quality): its command line (data, device and output are added).</summary>
    private sealed record TrainingCase(string Name, bool Digits, bool Quick, string[] Args);

    private static readonly TrainingCase[] Trainings =
    [
        new("vae", true, true, ["train", "vae", "--epochs", "1", "--batch", "32", "--hidden", "32", "--latent", "4", "--iw-samples", "2"]),
        new("ae", true, false, ["train", "ae", "--epochs", "1", "--batch", "32", "--hidden", "32"]),
        new("dae", true, false, ["train", "dae", "--epochs", "1", "--batch", "32", "--hidden", "32"]),
        new("cae", true, false, ["train", "cae", "--epochs", "1", "--batch", "32", "--hidden", "32"]),
        new("gumbel-vae", true, false, ["train", "gumbel-vae", "--epochs", "1", "--batch", "32"]),
        new("gan (toy)", false, true, ["train", "gan", "--iters", "10", "--batch", "64", "--width", "32", "--depth", "2"]),
        new("wgan-gp (toy)", false, true, ["train", "wgan-gp", "--iters", "5", "--critic-iters", "2", "--batch", "64", "--width", "32", "--depth", "2"]),
        new("wgan (toy)", false, false, ["train", "wgan", "--iters", "5", "--critic-iters", "2", "--batch", "64", "--width", "32", "--depth", "2"]),
        new("ddpm (toy)", false, true, ["train", "ddpm", "--steps", "20", "--batch", "64", "--width", "32", "--depth", "2", "--timesteps", "20", "--eval-points", "64"]),
        new("bfn (toy)", false, true, ["train", "bfn", "--steps", "20", "--batch", "64", "--width", "32", "--depth", "2", "--eval-points", "64"]),
        new("diffusion (toy)", false, false, ["train", "diffusion", "--steps", "20", "--batch", "64", "--width", "32", "--depth", "2", "--eval-points", "64"]),
        new("bfn (binary digits)", true, false, ["train", "bfn", "--epochs", "1", "--batch", "32", "--width", "64", "--depth", "1"]),
        new("ddpm (digits, U-Net)", true, false, ["train", "ddpm", "--epochs", "1", "--batch", "32", "--channels", "8", "--timesteps", "50"]),
        new("simclr (digits)", true, false, ["train", "simclr", "--epochs", "1", "--batch", "32"]),
        new("vicreg (digits, conv)", true, false, ["train", "vicreg", "--epochs", "1", "--batch", "32", "--encoder", "conv"]),
        new("dec (digits)", true, false, ["train", "dec", "--pretrain-epochs", "1", "--epochs", "1", "--batch", "32", "--kmeans-restarts", "2"]),
        new("ebm (toy)", false, false, ["train", "ebm", "--epochs", "1", "--batch", "64", "--width", "32", "--langevin-steps", "5", "--sample-steps", "10"]),
        new("sparse-coding (digits)", true, false, ["train", "sparse-coding", "--epochs", "1", "--batch", "32", "--atoms", "32", "--ista-steps", "10"]),
    ];

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer shapes and only the core training runs (what CI runs on ilgpu-cpu)." };
        var json = new Option<bool>("--json") { Description = "Print the results as one JSON object on stdout." };
        var command = new Command("selftest", "Check the device: every op family forward and backward against double-precision references, and a short training run of each model family. Run it first on a new GPU.")
        {
            quick, json,
        };
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ResolveDevice(parse);
            bool isQuick = parse.GetValue(quick);
            var clock = Stopwatch.StartNew();
            stderr.WriteLine($"selftest: {device.Name} ({device.Info.Description}){(isQuick ? ", quick" : "")}");
            var parity = OpParity.Run(device, isQuick).ToList();
            var trainings = RunTrainings(device, isQuick, stderr);
            int failed = parity.Count(p => !p.Passed) + trainings.Count(t => !t.Passed);
            if (parse.GetValue(json))
                stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    device = device.Name, quick = isQuick, seconds = clock.Elapsed.TotalSeconds, failed,
                    parity = parity.Select(p => new { family = p.Family, test = p.Case, max_error = double.IsFinite(p.MaxError) ? p.MaxError : (double?)null, tolerance = p.Tolerance, passed = p.Passed }),
                    training = trainings.Select(t => new { model = t.Name, passed = t.Passed, seconds = t.Seconds, problem = t.Problem }),
                }));
            else
            {
                foreach (var family in parity.GroupBy(p => p.Family))
                {
                    var worst = family.MaxBy(p => double.IsFinite(p.MaxError) ? p.MaxError / p.Tolerance : double.PositiveInfinity)!;
                    int bad = family.Count(p => !p.Passed);
                    stdout.WriteLine($"{family.Key,-10} {family.Count(),3} checks  {(bad == 0 ? "ok  " : $"{bad} FAILED")}  worst {worst.MaxError:G3} (tolerance {worst.Tolerance:G3}) in {worst.Case}");
                }
                foreach (var p in parity.Where(p => !p.Passed)) stdout.WriteLine($"  FAILED {p.Family}: {p.Case}: error {p.MaxError:G3} > {p.Tolerance:G3}");
                foreach (var t in trainings)
                    stdout.WriteLine($"train {t.Name,-22} {(t.Passed ? "ok  " : "FAILED")}  {t.Seconds,6:F1} s{(t.Problem is null ? "" : $"  {t.Problem}")}");
                stdout.WriteLine($"selftest on {device.Name}: {(failed == 0 ? "all passed" : $"{failed} failed")} ({parity.Count} parity checks, {trainings.Count} training runs, {clock.Elapsed.TotalSeconds:F0} s)");
            }
            if (failed > 0) throw new GpuGenException($"selftest: {failed} check(s) failed on {device.Name}");
            return GpuGenCli.Ok;
        });
        return command;
    }

    private sealed record TrainingResult(string Name, bool Passed, double Seconds, string? Problem);

    private static List<TrainingResult> RunTrainings(Device device, bool quick, TextWriter stderr)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"gpugen-selftest-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var results = new List<TrainingResult>();
        try
        {
            string data = Path.Combine(folder, "digits");
            GpuGen.Data.MnistSubset.Write(data, quick ? 64 : 256, quick ? 32 : 64);
            foreach (var run in Trainings.Where(t => t.Quick || !quick))
            {
                stderr.WriteLine($"selftest: training {run.Name} …");
                string[] args = [.. run.Args, .. (run.Digits ? new[] { "--data", data } : Array.Empty<string>()), "--device", device.Name, "--seed", "1", "--json", "--out", Path.Combine(folder, new string(run.Name.Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()))];
                var output = new StringWriter();
                var errors = new StringWriter();
                var clock = Stopwatch.StartNew();
                int code = GpuGenCli.Run(args, output, errors);
                string? problem = code != 0 ? $"exit {code}: {errors.ToString().Trim().Split('\n')[^1]}" : NonFinite(output.ToString());
                results.Add(new TrainingResult(run.Name, problem is null, clock.Elapsed.TotalSeconds, problem));
            }
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return results;
    }

    /// <summary>A problem with the run's metrics: not JSON, or a loss curve holding a value that is not finite.</summary>
    private static string? NonFinite(string json)
    {
        try
        {
            var root = JsonDocument.Parse(json).RootElement;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Number && !double.IsFinite(property.Value.GetDouble()))
                    return $"{property.Name} is not finite";
                if (property.Value.ValueKind == JsonValueKind.Array)
                    foreach (var v in property.Value.EnumerateArray())
                        if (v.ValueKind == JsonValueKind.Number && !double.IsFinite(v.GetDouble())) return $"{property.Name} holds a value that is not finite";
            }
            return root.EnumerateObject().Any() ? null : "no metrics";
        }
        catch (JsonException)
        {
            return "its metrics are not JSON";
        }
    }
}
