using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace GpuGen;

/// <summary>
/// The one ILGPU context of the process, created on first use, and the ILGPU devices it found
/// under GpuGen's names.
/// </summary>
internal static class IlgpuRuntime
{
    /// <summary>
    /// The simulated GPU behind <c>ilgpu-cpu</c>: 4 threads per warp, 2 warps per group, 1
    /// multiprocessor. ILGPU's CPU accelerator runs each simulated thread as an OS thread and a
    /// group barrier costs ~41 µs at 4 threads but ~3 ms at 256 (DESIGN.md), so a small
    /// simulated device is what lets device kernels be checked quickly on a 2-core machine.
    /// </summary>
    public static readonly CPUDevice SimulatedDevice = new(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 2, numMultiprocessors: 1);

    /// <summary>
    /// The simulated GPU behind <c>ilgpu-cpu-warp32</c>: shaped like a real one (32 threads per
    /// warp, 8 warps, so groups of 256), so that every launch configuration chosen only where a
    /// group allows 256 threads (the device GEMM's 16 × 16 tiles, 256-thread reduction trees)
    /// runs in CI. Slow (256 OS threads a group): for parity checks at tiny sizes.
    /// </summary>
    public static readonly CPUDevice GpuShapedDevice = new(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 8, numMultiprocessors: 1);

    /// <summary>GpuGen's names of the simulated devices, in the order the context holds them.</summary>
    private static readonly (CPUDevice Device, string Name, string Description)[] Simulated =
    [
        (SimulatedDevice, "ilgpu-cpu", "ILGPU CPU accelerator (simulated GPU threads: warp 4, groups of 8)"),
        (GpuShapedDevice, "ilgpu-cpu-warp32", "ILGPU CPU accelerator shaped like a GPU (warp 32, groups of 256)"),
    ];

    private static readonly Lazy<Context> LazyContext = new(() =>
        Context.Create(builder => builder.Cuda().OpenCL().CPU(SimulatedDevice).CPU(GpuShapedDevice).EnableAlgorithms()));

    public static Context Context => LazyContext.Value;

    /// <summary>Every ILGPU device GpuGen can use, with the name it goes by.</summary>
    public static IReadOnlyList<(DeviceInfo Info, Func<Accelerator> Create)> Enumerate()
    {
        var context = Context;
        var found = new List<(DeviceInfo, Func<Accelerator>)>();
        foreach (var cpu in context.GetCPUDevices())
        {
            var (_, name, description) = Simulated.First(d => d.Device.Equals(cpu));
            found.Add((Describe(name, DeviceKind.IlgpuCpu, cpu, description),
                () => cpu.CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel)));
        }
        int index = 0;
        foreach (var cuda in context.GetCudaDevices())
            found.Add((Describe($"cuda:{index++}", DeviceKind.Cuda, cuda, cuda.Name), () => cuda.CreateAccelerator(context)));
        index = 0;
        foreach (var cl in context.GetCLDevices())
            found.Add((Describe($"opencl:{index++}", DeviceKind.OpenCL, cl, cl.Name), () => cl.CreateAccelerator(context)));
        return found;
    }

    // ILGPU reports long.MaxValue for the CPU accelerator's memory: it is the host's.
    private static DeviceInfo Describe(string name, DeviceKind kind, ILGPU.Runtime.Device d, string description) =>
        new(name, kind, description,
            d.MemorySize == long.MaxValue ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : d.MemorySize,
            d.WarpSize, d.MaxNumThreadsPerGroup);
}
