using GpuGen;

namespace GpuGen.Tests;

/// <summary>Devices every CI machine has, and random test data.</summary>
public static class TestSupport
{
    /// <summary>Names of the devices present everywhere: host kernels, and ILGPU's CPU
    /// accelerator in its two shapes (<see cref="SimulatedGpus"/>).</summary>
    public static readonly string[] DeviceNames = ["cpu", "ilgpu-cpu", "ilgpu-cpu-warp32"];

    /// <summary>The devices that run the device kernels (the code a GPU runs) in CI: ILGPU's CPU
    /// accelerator with small groups (warp 4, 8 threads), and shaped like a GPU (warp 32, 256
    /// threads), which takes the launch configurations chosen only for groups of 256.</summary>
    public static readonly string[] SimulatedGpus = ["ilgpu-cpu", "ilgpu-cpu-warp32"];

    public static Device Cpu => Devices.Get("cpu");
    public static Device IlgpuCpu => Devices.Get("ilgpu-cpu");
    public static Device IlgpuCpuWarp32 => Devices.Get("ilgpu-cpu-warp32");

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
