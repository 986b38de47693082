using GpuGen;

namespace GpuGen.Tests;

/// <summary>Devices every CI machine has, and random test data.</summary>
public static class TestSupport
{
    // Before any device opens (static fields initialise in order, and NUnit reads DeviceNames while it
    // discovers the tests): device events on, so that the profiler's event path runs on ilgpu-cpu and
    // opencl-cpu as it would on a GPU under gpugen profile; and the OpenCL test device presented.
    private static readonly bool DeviceEventsOn = GpuGen.Launch.Profiler.RequestDeviceEvents();

    /// <summary>Names of the devices present everywhere: host kernels, and ILGPU's CPU
    /// accelerator in its two shapes (<see cref="SimulatedGpus"/>); and where the driver is installed (CI
    /// installs it) ILGPU's OpenCL backend on Mesa's CPU driver (<see cref="OpenClTestDevice"/>).</summary>
    public static readonly string[] DeviceNames = ["cpu", "ilgpu-cpu", "ilgpu-cpu-warp32", .. OpenCl];

    /// <summary>Whether device kernels are timed by device events in this test run (asked for before any device opened).</summary>
    public static bool DeviceEvents => DeviceEventsOn && GpuGen.Launch.Profiler.DeviceEvents;

    /// <summary><c>opencl-cpu</c> when it is present, else nothing.</summary>
    public static string[] OpenCl => OpenClTestDevice.Present ? [OpenClTestDevice.Name] : [];

    /// <summary>The devices that run the device kernels (the code a GPU runs) in CI: ILGPU's CPU
    /// accelerator with small groups (warp 4, 8 threads), and shaped like a GPU (warp 32, 256
    /// threads), which takes the launch configurations chosen only for groups of 256; and where the
    /// driver is installed, the kernels compiled to OpenCL C by ILGPU's OpenCL backend on a CPU driver.</summary>
    public static readonly string[] SimulatedGpus = ["ilgpu-cpu", "ilgpu-cpu-warp32", .. OpenCl];

    public static Device Cpu => Devices.Get("cpu");
    public static Device IlgpuCpu => Devices.Get("ilgpu-cpu");
    public static Device IlgpuCpuWarp32 => Devices.Get("ilgpu-cpu-warp32");

    /// <summary>The same bits as the host on ILGPU's CPU accelerator (it runs .NET's own math); within a few ulp
    /// of values of order one where the kernels run the driver's log, sin, cos and exp (OpenCL, CUDA), the
    /// integer Philox bits being the same everywhere (an absolute bound: r·cos θ near a zero of the cosine
    /// keeps the absolute error of r, not a relative one).</summary>
    public static void AssertSameBitsOrUlps(float[] device, float[] host, Device d, string message)
    {
        if (d.Info.Kind is DeviceKind.OpenCL or DeviceKind.Cuda)
            for (int i = 0; i < host.Length; i++)
                Assert.That(device[i], Is.EqualTo(host[i]).Within(4 * Math.Pow(2, -23) * Math.Max(1, Math.Abs(host[i]))), $"{message}: element {i}");
        else
            Assert.That(device.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(host.Select(BitConverter.SingleToInt32Bits)), message);
    }

    /// <summary>A vector leaf that requires grad.</summary>
    public static Tensor Leaf(Device device, params float[] values)
    {
        var t = Tensor.FromArray(values, Shape.Of(values.Length), device);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Uniform values in [-2, 2) (never all zeros), reproducible from the seed.</summary>
    public static float[] RandomArray(int length, int seed)
    {
        var rng = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(rng.NextDouble() * 4 - 2);
        return values;
    }

    /// <summary>A tensor full of NaN: the output of a kernel under test starts poisoned, so an
    /// element the kernel forgets to write shows up.</summary>
    public static Tensor Poisoned(Shape shape, Device device)
    {
        var nan = new float[shape.ElementCount];
        Array.Fill(nan, float.NaN);
        return Tensor.FromArray(nan, shape, device);
    }
}
