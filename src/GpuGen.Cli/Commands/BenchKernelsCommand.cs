using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen bench-kernels [--device D] [--sizes 1024,2048,4096] [--elements N] [--repeats N] [--json]</c>:
/// the device's GEMM (A·B and A·Bᵀ) and its bandwidth-bound kernels (add, exp, sum) timed through the ops
/// (<see cref="KernelBench"/>), each as GFLOP/s and GB/s and as a fraction of the device's measured peaks
/// when <c>gpugen bench-device</c> has cached them; on CUDA cuBLAS's SGEMM beside the device GEMM; on CUDA and
/// OpenCL each GEMM plan forced, and an MLP's products. What a GPU check sets beside the vendor library and the
/// copy bandwidth.
/// </summary>
internal static class BenchKernelsCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout instead of a table." };
        var sizes = new Option<string>("--sizes") { Description = "GEMM sizes n (n × n × n), comma-separated.", DefaultValueFactory = _ => "1024,2048,4096", HelpName = "n,n,…" };
        sizes.Validators.Add(r => { if (ParseSizes(r.GetValueOrDefault<string>()) is null) r.AddError($"--sizes must be positive integers separated by commas, got '{r.GetValueOrDefault<string>()}'"); });
        var elements = new Option<long>("--elements") { Description = "Elements of the vectors the add, exp and sum run over.", DefaultValueFactory = _ => 1L << 26, HelpName = "n" };
        elements.Validators.Add(r => { long v = r.GetValueOrDefault<long>(); if (v < 1 || v > int.MaxValue) r.AddError($"--elements must be between 1 and {int.MaxValue}, got {v}"); });
        var repeats = BenchDeviceCommand.Repeats("Timed batches of each kernel (the median is kept).");
        var command = new Command("bench-kernels", "Time the device's GEMM (A·B, A·Bᵀ at n × n × n) and its add, exp and sum over a large vector: " +
            "GFLOP/s and GB/s, and their fractions of the peaks gpugen bench-device measured.")
        {
            sizes, elements, repeats, json,
        };
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ResolveDevice(parse);
            var peaks = DevicePeaks.Cached(device);
            stderr.WriteLine($"bench-kernels: {device.Name} ({device.Info.Description}) …");
            var results = new List<KernelTiming>();
            var notes = new List<string>();
            void Note(string line)
            {
                notes.Add(line);
                stderr.WriteLine($"bench-kernels: {line}");
            }
            bool gpu = device.Kind is DeviceKind.Cuda or DeviceKind.OpenCL; // each GEMM plan, and an MLP's products: what tunes the plans
            foreach (var timing in KernelBench.Run(device, ParseSizes(parse.GetValue(sizes))!, parse.GetValue(elements), parse.GetValue(repeats), note: Note,
                         comparePlans: gpu, modelShapes: gpu))
            {
                results.Add(timing);
                stderr.WriteLine($"  {timing.Kernel} {timing.Shape}: {timing.Seconds * 1e3:N3} ms");
            }
            if (parse.GetValue(json)) WriteJson(stdout, device, peaks, results, notes);
            else WriteTable(stdout, device, peaks, results);
            return GpuGenCli.Ok;
        });
        return command;
    }

    private static int[]? ParseSizes(string? text)
    {
        var parts = (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : -1).ToArray();
        return values.Length > 0 && values.All(v => v > 0) ? values : null;
    }

    private static string Percent(double value, double? peak) => peak is > 0 ? $"{100 * value / peak.Value:N1} %" : "–";

    private static void WriteTable(TextWriter stdout, Device device, DevicePeaks? peaks, List<KernelTiming> results)
    {
        stdout.WriteLine($"kernels on {device.Name} ({device.Info.Description})");
        stdout.WriteLine(peaks is null
            ? "device peaks: not measured yet (run gpugen bench-device for the percentages)"
            : $"device peaks: {peaks.FmaGflops:N1} GFLOP/s FP32 FMA, {peaks.CopyGBps:N1} GB/s copy (measured {peaks.Measured:yyyy-MM-dd})");
        string[] header = ["KERNEL", "SIZE", "MEDIAN ms", "GFLOP/s", "GB/s", "% FMA PEAK", "% BANDWIDTH"];
        var rows = results.Select(r => new[]
        {
            r.Kernel, r.Shape, (r.Seconds * 1e3).ToString("N3"), r.Gflops.ToString("N1"), r.GBps.ToString("N1"),
            Percent(r.Gflops, peaks?.FmaGflops), Percent(r.GBps, peaks?.CopyGBps),
        }).ToList();
        TextTable.Write(stdout, header, rows, leftColumns: 2);
    }

    private static void WriteJson(TextWriter stdout, Device device, DevicePeaks? peaks, List<KernelTiming> results, List<string> notes) =>
        stdout.WriteLine(JsonSerializer.Serialize(new
        {
            device = device.Name, description = device.Info.Description,
            fma_gflops = peaks?.FmaGflops, copy_gbps = peaks?.CopyGBps,
            kernels = results.Select(r => new
            {
                kernel = r.Kernel, size = r.Shape, seconds = r.Seconds, flops = r.Flops, bytes = r.Bytes, gflops = r.Gflops, gbps = r.GBps,
                fraction_of_fma_peak = peaks is null ? (double?)null : r.Gflops / peaks.FmaGflops,
                fraction_of_bandwidth = peaks is null ? (double?)null : r.GBps / peaks.CopyGBps,
            }),
            notes,
        }));
}
