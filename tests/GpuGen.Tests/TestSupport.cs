using GpuGen;

namespace GpuGen.Tests;

/// <summary>Devices every CI machine has, and random test data.</summary>
public static class TestSupport
{
    /// <summary>Names of the two devices present everywhere: host kernels and ILGPU's CPU accelerator.</summary>
    public static readonly string[] DeviceNames = ["cpu", "ilgpu-cpu"];

    public static Device Cpu => Devices.Get("cpu");
    public static Device IlgpuCpu => Devices.Get("ilgpu-cpu");

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
