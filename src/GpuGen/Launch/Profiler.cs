using System.Diagnostics;

namespace GpuGen.Launch;

/// <summary>One timed kernel launch.</summary>
/// <param name="Kernel">The kernel's name (its declaring type and method, e.g. <c>Blas1Device.Axpy</c>).</param>
/// <param name="Device">The device it ran on.</param>
/// <param name="LaunchShape">How it was launched: extent, grid and group, or host workers.</param>
/// <param name="Elapsed">Wall time from launch to completion (the device is synchronized on both sides).</param>
/// <param name="Flops">Floating-point operations the caller declared.</param>
/// <param name="Bytes">Bytes moved that the caller declared.</param>
public sealed record KernelRecord(string Kernel, string Device, string LaunchShape, TimeSpan Elapsed, double Flops, double Bytes)
{
    public double GFlopsPerSecond => Elapsed.TotalSeconds > 0 ? Flops / Elapsed.TotalSeconds / 1e9 : 0;
    public double GBytesPerSecond => Elapsed.TotalSeconds > 0 ? Bytes / Elapsed.TotalSeconds / 1e9 : 0;
}

/// <summary>
/// Switchable recording of every kernel launch (the hook the profiling report builds on).
/// While enabled, each launch synchronizes its device before and after so that the time
/// measured is that kernel's alone; while disabled, launches cost nothing extra.
/// </summary>
public static class Profiler
{
    private static readonly List<KernelRecord> RecordList = [];
    private static readonly Lock RecordLock = new();

    public static bool Enabled { get; set; }

    /// <summary>A copy of the records so far, in launch order.</summary>
    public static IReadOnlyList<KernelRecord> Records
    {
        get { lock (RecordLock) return RecordList.ToArray(); }
    }

    public static void Clear()
    {
        lock (RecordLock) RecordList.Clear();
    }

    /// <summary>Enables recording until the returned object is disposed (then restores the previous state).</summary>
    public static IDisposable Record()
    {
        bool previous = Enabled;
        Enabled = true;
        return new Restore(previous);
    }

    internal static long Begin(Device device)
    {
        device.Synchronize();
        return Stopwatch.GetTimestamp();
    }

    internal static void End(long start, Device device, string kernel, string launchShape, KernelCost cost)
    {
        device.Synchronize();
        var record = new KernelRecord(kernel, device.Name, launchShape, Stopwatch.GetElapsedTime(start), cost.Flops, cost.Bytes);
        lock (RecordLock) RecordList.Add(record);
    }

    private sealed class Restore(bool previous) : IDisposable
    {
        public void Dispose() => Enabled = previous;
    }
}
