using GpuGen;

namespace GpuGen.Tests.Selection;

public class DeviceSelectionTests
{
    private static DeviceInfo Info(string name, DeviceKind kind) => new(name, kind, "test", 1 << 30, 32, 1024);

    private static readonly DeviceInfo[] CpuOnly = [Info("cpu", DeviceKind.Cpu), Info("ilgpu-cpu", DeviceKind.IlgpuCpu)];
    private static readonly DeviceInfo[] WithGpus =
        [.. CpuOnly, Info("cuda:0", DeviceKind.Cuda), Info("cuda:1", DeviceKind.Cuda), Info("opencl:0", DeviceKind.OpenCL)];

    [Test]
    public void ThisMachineHasCpuAndIlgpuCpu()
    {
        var names = GpuGen.Devices.Available.Select(d => d.Name).ToList();
        Assert.That(names, Does.Contain("cpu").And.Contain("ilgpu-cpu"));
        Assert.That(names[0], Is.EqualTo("cpu"));
        foreach (var d in GpuGen.Devices.Available)
        {
            Assert.That(d.MemoryBytes, Is.GreaterThan(0), d.Name);
            // an OpenCL driver of no vendor ILGPU knows (Mesa's) does not say its warp size: 0
            Assert.That(d.WarpSize, d.Kind == DeviceKind.OpenCL ? Is.GreaterThanOrEqualTo(0) : Is.GreaterThan(0), d.Name);
            Assert.That(d.MaxGroupSize, Is.GreaterThan(0), d.Name);
        }
    }

    [Test]
    public void AutoPrefersCudaThenOpenClThenCpu()
    {
        Assert.That(GpuGen.Devices.Resolve("auto", WithGpus), Is.EqualTo("cuda:0"));
        Assert.That(GpuGen.Devices.Resolve("auto", [.. CpuOnly, Info("opencl:0", DeviceKind.OpenCL)]), Is.EqualTo("opencl:0"));
        Assert.That(GpuGen.Devices.Resolve("auto", CpuOnly), Is.EqualTo("cpu"));
    }

    [Test]
    public void NamesAreCaseAndSpaceInsensitiveAndBareKindMeansIndexZero()
    {
        Assert.That(GpuGen.Devices.Resolve(" CUDA ", WithGpus), Is.EqualTo("cuda:0"));
        Assert.That(GpuGen.Devices.Resolve("cuda:1", WithGpus), Is.EqualTo("cuda:1"));
        Assert.That(GpuGen.Devices.Resolve("opencl", WithGpus), Is.EqualTo("opencl:0"));
        Assert.That(GpuGen.Devices.Resolve("ILGPU-CPU", CpuOnly), Is.EqualTo("ilgpu-cpu"));
    }

    [TestCase("cuda")]
    [TestCase("cuda:3")]
    [TestCase("opencl")]
    public void AnAbsentDeviceIsARuntimeErrorThatListsWhatIsThere(string name)
    {
        var e = Assert.Throws<DeviceNotFoundException>(() => GpuGen.Devices.Resolve(name, name == "cuda:3" ? WithGpus : CpuOnly))!;
        Assert.That(e.Message, Does.Contain($"'{name}'").And.Contain("not available"));
        Assert.That(e.Message, Does.Contain("cpu, ilgpu-cpu"));
        Assert.That(e.IsUsageError, Is.False);
    }

    [TestCase("gpu")]
    [TestCase("cuda:x")]
    [TestCase("")]
    public void AnUnknownNameIsAUsageErrorThatListsTheValidNames(string name)
    {
        var e = Assert.Throws<DeviceNotFoundException>(() => GpuGen.Devices.Resolve(name, CpuOnly))!;
        Assert.That(e.Message, Does.Contain("unknown device").And.Contain("cuda[:N]").And.Contain("available here: cpu, ilgpu-cpu"));
        Assert.That(e.IsUsageError, Is.True);
    }

    [Test]
    public void TheEnvironmentVariableOverridesTheDefault()
    {
        Assert.That(GpuGen.Devices.DefaultNameFrom(null), Is.EqualTo("auto"));
        Assert.That(GpuGen.Devices.DefaultNameFrom("  "), Is.EqualTo("auto"));
        Assert.That(GpuGen.Devices.DefaultNameFrom("ilgpu-cpu"), Is.EqualTo("ilgpu-cpu"));

        string? saved = Environment.GetEnvironmentVariable(GpuGen.Devices.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(GpuGen.Devices.EnvironmentVariable, "ilgpu-cpu");
            Assert.That(GpuGen.Devices.Default.Name, Is.EqualTo("ilgpu-cpu"));
            Environment.SetEnvironmentVariable(GpuGen.Devices.EnvironmentVariable, "cpu");
            Assert.That(GpuGen.Devices.Default.Name, Is.EqualTo("cpu"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(GpuGen.Devices.EnvironmentVariable, saved);
        }
    }

    [Test]
    public void GetReturnsOneObjectPerDevice()
    {
        Assert.That(GpuGen.Devices.Get("cpu"), Is.SameAs(GpuGen.Devices.Get("CPU")));
        Assert.That(GpuGen.Devices.Get("ilgpu-cpu"), Is.SameAs(GpuGen.Devices.Get("ilgpu-cpu")));
        Assert.That(GpuGen.Devices.Get("ilgpu-cpu").Kind, Is.EqualTo(DeviceKind.IlgpuCpu));
    }

    [Test]
    public void GettingAnAbsentDeviceThrowsAndLeavesTheRegistryUsable()
    {
        if (GpuGen.Devices.Available.Any(d => d.Kind == DeviceKind.Cuda))
            Assert.That(GpuGen.Devices.Get("cuda").Kind, Is.EqualTo(DeviceKind.Cuda));
        else
            Assert.Throws<DeviceNotFoundException>(() => GpuGen.Devices.Get("cuda"));
        Assert.That(GpuGen.Devices.Get("cpu").Name, Is.EqualTo("cpu"));
    }
}
