namespace GpuGen;

/// <summary>What kind of kernels a device runs.</summary>
public enum DeviceKind
{
    /// <summary>Host kernels (SIMD C# on all cores): the fast CPU path.</summary>
    Cpu,
    /// <summary>ILGPU's CPU accelerator running the device kernels: a simulator used to check them.</summary>
    IlgpuCpu,
    /// <summary>ILGPU device kernels compiled to PTX for an NVIDIA GPU.</summary>
    Cuda,
    /// <summary>ILGPU device kernels compiled to OpenCL C for an AMD (or other) GPU.</summary>
    OpenCL,
}

/// <summary>
/// A device as the user sees it. <paramref name="Name"/> is what <c>--device</c> takes
/// ("cpu", "ilgpu-cpu", "cuda:0", "opencl:0"); <paramref name="Description"/> is the hardware.
/// For the cpu device, the warp size is the number of float lanes of one SIMD vector and the
/// maximum group size the number of worker threads: the nearest host analogues. A warp size of 0: the
/// driver does not say (an OpenCL driver of no vendor ILGPU knows, until a kernel is built).
/// </summary>
public sealed record DeviceInfo(
    string Name, DeviceKind Kind, string Description, long MemoryBytes, int WarpSize, int MaxGroupSize);
