using System.Collections.Concurrent;
using System.Reflection;
using GpuGen.Kernels.Host;
using ILGPU;
using ILGPU.Runtime;

namespace GpuGen.Launch;

/// <summary>
/// The one path every kernel launch takes, device or host. It loads (compiles) each device
/// kernel once per (method, accelerator) and keeps it, and, when <see cref="Profiler"/> is
/// enabled, records each launch with its name, shape, time and declared cost.
///
/// Device kernels take one struct of arguments (views and scalars), so one generic launcher
/// serves every kernel whatever its parameter list.
/// </summary>
internal static class Launcher
{
    private sealed record LoadedKernel(Delegate Launch, string Name);

    private static readonly ConcurrentDictionary<(MethodInfo Method, Accelerator Accelerator), LoadedKernel> Loaded = new();

    /// <summary>Number of (kernel, accelerator) pairs compiled so far; tests use it to see the cache work.</summary>
    public static int LoadedKernelCount => Loaded.Count;

    /// <summary>Launches an implicitly grouped kernel with one thread per index in [0, extent).</summary>
    public static void Device<TArgs>(IlgpuDevice device, Action<Index1D, TArgs> kernel, int extent, TArgs args, KernelCost cost)
        where TArgs : struct
    {
        if (extent == 0) return; // an empty launch is an error on some backends
        var loaded = Load(device, kernel, static (acc, k) => acc.LoadAutoGroupedKernel((Action<Index1D, TArgs>)k));
        Dispatch(device, loaded, (Index1D)extent, args, cost);
    }

    /// <summary>Launches an explicitly grouped kernel (shared memory, barriers) with the given grid and group.</summary>
    public static void Device<TArgs>(IlgpuDevice device, Action<TArgs> kernel, KernelConfig config, TArgs args, KernelCost cost)
        where TArgs : struct
    {
        if (config.GridDim.Size == 0) return;
        var loaded = Load(device, kernel, static (acc, k) => acc.LoadKernel((Action<TArgs>)k));
        Dispatch(device, loaded, config, args, cost);
    }

    /// <summary>Queues a loaded kernel on the device's stream; timed and recorded while profiling.</summary>
    private static void Dispatch<TShape, TArgs>(IlgpuDevice device, LoadedKernel loaded, TShape shape, TArgs args, KernelCost cost)
        where TShape : struct
        where TArgs : struct
    {
        var launch = (Action<AcceleratorStream, TShape, TArgs>)loaded.Launch;
        if (!Profiler.Enabled)
        {
            launch(device.Stream, shape, args);
            return;
        }
        string described = shape switch
        {
            Index1D extent => $"extent={extent.X}",
            KernelConfig c => $"grid={c.GridDim} group={c.GroupDim}",
            _ => shape.ToString() ?? "",
        };
        if (Profiler.TimesByEvents(device))
        {
            // two events around the kernel; no synchronize here (the profiler reads them once per step)
            var before = device.Stream.AddProfilingMarker();
            try
            {
                launch(device.Stream, shape, args);
            }
            catch
            {
                before.Dispose();
                throw;
            }
            Profiler.Queued(device, loaded.Name, described, cost, before, device.Stream.AddProfilingMarker());
            return;
        }
        long start = Profiler.Begin(device);
        launch(device.Stream, shape, args);
        Profiler.End(start, device, loaded.Name, described, cost);
    }

    /// <summary>
    /// Runs a host kernel. <paramref name="kernel"/> should be a static lambda over
    /// <paramref name="state"/> (a tuple of segments and scalars) so that a launch allocates nothing.
    /// </summary>
    public static void Host<TState>(Device device, string name, int elements, KernelCost cost, TState state, Action<TState> kernel)
    {
        if (!Profiler.Enabled)
        {
            kernel(state);
            return;
        }
        long start = Profiler.Begin(device);
        kernel(state);
        Profiler.End(start, device, name, $"elements={elements} workers={HostParallel.WorkerCount}", cost);
    }

    private static LoadedKernel Load(IlgpuDevice device, Delegate kernel, Func<Accelerator, Delegate, Delegate> load) =>
        Loaded.GetOrAdd((kernel.Method, device.Accelerator),
            static (key, a) => new LoadedKernel(a.load(key.Accelerator, a.kernel), KernelName(key.Method)),
            (kernel, load));

    private static string KernelName(MethodInfo method)
    {
        string name = $"{method.DeclaringType?.Name}.{method.Name}";
        return method.IsGenericMethod
            ? $"{name}<{string.Join(",", method.GetGenericArguments().Select(t => t.Name))}>"
            : name;
    }
}
