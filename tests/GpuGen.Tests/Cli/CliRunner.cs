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
}
