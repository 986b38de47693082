using System.CommandLine;
using System.Text.Json;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen devices [--json]</c>: every device present, with the one <c>--device</c> selects
/// marked, then each OpenCL device found that ILGPU cannot use and why (its version, or a missing
/// feature), rather than leaving it out silently. Fails (exit 1, listing what is there) when
/// <c>--device</c> names an absent device.
/// </summary>
internal static class DevicesCommand
{
    public static Command Build(TextWriter stdout)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout instead of a table." };
        var command = new Command("devices", "List the devices GpuGen can run on: name, kind, memory, warp size, maximum group size.")
        {
            json,
        };
        command.SetAction(parse =>
        {
            var selected = GlobalOptions.ResolveDevice(parse).Name;
            var devices = GpuGen.Devices.Available;
            var unusable = GpuGen.Devices.UnusableOpenCL;
            var loader = GpuGen.Devices.OpenCLLoader;
            if (parse.GetValue(json)) WriteJson(stdout, devices, unusable, loader, selected);
            else
            {
                WriteTable(stdout, devices, selected);
                foreach (var (name, reason) in unusable) stdout.WriteLine($"unusable OpenCL device {name}: {reason}");
                if (loader is { } problem) stdout.WriteLine($"OpenCL: {problem.Reason}");
            }
            return GpuGenCli.Ok;
        });
        return command;
    }

    private static void WriteTable(TextWriter stdout, IReadOnlyList<DeviceInfo> devices, string selected)
    {
        string[] header = ["NAME", "KIND", "MEMORY", "WARP", "MAX GROUP", "DESCRIPTION"];
        var rows = devices.Select(d => new[]
        {
            (d.Name == selected ? "* " : "  ") + d.Name, KindName(d.Kind), FormatBytes(d.MemoryBytes),
            d.WarpSize > 0 ? d.WarpSize.ToString() : "?", d.MaxGroupSize.ToString(), d.Description,
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length + (i == 0 ? 2 : 0), rows.Max(r => r[i].Length))).ToArray();
        stdout.WriteLine(string.Join("  ", header.Select((h, i) => (i == 0 ? "  " + h : h).PadRight(widths[i]))).TrimEnd());
        foreach (var r in rows) stdout.WriteLine(string.Join("  ", r.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        stdout.WriteLine($"(* = selected by --device / ${GpuGen.Devices.EnvironmentVariable}; cpu warp = SIMD float lanes, max group = worker threads; ? = the driver does not say)");
    }

    private static void WriteJson(TextWriter stdout, IReadOnlyList<DeviceInfo> devices, IReadOnlyList<(string Name, string Reason)> unusable,
        (string Name, string Reason)? loader, string selected)
    {
        var document = new
        {
            selected,
            devices = devices.Select(d => new
            {
                name = d.Name,
                kind = KindName(d.Kind),
                description = d.Description,
                memoryBytes = d.MemoryBytes,
                warpSize = d.WarpSize,
                maxGroupSize = d.MaxGroupSize,
            }),
            // the loader is not a device: kind "opencl-loader", so that a consumer listing devices can skip it
            unusable = unusable.Select(u => new { name = u.Name, kind = "opencl", reason = u.Reason })
                .Concat(loader is { } problem ? [new { name = problem.Name, kind = "opencl-loader", reason = problem.Reason }] : []),
        };
        stdout.WriteLine(JsonSerializer.Serialize(document));
    }

    internal static string KindName(DeviceKind kind) => kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.IlgpuCpu => "ilgpu-cpu",
        DeviceKind.Cuda => "cuda",
        DeviceKind.OpenCL => "opencl",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F1} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        _ => $"{bytes:N0} B",
    };
}
