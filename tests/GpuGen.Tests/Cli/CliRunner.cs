using GpuGen.Cli;

namespace GpuGen.Tests.Cli;

/// <summary>Runs the gpugen command in-process, capturing its exit code, stdout and stderr.</summary>
public static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = GpuGenCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs a command that must be refused as a usage error: exit 2, one line on stderr that
    /// contains <paramref name="message"/>, and its output folder <paramref name="outFolder"/> never made.</summary>
    public static void ExpectUsageError(string[] args, string outFolder, string message)
    {
        var (exit, _, error) = Run([.. args, "--out", outFolder]);
        Assert.That(exit, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain(message));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(Directory.Exists(outFolder), Is.False);
    }

    /// <summary>
    /// Runs <paramref name="commands"/> in order once to warm the device's caching allocator, then twice
    /// more: after every later command the bytes in use and the count of fresh device allocations must
    /// be what they were once warm (nothing kept, nothing allocated per run).
    /// </summary>
    public static void ExpectNoMemoryKeptOnceWarm(Device device, IReadOnlyList<string[]> commands)
    {
        foreach (var command in commands) Assert.That(Run(command).Code, Is.EqualTo(0), string.Join(' ', command));
        var warm = device.MemoryStats;
        for (int round = 2; round <= 3; round++)
            foreach (var command in commands)
            {
                var (code, _, error) = Run(command);
                Assert.That(code, Is.EqualTo(0), error);
                Assert.That(device.MemoryStats.BytesInUse, Is.EqualTo(warm.BytesInUse), $"bytes in use after {command[0]} {command[1]}, round {round}");
                Assert.That(device.MemoryStats.DeviceAllocations, Is.EqualTo(warm.DeviceAllocations), $"fresh device allocations in {command[0]} {command[1]}, round {round}");
            }
    }
}
