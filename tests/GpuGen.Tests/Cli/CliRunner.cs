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
}
