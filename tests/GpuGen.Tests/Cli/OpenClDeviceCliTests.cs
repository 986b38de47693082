using System.Diagnostics;
using System.Text.Json;
using GpuGen.Cli;

namespace GpuGen.Tests.Cli;

/// <summary>
/// The OpenCL path as a user meets it: a real gpugen process (no test support, so no presenter) on a machine
/// with Mesa's rusticl enabled finds the llvmpipe device, and instead of leaving it out silently says why
/// ILGPU cannot use it, in the table, in --json, and when --device opencl asks for it (exit 1). In the test
/// process the same device is there as opencl-cpu, which auto never picks.
/// </summary>
public class OpenClDeviceCliTests
{
    private static (int Code, string Out, string Err) RunGpugen(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(GpuGenCli).Assembly.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["RUSTICL_ENABLE"] = "llvmpipe";
        start.Environment.Remove("GPUGEN_DEVICE");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    // Only where the rusticl driver is installed (CI installs it, and GPUGEN_REQUIRE_OPENCL_CPU=1 makes its
    // absence a failure there): without it there is no OpenCL device whose refusal could be explained.
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.OpenCl))]
    public void AnOpenClDeviceIlgpuCannotUseIsNamedWithTheReason(string testDevice)
    {
        var (code, output, error) = RunGpugen("devices", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("unusable OpenCL device llvmpipe"));
        Assert.That(output, Does.Contain("without the generic address space (__opencl_c_generic_address_space)"));
        Assert.That(output, Does.Not.Contain(testDevice), "the test device exists only in the tests");

        (code, output, error) = RunGpugen("devices", "--json", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var unusable = JsonDocument.Parse(output).RootElement.GetProperty("unusable").EnumerateArray().Single();
        Assert.That(unusable.GetProperty("reason").GetString(), Does.Contain("generic address space"));

        (code, _, error) = RunGpugen("devices", "--device", "opencl");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error.Trim(), Does.StartWith("gpugen: error: device 'opencl' is not available here").And.Contain("found but unusable: OpenCL llvmpipe"));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), "one line");
    }

    [Test]
    public void TheTestDeviceIsNeverTheAutomaticChoice()
    {
        var llvmpipe = GpuGen.Devices.Available.Where(d => d.Description.StartsWith("llvmpipe", StringComparison.Ordinal)).Select(d => d.Name);
        Assert.That(llvmpipe, Is.EqualTo(TestSupport.OpenCl), "rusticl's llvmpipe is presented only as opencl-cpu, and only where installed");
        Assert.That(GpuGen.Devices.Resolve("auto", GpuGen.Devices.Available), Is.Not.EqualTo(OpenClTestDevice.Name));
    }

    /// <summary>With only the runtime's libOpenCL.so.1 ILGPU finds no platform: that is named, and only then.</summary>
    [Test]
    public void AnOpenCLLoaderThatILGPUCannotOpenIsNamed()
    {
        var problem = IlgpuRuntime.OpenCLLoaderProblem(name => name == "libOpenCL.so.1");
        Assert.That(problem, Is.Not.Null);
        Assert.That(problem!.Value.Name, Is.EqualTo(GpuGen.Devices.OpenCLLoaderEntry));
        Assert.That(problem.Value.Reason, Does.Contain("ocl-icd-opencl-dev"));
        Assert.That(IlgpuRuntime.OpenCLLoaderProblem(_ => true), Is.Null, "both names open");
        Assert.That(IlgpuRuntime.OpenCLLoaderProblem(_ => false), Is.Null, "no OpenCL at all: nothing to say");
    }
}
