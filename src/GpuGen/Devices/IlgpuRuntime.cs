using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.OpenCL;
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

    /// <summary>The name of the one OpenCL device that test support may present (see <see cref="TestOpenCLPresenter"/>).</summary>
    public const string TestOpenCLName = "opencl-cpu";

    /// <summary>
    /// Test support only, never set by the product: a filter that may present to ILGPU an OpenCL device
    /// it refuses (Mesa's rusticl on llvmpipe, OpenCL 3.0 without the generic address space) as usable,
    /// so that CI runs the OpenCL backend without a GPU. It is asked only about refused devices; one it
    /// accepts goes by <see cref="TestOpenCLName"/>, never opencl:N, so that <c>auto</c> never picks it.
    /// Set it before the context is first created (see <see cref="ContextCreated"/>).
    /// </summary>
    internal static Predicate<CLDevice>? TestOpenCLPresenter;

    private static readonly List<(string Name, string Reason)> RefusedOpenCL = [];
    private static readonly HashSet<CLDevice> PresentedForTests = [];

    private static bool _profilingRequested;

    private static readonly Lazy<Context> LazyContext = new(() => Context.Create(builder =>
    {
        builder.Cuda().OpenCL(AcceptOpenCL).CPU(SimulatedDevice).CPU(GpuShapedDevice).EnableAlgorithms();
        if (_profilingRequested) builder.Profiling();
    }));

    /// <summary>Asks for ILGPU's profiling (device events) in the context; true when the context will have it
    /// (it is made after this call, or was made with it).</summary>
    public static bool RequestProfiling()
    {
        if (!LazyContext.IsValueCreated) _profilingRequested = true;
        return _profilingRequested;
    }

    /// <summary>Whether the context exists with profiling on (launches can be timed by device events).</summary>
    public static bool ProfilingEnabled => _profilingRequested && LazyContext.IsValueCreated;

    public static Context Context => LazyContext.Value;

    /// <summary>Whether the ILGPU context exists (after which <see cref="TestOpenCLPresenter"/> is too late).</summary>
    internal static bool ContextCreated => LazyContext.IsValueCreated;

    /// <summary>The OpenCL devices found but not usable, each with the reason in one line (for <c>gpugen devices</c>).</summary>
    public static IReadOnlyList<(string Name, string Reason)> UnusableOpenCL
    {
        get { _ = Context; return RefusedOpenCL; }
    }

    /// <summary>Why no OpenCL device can be found at all, when ILGPU cannot open the OpenCL loader (see
    /// <see cref="OpenCLLoaderProblem"/>); null otherwise.</summary>
    public static (string Name, string Reason)? OpenCLLoader => LoaderProblem.Value;

    /// <summary>The name <see cref="OpenCLLoader"/> goes by (it is not a device).</summary>
    public const string OpenCLLoaderEntry = "OpenCL loader";

    private static readonly Lazy<(string, string)?> LoaderProblem = new(() => OperatingSystem.IsLinux() ? OpenCLLoaderProblem(CanLoad) : null);

    private static bool CanLoad(string library)
    {
        if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(library, out var handle)) return false;
        System.Runtime.InteropServices.NativeLibrary.Free(handle);
        return true;
    }

    /// <summary>
    /// On Linux ILGPU opens the OpenCL ICD loader by its unversioned name, libOpenCL.so, which only the
    /// loader's development package installs (ocl-icd-opencl-dev on Debian and Ubuntu); with just the
    /// runtime's libOpenCL.so.1 it finds no OpenCL platform and says nothing. This names that case
    /// (<paramref name="canLoad"/> opens a native library by name), or returns null.
    /// </summary>
    internal static (string Name, string Reason)? OpenCLLoaderProblem(Func<string, bool> canLoad) =>
        !canLoad("libOpenCL.so") && canLoad("libOpenCL.so.1")
            ? (OpenCLLoaderEntry, "libOpenCL.so.1 is installed but not libOpenCL.so, the name ILGPU opens: no OpenCL device can be found until it is (install ocl-icd-opencl-dev, or link libOpenCL.so to libOpenCL.so.1)")
            : null;

    /// <summary>Why ILGPU's OpenCL backend cannot use the device, or null when it can: it compiles
    /// OpenCL C 2.0 and needs the generic address space (optional in OpenCL 3.0).</summary>
    public static string? WhyUnusable(CLDevice device)
    {
        if (device.CLStdVersion < CLBackend.MinimumVersion)
            return $"OpenCL {device.DeviceVersion} with OpenCL C {device.CVersion}: ILGPU's OpenCL backend needs OpenCL 2.0, or 3.0 with the generic address space (an AMD GPU needs the ROCm or AMDGPU-PRO OpenCL driver, not Mesa's Clover)";
        if (!device.Capabilities.GenericAddressSpace)
            return $"OpenCL {device.DeviceVersion} without the generic address space (__opencl_c_generic_address_space), which ILGPU's OpenCL backend needs";
        return null;
    }

    // ILGPU's filter: the usable devices, plus what test support presents; the rest remembered with why.
    private static bool AcceptOpenCL(CLDevice device)
    {
        if (WhyUnusable(device) is not { } reason) return true;
        if (TestOpenCLPresenter?.Invoke(device) == true && WhyUnusable(device) is null)
        {
            PresentedForTests.Add(device);
            return true;
        }
        RefusedOpenCL.Add(($"{device.Name} ({device.PlatformName})", reason));
        return false;
    }

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
        {
            string name = PresentedForTests.Contains(cl) ? TestOpenCLName : $"opencl:{index++}";
            found.Add((Describe(name, DeviceKind.OpenCL, cl, cl.Name), () => cl.CreateAccelerator(context)));
        }
        return found;
    }

    // ILGPU reports long.MaxValue for the CPU accelerator's memory: it is the host's.
    private static DeviceInfo Describe(string name, DeviceKind kind, ILGPU.Runtime.Device d, string description) =>
        new(name, kind, description,
            d.MemorySize == long.MaxValue ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : d.MemorySize,
            d.WarpSize, d.MaxNumThreadsPerGroup);
}
