using System.CommandLine;
using System.Reflection;

namespace GpuGen.Cli.Commands;

/// <summary><c>gpugen version</c>: GpuGen's version and what it runs on.</summary>
internal static class VersionCommand
{
    public static Command Build(TextWriter stdout)
    {
        var command = new Command("version", "Print GpuGen's version, and the ILGPU and .NET versions it runs on.");
        command.SetAction(_ =>
        {
            stdout.WriteLine($"gpugen {Version(typeof(GpuGenCli).Assembly)} " +
                             $"(ILGPU {Version(typeof(ILGPU.Context).Assembly)}, .NET {Environment.Version})");
            return GpuGenCli.Ok;
        });
        return command;
    }

    private static string Version(Assembly assembly)
    {
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        // The SDK appends "+<commit>" to the informational version; keep the version proper.
        return informational?.Split('+')[0] ?? assembly.GetName().Version?.ToString(3) ?? "unknown";
    }
}
