using System.CommandLine;
using System.Text.Json;
using GpuGen.IO;
using GpuGen.Launch;
using GpuGen.Models.Output;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen profile [--warmup N] [--steps N] [--trace FILE.json] [--roofline FILE.png] [--json] -- COMMAND …</c>:
/// runs any gpugen command in this process inside a <see cref="ProfileSession"/> (training: steps
/// warmup+1 … warmup+steps, then the run stops; anything else: the whole command), then prints the
/// <see cref="ProfileReport"/>: kernels by total time with their share, GFLOP/s, GB/s and fractions of the
/// device's measured peaks (<see cref="DevicePeaks"/>, cached by <c>gpugen bench-device</c>, measured
/// briefly here when missing), the ops forward and backward, and the host-side gaps. The command's own
/// standard output goes to standard error, so that stdout holds only the report.
/// </summary>
internal static class ProfileCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var warmup = new Option<int>("--warmup") { Description = "Training steps run before profiling starts (compilation, first allocations).", DefaultValueFactory = _ => 2 };
        warmup.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError($"--warmup must be 0 or more, got {r.GetValueOrDefault<int>()}"); });
        var steps = new Option<int>("--steps") { Description = "Training steps profiled; the run stops after them.", DefaultValueFactory = _ => 10 };
        steps.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"--steps must be at least 1, got {r.GetValueOrDefault<int>()}"); });
        var trace = new Option<string?>("--trace") { Description = "Also write a Chrome trace-event JSON (Perfetto, chrome://tracing): steps and ops on the host track, kernels on the device track.", HelpName = "file.json" };
        var roofline = new Option<string?>("--roofline") { Description = "Also write the roofline picture: the device's ceilings and a point per kernel.", HelpName = "file.png" };
        var json = new Option<bool>("--json") { Description = "Print the report as one JSON object on stdout." };
        var inner = new Argument<string[]>("command") { Description = "The gpugen command to profile, after --, e.g. -- train dcgan --epochs 1", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("profile", "Profile any gpugen command: time per kernel and per op against the device's measured peaks, host gaps, a trace and a roofline.")
        {
            warmup, steps, trace, roofline, json, inner,
        };
        command.SetAction(parse =>
        {
            var args = parse.GetValue(inner) ?? [];
            if (args.Length == 0)
                throw new GpuGenException("profile: give the command to profile after --, e.g. gpugen profile -- train dcgan --epochs 1", isUsageError: true);
            if (args[0] == "profile") throw new GpuGenException("profile: cannot profile itself", isUsageError: true);
            // a --device given to profile goes to the command (unless it names its own)
            if (parse.GetResult(GlobalOptions.Device) is { Implicit: false } && !args.Any(a => a is "--device" or "-d" || a.StartsWith("--device=", StringComparison.Ordinal)))
                args = [.. args, "--device", parse.GetValue(GlobalOptions.Device)!];
            string? tracePath = parse.GetValue(trace), rooflinePath = parse.GetValue(roofline);
            foreach (var (path, extension) in new[] { (tracePath, ".json"), (rooflinePath, ".png") })
                if (path is not null) CheckWritable(path, extension);

            Profiler.RequestDeviceEvents(); // before the command opens its device: GPU kernels timed by device events
            var session = new ProfileSession(parse.GetValue(warmup), parse.GetValue(steps));
            int code = GpuGenCli.Ok;
            try
            {
                code = GpuGenCli.Run(args, stderr, stderr);
            }
            finally
            {
                try
                {
                    session.Dispose(); // ends recording; the session keeps what it saw
                }
                catch (Exception) when (code != GpuGenCli.Ok)
                {
                    // the command failed and said why; a device error reading its last events says nothing more
                }
            }
            var (records, profiledSteps, sawSteps) = (session.Records, session.Steps, session.SawSteps);
            if (code != GpuGenCli.Ok) return code; // the command said why
            if (records.Count == 0)
                throw new GpuGenException(sawSteps
                    ? $"profile: the command ran no more than the {parse.GetValue(warmup)} warm-up steps; lower --warmup or train longer"
                    : "profile: the command launched no kernel");

            var device = GpuGen.Devices.Get(records[0].Device);
            var peaks = DevicePeaks.Cached(device);
            bool measuredNow = peaks is null;
            if (peaks is null)
            {
                stderr.WriteLine($"profile: no measured peaks for {device.Name} on this machine; measuring briefly (gpugen bench-device measures them carefully)");
                peaks = DevicePeaks.Measure(device, minimumSeconds: 0.02, repeats: 3);
                DevicePeaks.Store(peaks);
            }
            var report = new ProfileReport(records, profiledSteps, peaks);
            if (tracePath is not null) AtomicFile.WriteText(tracePath, ChromeTrace.Json(records, profiledSteps));
            if (rooflinePath is not null) RooflinePlot.SavePng(rooflinePath, report, peaks);
            string timing = device.Kind == DeviceKind.Cpu ? "wall time per launch"
                : Profiler.TimesByEvents(device) ? "device events" : "wall time per launch, device synchronized";
            if (parse.GetValue(json)) stdout.WriteLine(Json(report, args, measuredNow, timing));
            else WriteTable(stdout, report, args, timing);
            if (tracePath is not null) stderr.WriteLine($"wrote {Path.GetFullPath(tracePath)} (open it in https://ui.perfetto.dev or chrome://tracing)");
            if (rooflinePath is not null) stderr.WriteLine($"wrote {Path.GetFullPath(rooflinePath)}");
            return GpuGenCli.Ok;
        });
        return command;
    }

    private static void CheckWritable(string path, string extension)
    {
        if (!path.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            throw new GpuGenException($"profile: '{path}' should end in {extension}", isUsageError: true);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder)) throw new GpuGenException($"profile: cannot write '{path}': the folder {folder} does not exist");
        string probe = Path.Combine(folder, $".gpugen-write-test-{Environment.ProcessId}");
        try
        {
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GpuGenException($"profile: cannot write '{path}': {e.Message}");
        }
    }

    private static void WriteTable(TextWriter stdout, ProfileReport r, string[] args, string timing)
    {
        var peaks = r.Peaks!;
        string what = r.Steps.Count > 0 ? $"{r.Steps.Count} training steps" : "the whole command";
        stdout.WriteLine($"profile of 'gpugen {string.Join(' ', args)}': {what}, {r.WallTime.TotalMilliseconds:N1} ms of wall time on {peaks.Device} (kernels timed by {timing})");
        stdout.WriteLine($"device peaks: {peaks.FmaGflops:N1} GFLOP/s FP32 FMA, {peaks.CopyGBps:N1} GB/s copy (ridge at {peaks.RidgeFlopsPerByte:N1} FLOP/byte)");
        stdout.WriteLine();
        TextTable.Write(stdout, ["KERNEL", "CALLS", "TOTAL ms", "MEAN µs", "SHARE", "GFLOP/s", "GB/s", "% FMA PEAK", "% BANDWIDTH", "BOUND"],
            r.Kernels.Select(k => new[]
            {
                k.Kernel, $"{k.Calls}", $"{k.Total.TotalMilliseconds:N2}", $"{k.Mean.TotalMicroseconds:N1}", $"{k.Share:P1}",
                $"{k.GFlopsPerSecond:N1}", $"{k.GBytesPerSecond:N1}", $"{k.ComputeFraction:P1}", $"{k.BandwidthFraction:P1}", k.Bound ?? "-",
            }));
        stdout.WriteLine();
        TextTable.Write(stdout, ["OP", "PASS", "KERNELS", "TOTAL ms", "SHARE", "GFLOP/s"],
            r.Ops.Select(o => new[]
            {
                o.Op, o.Backward ? "backward" : "forward", $"{o.Kernels}", $"{o.Total.TotalMilliseconds:N2}", $"{o.Share:P1}",
                $"{(o.Total.TotalSeconds > 0 ? o.Flops / o.Total.TotalSeconds / 1e9 : 0):N1}",
            }));
        stdout.WriteLine();
        double gapShare = r.WallTime > TimeSpan.Zero ? r.HostGaps / r.WallTime : 0;
        stdout.WriteLine($"kernels {r.KernelTime.TotalMilliseconds:N1} ms; host-side gaps (the device idle) {r.HostGaps.TotalMilliseconds:N1} ms = {gapShare:P1} of the wall time; " +
            $"largest: {string.Join(", ", r.LargestGaps(3).Select(g => $"{g.Length.TotalMicroseconds:N0} µs at {g.Start.TotalMilliseconds:N1} ms"))}");
    }

    private static string Json(ProfileReport r, string[] args, bool peaksMeasuredNow, string timing) => JsonSerializer.Serialize(new
    {
        command = args,
        device = r.Peaks!.Device,
        timing,
        steps = r.Steps.Count,
        wall_ms = r.WallTime.TotalMilliseconds,
        kernel_ms = r.KernelTime.TotalMilliseconds,
        host_gap_ms = r.HostGaps.TotalMilliseconds,
        peaks = new { fma_gflops = r.Peaks.FmaGflops, copy_gbps = r.Peaks.CopyGBps, measured_now = peaksMeasuredNow },
        kernels = r.Kernels.Select(k => new
        {
            kernel = k.Kernel, calls = k.Calls, total_ms = k.Total.TotalMilliseconds, mean_us = k.Mean.TotalMicroseconds, share = k.Share,
            flops = k.Flops, bytes = k.Bytes, gflops = k.GFlopsPerSecond, gbps = k.GBytesPerSecond,
            fma_peak_fraction = k.ComputeFraction, bandwidth_fraction = k.BandwidthFraction, bound = k.Bound,
        }),
        ops = r.Ops.Select(o => new { op = o.Op, pass = o.Backward ? "backward" : "forward", kernels = o.Kernels, total_ms = o.Total.TotalMilliseconds, share = o.Share, flops = o.Flops }),
    });
}
