using System.Runtime.ExceptionServices;

namespace GpuGen.Kernels.Host;

/// <summary>
/// The host kernels' worker threads: one per core besides the caller's, started on first use and
/// kept. After a job a helper spins for <see cref="SpinMicroseconds"/> before it sleeps, because a
/// training step alternates parallel kernels with short serial stretches (small ops, the tape):
/// measured on the 2-core machine, a 256³ GEMM took 180 µs when its helper was awake and 330–390 µs
/// when it had gone to sleep in a 0.5 ms gap, as the .NET thread pool's workers do behind
/// Parallel.For. (OpenMP, behind libtorch, spins the same way.)
/// <para>One job at a time: a caller that finds the pool busy (another thread's kernel) or that is
/// itself a helper (a kernel inside a kernel) runs the job on its own thread; the results are the
/// same, each worker index doing the same work wherever it runs.</para>
/// </summary>
internal static class HostWorkerPool
{
    /// <summary>How long an idle helper spins before it sleeps.</summary>
    public const int SpinMicroseconds = 2000;

    private static readonly object Gate = new();
    private static readonly SemaphoreSlim Wake = new(0);
    private static readonly int Helpers = Math.Max(0, HostParallel.WorkerCount - 1);
    private static bool _started;
    private static Action<int>? _job;
    private static int _jobWorkers, _threads;
    private static long _generation;
    private static int _remaining, _sleeping;
    private static Exception? _failure;
    [ThreadStatic] private static bool _inside;

    /// <summary>Runs body(0) … body(workers − 1), spread over the caller and the helpers (thread t takes
    /// indices t, t + T, …), and returns when all are done; rethrows the first exception.</summary>
    public static void Run(int workers, Action<int> body)
    {
        if (workers <= 1 || Helpers == 0 || _inside || !Monitor.TryEnter(Gate))
        {
            for (int w = 0; w < workers; w++) body(w);
            return;
        }
        try
        {
            StartHelpers();
            int threads = Math.Min(workers, Helpers + 1);
            (_job, _jobWorkers, _threads, _failure) = (body, workers, threads, null);
            Volatile.Write(ref _remaining, threads - 1);
            Interlocked.Increment(ref _generation); // publishes the job
            int sleeping = Volatile.Read(ref _sleeping);
            if (sleeping > 0) Wake.Release(sleeping);
            Exception? own = null;
            _inside = true;
            try
            {
                for (int w = 0; w < workers; w += threads) body(w);
            }
            catch (Exception e) { own = e; }
            finally { _inside = false; }
            var wait = new SpinWait();
            while (Volatile.Read(ref _remaining) > 0) wait.SpinOnce(sleep1Threshold: -1);
            _job = null;
            var failure = own ?? _failure;
            if (failure is not null) ExceptionDispatchInfo.Capture(failure).Throw();
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    private static void StartHelpers()
    {
        if (_started) return;
        _started = true;
        for (int t = 1; t <= Helpers; t++)
        {
            int index = t;
            new Thread(() => HelperLoop(index)) { IsBackground = true, Name = $"GpuGen host worker {index}" }.Start();
        }
    }

    private static void HelperLoop(int index)
    {
        _inside = true;
        long seen = 0; // the generation before the first job (helpers start before it is published)
        while (true)
        {
            if (!WaitForJob(seen)) continue;
            seen = Volatile.Read(ref _generation);
            var job = _job!;
            int workers = _jobWorkers, threads = _threads;
            if (index >= threads) continue;
            try
            {
                for (int w = index; w < workers; w += threads) job(w);
            }
            catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
            finally { Interlocked.Decrement(ref _remaining); }
        }
    }

    /// <summary>Spins until the generation moves past <paramref name="seen"/>, then sleeps; false when it
    /// woke with nothing new (a stale release), so the caller looks again.</summary>
    private static bool WaitForJob(long seen)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMicroseconds < SpinMicroseconds)
        {
            for (int i = 0; i < 64; i++)
            {
                if (Volatile.Read(ref _generation) != seen) return true;
                Thread.SpinWait(8);
            }
        }
        Interlocked.Increment(ref _sleeping);
        if (Volatile.Read(ref _generation) == seen) Wake.Wait();
        Interlocked.Decrement(ref _sleeping);
        return Volatile.Read(ref _generation) != seen;
    }
}
