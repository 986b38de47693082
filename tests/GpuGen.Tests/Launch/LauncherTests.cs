using GpuGen;
using GpuGen.Launch;

namespace GpuGen.Tests.Launch;

[NonParallelizable] // the profiler is process-wide
public class LauncherTests
{
    [SetUp]
    public void ClearRecords() => Profiler.Clear();

    [Test]
    public void ProfilingRecordsNameShapeTimeAndDeclaredCost()
    {
        using var x = Tensor.FromArray(TestSupport.RandomArray(500, 1), Shape.Of(500), TestSupport.IlgpuCpu);
        using var y = Tensor.Ones(Shape.Of(500), TestSupport.IlgpuCpu);
        using var hx = Tensor.Ones(Shape.Of(300), TestSupport.Cpu);
        Profiler.Clear();
        using (Profiler.Record())
        {
            Ops.Axpy(2f, x, y);
            Ops.Scale(hx, 3f);
        }
        Assert.That(Profiler.Enabled, Is.False, "Record() restores the previous state");
        var records = Profiler.Records;
        Assert.That(records, Has.Count.EqualTo(2));

        var device = records[0];
        Assert.That(device.Kernel, Is.EqualTo("Blas1Device.Axpy"));
        Assert.That(device.Device, Is.EqualTo("ilgpu-cpu"));
        Assert.That(device.LaunchShape, Is.EqualTo("extent=500"));
        Assert.That(device.Flops, Is.EqualTo(2 * 500));
        Assert.That(device.Bytes, Is.EqualTo(3 * 4 * 500));
        Assert.That(device.Elapsed, Is.GreaterThan(TimeSpan.Zero));

        var host = records[1];
        Assert.That(host.Kernel, Is.EqualTo("Blas1Host.Scale"));
        Assert.That(host.Device, Is.EqualTo("cpu"));
        Assert.That(host.LaunchShape, Does.StartWith("elements=300"));
        Assert.That(host.Bytes, Is.EqualTo(2 * 4 * 300));
    }

    [Test]
    public void NothingIsRecordedWhileProfilingIsOff()
    {
        using var y = Tensor.Ones(Shape.Of(10), TestSupport.Cpu);
        Ops.Scale(y, 2f);
        Assert.That(Profiler.Records, Is.Empty);
    }

    [Test]
    public void ADeviceKernelIsLoadedOncePerAccelerator()
    {
        using var y = Tensor.Ones(Shape.Of(10), TestSupport.IlgpuCpu);
        Ops.Scale(y, 2f); // loads the kernel if no earlier test did
        int loaded = Launcher.LoadedKernelCount;
        for (int i = 0; i < 5; i++) Ops.Scale(y, 2f);
        Assert.That(Launcher.LoadedKernelCount, Is.EqualTo(loaded));
        Assert.That(y.ToArray(), Is.All.EqualTo(64f));
    }
}
