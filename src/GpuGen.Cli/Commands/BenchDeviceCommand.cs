using System.CommandLine;
using System.Text.Json;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen bench-device [--device D] [--repeats N] [--json]</c>: measures the device's FP32 FMA peak and
/// its copy bandwidth (<see cref="DevicePeaks.Measure"/>), stores them in the per-user cache that the
/// profiler reads its percentages from, and prints them.
/// </summary>
internal static class BenchDeviceCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout instead of a table." };
        var repeats = Repeats("Timed runs of each measurement (the median is kept).");
        var command = new Command("bench-device", "Measure the device's FP32 FMA peak (GFLOP/s) and memory bandwidth (a large copy, bytes read plus written), " +
            "and cache them per machine and device for the profiler's percentages.")
        {
            json, repeats,
        };
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ResolveDevice(parse);
            stderr.WriteLine($"bench-device: measuring {device.Name} ({device.Info.Description}) …");
            var peaks = DevicePeaks.Measure(device, repeats: parse.GetValue(repeats));
            DevicePeaks.Store(peaks);
            if (parse.GetValue(json))
                stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    device = peaks.Device, description = peaks.Description, machine = peaks.Machine,
                    fma_gflops = peaks.FmaGflops, copy_gbps = peaks.CopyGBps, copy_bytes = peaks.CopyBytes,
                    ridge_flops_per_byte = peaks.RidgeFlopsPerByte, cached_in = DevicePeaks.CachePath,
                }));
            else
            {
                stdout.WriteLine($"device          {peaks.Device} ({peaks.Description})");
                stdout.WriteLine($"FP32 FMA peak   {peaks.FmaGflops:N1} GFLOP/s");
                stdout.WriteLine($"copy bandwidth  {peaks.CopyGBps:N1} GB/s (a copy of {peaks.CopyBytes / 2 / (1 << 20):N0} MiB, read plus written)");
                stdout.WriteLine($"ridge point     {peaks.RidgeFlopsPerByte:N1} FLOP/byte (kernels below it are bound by memory)");
                stdout.WriteLine($"cached in       {DevicePeaks.CachePath}");
            }
            return GpuGenCli.Ok;
        });
        return command;
    }

    /// <summary>The benchmarks' --repeats (default 5, at least 1).</summary>
    internal static Option<int> Repeats(string description)
    {
        var repeats = new Option<int>("--repeats") { Description = description, DefaultValueFactory = _ => 5 };
        repeats.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"--repeats must be at least 1, got {r.GetValueOrDefault<int>()}"); });
        return repeats;
    }
}
