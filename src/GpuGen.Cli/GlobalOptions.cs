using System.CommandLine;

namespace GpuGen.Cli;

/// <summary>Options every command takes (declared once on the root, recursive).</summary>
internal static class GlobalOptions
{
    public static readonly Option<string> Device = new("--device", "-d")
    {
        Description = $"Device to run on: auto, cpu, ilgpu-cpu, ilgpu-cpu-warp32, cuda[:N] or opencl[:N]. " +
                      $"Default: ${GpuGen.Devices.EnvironmentVariable} if set, else auto (CUDA, then OpenCL, then cpu).",
        DefaultValueFactory = _ => GpuGen.Devices.DefaultName,
        HelpName = "name",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "On an error, print the stack trace too.",
        Recursive = true,
    };

    /// <summary>The device the command line asks for, resolved (throws a clear error if absent).</summary>
    public static Device ResolveDevice(ParseResult parse) => GpuGen.Devices.Get(parse.GetValue(Device) ?? GpuGen.Devices.DefaultName);
}
