using System.Diagnostics;
using ILGPU.Runtime;

namespace GpuGen.Launch;

/// <summary>One timed kernel launch.</summary>
/// <param name="Kernel">The kernel's name (its declaring type and method, e.g. <c>Blas1Device.Axpy</c>).</param>
/// <param name="Device">The device it ran on.</param>
/// <param name="LaunchShape">How it was launched: extent, grid and group, or host workers.</param>
/// <param name="Elapsed">The kernel's time: between device events queued around it (CUDA and ILGPU's CPU
/// accelerator when the context has profiling on, see <see cref="Profiler.RequestDeviceEvents"/>), else wall
/// time from launch to completion with the device synchronized on both sides (always so on the cpu device and
/// on OpenCL, whose ILGPU markers wait for the device anyway).</param>
/// <param name="Flops">Floating-point operations the caller declared.</param>
/// <param name="Bytes">Bytes moved that the caller declared.</param>
public sealed record KernelRecord(string Kernel, string Device, string LaunchShape, TimeSpan Elapsed, double Flops, double Bytes)
{
    /// <summary>When the launch began, from the profiler's origin (its last <see cref="Profiler.Clear"/>).</summary>
    public TimeSpan Start { get; init; }

    /// <summary>The tape op the kernel ran for (null until the op is known; see <see cref="Profiler"/>).</summary>
    public string? Op { get; init; }

    /// <summary>True when it ran in a backward rule (or the gradients' accumulation), not a forward op.</summary>
    public bool Backward { get; init; }

    public double GFlopsPerSecond => Elapsed.TotalSeconds > 0 ? Flops / Elapsed.TotalSeconds / 1e9 : 0;
    public double GBytesPerSecond => Elapsed.TotalSeconds > 0 ? Bytes / Elapsed.TotalSeconds / 1e9 : 0;
}

/// <summary>
/// Switchable recording of every kernel launch (the hook the profiling report builds on).
/// While enabled, a device kernel is timed by two device events (ILGPU profiling markers) queued around
/// it, read after one synchronize when the step ends (or the records are read), so the device runs as it
/// would unprofiled; without events (the cpu device, or a context made before they were asked for) each
/// launch synchronizes its device before and after so that the time is that kernel's alone. While
/// disabled, launches cost nothing extra (one static bool read per launch and per recorded op).
/// <para>Ops: a kernel belongs to the tape op whose recording follows it (an op launches its kernels, then
/// records itself with <c>Autograd.Record</c>); kernels of a backward rule belong to that op's backward
/// (<see cref="BackwardOf"/>), and the optimizer and the gradients' zeroing and accumulation mark theirs
/// (<see cref="Attribute"/>). A kernel no op claims (an in-place op just before a step ends) stays null.</para>
/// </summary>
public static class Profiler
{
    private static readonly List<KernelRecord> RecordList = [];
    private static readonly List<StepRecord> StepList = [];
    private static readonly Lock RecordLock = new();
    private static long _origin = Stopwatch.GetTimestamp();
    private static int _attributed; // records before this index have their op
    private static string? _backwardOp; // the backward rule running now, which claims every kernel
    private static TimeSpan? _stepStart;
    private static readonly List<(int Index, ProfilingMarker Before, ProfilingMarker After)> Pending = [];

    public static bool Enabled { get; set; }

    /// <summary>
    /// Asks for device events: ILGPU needs profiling on when its context is created, which costs a little on
    /// every launch (OpenCL queues record timestamps), so it is on only when asked, before the first device
    /// is used (<c>gpugen profile</c> asks first thing). Returns whether launches will be timed by events:
    /// false when a device was opened before the request (they are then timed by synchronizing).
    /// </summary>
    public static bool RequestDeviceEvents() => IlgpuRuntime.RequestProfiling();

    /// <summary>Whether device kernels are timed by device events (see <see cref="RequestDeviceEvents"/>).</summary>
    public static bool DeviceEvents => IlgpuRuntime.ProfilingEnabled;

    /// <summary>
    /// Whether kernels on <paramref name="device"/> are timed by device events: on CUDA and ILGPU's CPU
    /// accelerator once they are on. Not the cpu device (host kernels: wall time), nor OpenCL: ILGPU's OpenCL
    /// marker waits for the device as it is queued (its workaround for drivers that time an event when it is
    /// awaited), so it costs what synchronizing does, and Mesa's rusticl 22.3 gives every such event the same
    /// timestamp; OpenCL kernels are timed by synchronized wall time.
    /// </summary>
    public static bool TimesByEvents(Device device) => DeviceEvents && device.Kind is DeviceKind.Cuda or DeviceKind.IlgpuCpu;

    /// <summary>A copy of the records so far, in launch order (waiting for the device to time queued kernels).</summary>
    public static IReadOnlyList<KernelRecord> Records
    {
        get
        {
            lock (RecordLock)
            {
                ResolvePending();
                return RecordList.ToArray();
            }
        }
    }

    /// <summary>The training steps seen while recording, in order.</summary>
    public static IReadOnlyList<StepRecord> Steps
    {
        get { lock (RecordLock) return StepList.ToArray(); }
    }

    /// <summary>Forgets every record and step and sets the origin of <see cref="KernelRecord.Start"/> to now.</summary>
    public static void Clear()
    {
        lock (RecordLock)
        {
            DisposePending();
            RecordList.Clear();
            StepList.Clear();
            _attributed = 0;
            _stepStart = null;
            _origin = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Time since the origin.</summary>
    public static TimeSpan Now => Stopwatch.GetElapsedTime(_origin);

    /// <summary>Gives the kernels launched since the last attribution to <paramref name="op"/> (forward, or
    /// backward); inside a backward rule everything belongs to that rule instead.</summary>
    public static void Attribute(string op, bool backward = false)
    {
        if (!Enabled || _backwardOp is not null) return;
        AttributePending(op, backward);
    }

    private static void AttributePending(string op, bool backward)
    {
        lock (RecordLock)
        {
            for (int i = _attributed; i < RecordList.Count; i++) RecordList[i] = RecordList[i] with { Op = op, Backward = backward };
            _attributed = RecordList.Count;
        }
    }

    /// <summary>Marks the kernels launched until the returned scope is disposed as <paramref name="op"/>'s backward
    /// (nested ops that record themselves do not claim them); null, costing nothing, while not recording.</summary>
    public static IDisposable? BackwardOf(string op)
    {
        if (!Enabled || _backwardOp is not null) return null;
        AttributePending("accumulate gradients", true); // what ran between two rules
        _backwardOp = op;
        return new BackwardScope(op);
    }

    /// <summary>A training step begins (the runner calls it around each iteration); forwarded to the
    /// active <see cref="ProfileSession"/>, which may start or stop recording here.</summary>
    public static void StepBegins()
    {
        ProfileSession.Current?.StepBegins();
        if (Enabled) _stepStart = Now;
    }

    /// <summary>A training step ended.</summary>
    public static void StepEnds()
    {
        if (Enabled && _stepStart is { } start)
        {
            AttributePending("(end of step)", false);
            lock (RecordLock)
            {
                ResolvePending(); // the step ends when its kernels have run
                StepList.Add(new StepRecord(StepList.Count + 1, start, Now));
            }
            _stepStart = null;
        }
        ProfileSession.Current?.StepEnds();
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
        var record = new KernelRecord(kernel, device.Name, launchShape, Stopwatch.GetElapsedTime(start), cost.Flops, cost.Bytes)
        {
            Start = Stopwatch.GetElapsedTime(_origin, start),
        };
        lock (RecordLock) RecordList.Add(record);
    }

    /// <summary>A device kernel queued between two device events: recorded now (so that ops claim it in launch
    /// order), timed when the events are read.</summary>
    internal static void Queued(Device device, string kernel, string launchShape, KernelCost cost, ProfilingMarker before, ProfilingMarker after)
    {
        var record = new KernelRecord(kernel, device.Name, launchShape, TimeSpan.Zero, cost.Flops, cost.Bytes) { Start = Now };
        lock (RecordLock)
        {
            Pending.Add((RecordList.Count, before, after));
            RecordList.Add(record);
            EventTimedKernels++;
            if (Pending.Count >= MaxPending) ResolvePending(); // a long step, or a whole command: bound the markers held
        }
    }

    /// <summary>Kernels timed by device events since the process started (tests see the event path taken).</summary>
    internal static long EventTimedKernels { get; private set; }

    private const int MaxPending = 4096;

    // Reads the queued kernels' events (waiting for them: one synchronize for all) and fills in their times.
    // Starts: the first queued kernel's host time plus each kernel's device offset from the first queued on
    // the same accelerator (markers of two accelerators cannot be compared). The markers are freed even when
    // reading them fails (a device error surfaces once, not at every later read).
    private static void ResolvePending()
    {
        if (Pending.Count == 0) return;
        try
        {
            var firsts = new Dictionary<ILGPU.Runtime.Accelerator, (TimeSpan Start, ProfilingMarker Marker)>();
            foreach (var (index, before, after) in Pending)
            {
                var elapsed = after.MeasureFrom(before);
                if (!firsts.TryGetValue(before.Accelerator, out var first))
                    firsts[before.Accelerator] = first = (RecordList[index].Start, before);
                var offset = ReferenceEquals(first.Marker, before) ? TimeSpan.Zero : before.MeasureFrom(first.Marker);
                RecordList[index] = RecordList[index] with { Elapsed = elapsed, Start = first.Start + offset };
            }
        }
        finally
        {
            DisposePending();
        }
    }

    private static void DisposePending()
    {
        foreach (var (_, before, after) in Pending)
        {
            after.Dispose();
            before.Dispose();
        }
        Pending.Clear();
    }

    private sealed class Restore(bool previous) : IDisposable
    {
        public void Dispose() => Enabled = previous;
    }

    private sealed class BackwardScope(string op) : IDisposable
    {
        public void Dispose()
        {
            _backwardOp = null;
            if (Enabled) AttributePending(op, true);
        }
    }
}

/// <summary>One training step while recording: its number among the recorded ones and its span from the origin.</summary>
public sealed record StepRecord(int Step, TimeSpan Start, TimeSpan End)
{
    public TimeSpan Duration => End - Start;
}
