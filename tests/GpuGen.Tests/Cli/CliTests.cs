using System.Text.Json;
using GpuGen.Cli;

namespace GpuGen.Tests.Cli;

public class CliTests
{
    [Test]
    public void DevicesListsCpuAndIlgpuCpu()
    {
        var (code, output, error) = CliRunner.Run("devices", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("* cpu").And.Contain("ilgpu-cpu"));
        Assert.That(output, Does.Contain("MEMORY").And.Contain("WARP").And.Contain("MAX GROUP"));
    }

    [Test]
    public void DevicesJsonIsOneObjectWithEveryField()
    {
        var (code, output, _) = CliRunner.Run("devices", "--json", "--device", "ilgpu-cpu");
        Assert.That(code, Is.EqualTo(0));
        using var json = JsonDocument.Parse(output);
        Assert.That(json.RootElement.GetProperty("selected").GetString(), Is.EqualTo("ilgpu-cpu"));
        var devices = json.RootElement.GetProperty("devices").EnumerateArray().ToList();
        Assert.That(devices.Select(d => d.GetProperty("name").GetString()), Does.Contain("cpu").And.Contain("ilgpu-cpu"));
        foreach (var d in devices)
        {
            Assert.That(d.GetProperty("memoryBytes").GetInt64(), Is.GreaterThan(0));
            // an OpenCL driver of no known vendor (Mesa's) does not say its warp size before a kernel is built: 0
            Assert.That(d.GetProperty("warpSize").GetInt32(), d.GetProperty("kind").GetString() == "opencl" ? Is.GreaterThanOrEqualTo(0) : Is.GreaterThan(0));
            Assert.That(d.GetProperty("maxGroupSize").GetInt32(), Is.GreaterThan(0));
            Assert.That(d.GetProperty("kind").GetString(), Is.Not.Empty);
        }
    }

    [Test]
    public void AnAbsentDeviceIsOneLineAndExitCode1()
    {
        var (code, output, error) = CliRunner.Run("devices", "--device", "opencl:99");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Is.Empty);
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(error, Does.StartWith("gpugen: error: device 'opencl:99' is not available here; available devices: cpu, ilgpu-cpu"));
    }

    [TestCase("devices", "--device", "gpu")]
    [TestCase("no-such-command")]
    [TestCase("devices", "--no-such-option")]
    public void UsageErrorsAreOneLineAndExitCode2(params string[] args)
    {
        var (code, _, error) = CliRunner.Run(args);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(error, Does.StartWith("gpugen: error: "));
    }

    [Test]
    public void VerboseAddsTheStackTrace()
    {
        var (code, _, error) = CliRunner.Run("devices", "--device", "opencl:99", "--verbose");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("DeviceNotFoundException").And.Contain(" at "));
    }

    [Test]
    public void TheEnvironmentVariablePicksTheDefaultDevice()
    {
        string? saved = Environment.GetEnvironmentVariable(GpuGen.Devices.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(GpuGen.Devices.EnvironmentVariable, "ilgpu-cpu");
            var (code, output, _) = CliRunner.Run("devices", "--json");
            Assert.That(code, Is.EqualTo(0));
            Assert.That(JsonDocument.Parse(output).RootElement.GetProperty("selected").GetString(), Is.EqualTo("ilgpu-cpu"));
            // and --device still wins over it
            (code, output, _) = CliRunner.Run("devices", "--json", "--device", "cpu");
            Assert.That(JsonDocument.Parse(output).RootElement.GetProperty("selected").GetString(), Is.EqualTo("cpu"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(GpuGen.Devices.EnvironmentVariable, saved);
        }
    }

    [Test]
    public void VersionAndHelp()
    {
        var (code, output, _) = CliRunner.Run("version");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Match(@"^gpugen \d+\.\d+\.\d+ \(ILGPU 1\.5\.3, \.NET \d+"));

        (code, output, _) = CliRunner.Run("--help");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("devices").And.Contain("version").And.Contain("--device").And.Contain("GPUGEN_DEVICE"));
    }
}
