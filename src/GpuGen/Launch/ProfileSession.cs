namespace GpuGen.Launch;

/// <summary>
/// One profiling run (the C# API behind <c>gpugen profile</c>): start it, run any work, dispose it,
/// then read <see cref="Records"/> and <see cref="Steps"/> (or build a <see cref="ProfileReport"/>).
/// <para>Work that reports training steps (the training runner calls <see cref="Profiler.StepBegins"/> and
/// <see cref="Profiler.StepEnds"/> around each iteration) is profiled from the end of step
/// <see cref="WarmupSteps"/> on, for <see cref="ProfiledSteps"/> steps; then recording stops and
/// <see cref="Done"/> is cancelled, which the runner takes as a stop at the next step boundary.
/// Work that reports no step (sampling, evaluation) is profiled whole.</para>
/// </summary>
public sealed class ProfileSession : IDisposable
{
    private readonly CancellationTokenSource _done = new();
    private readonly bool _wasEnabled;
    private int _stepsSeen;
    private IReadOnlyList<KernelRecord>? _records;
    private IReadOnlyList<StepRecord>? _steps;

    /// <summary>The session that the runner's step hooks report to (one at a time).</summary>
    public static ProfileSession? Current { get; private set; }

    public ProfileSession(int warmupSteps = 2, int profiledSteps = 10)
    {
        if (warmupSteps < 0) throw new GpuGenException($"profile: --warmup must be 0 or more, got {warmupSteps}", isUsageError: true);
        if (profiledSteps < 1) throw new GpuGenException($"profile: --steps must be at least 1, got {profiledSteps}", isUsageError: true);
        if (Current is not null) throw new InvalidOperationException("profile: a profiling session is already running");
        (WarmupSteps, ProfiledSteps) = (warmupSteps, profiledSteps);
        _wasEnabled = Profiler.Enabled;
        Profiler.Clear();
        Profiler.Enabled = true; // whole-command mode until a first step shows up
        Current = this;
    }

    public int WarmupSteps { get; }
    public int ProfiledSteps { get; }

    /// <summary>True once the work reported a training step (then only steps are in the profile).</summary>
    public bool SawSteps => _stepsSeen > 0;

    /// <summary>Cancelled once the profiled steps are done: the training runner stops there.</summary>
    public CancellationToken Done => _done.Token;

    /// <summary>The kernels recorded (after the session ends: its final list).</summary>
    public IReadOnlyList<KernelRecord> Records => _records ?? Profiler.Records;

    /// <summary>The profiled steps.</summary>
    public IReadOnlyList<StepRecord> Steps => _steps ?? Profiler.Steps;

    internal void StepBegins()
    {
        _stepsSeen++;
        if (_stepsSeen == 1) Profiler.Enabled = false; // drop the set-up before the first step
        if (_stepsSeen == WarmupSteps + 1)
        {
            Profiler.Clear();
            Profiler.Enabled = true;
        }
    }

    internal void StepEnds()
    {
        if (_stepsSeen == WarmupSteps + ProfiledSteps)
        {
            Profiler.Enabled = false;
            _done.Cancel();
        }
    }

    public void Dispose()
    {
        if (Current != this) return;
        try
        {
            _records = Profiler.Records; // reads the device events still pending: a device error surfaces here
            _steps = Profiler.Steps;
            if (SawSteps && _stepsSeen <= WarmupSteps) _records = []; // every step was warm-up
        }
        finally
        {
            _records ??= [];
            _steps ??= [];
            Profiler.Enabled = _wasEnabled;
            Current = null;
            _done.Dispose();
        }
    }
}
