namespace GpuGen.Kernels.Host;

/// <summary>
/// How host kernels split a 1-D range over the cores: contiguous chunks, one per worker,
/// and no parallelism at all below a size where the fork/join would cost more than the work.
/// </summary>
public static class HostParallel
{
    /// <summary>Below this many elements a streaming kernel runs on the calling thread: one core
    /// streams 32 Ki floats in ~10–15 µs, well above a fork/join on the spinning workers of
    /// <see cref="HostWorkerPool"/> (a few µs; 2¹⁸ suited Parallel.For's ~5–20 µs). Measured on the
    /// WGAN-GP toy iteration (256-wide layers, batch 256: 64 Ki-element ops), 42 ms against 42–52.</summary>
    public const int MinElementsPerWorker = 1 << 15;

    /// <summary>Number of workers host kernels use (all logical processors).</summary>
    public static int WorkerCount { get; } = Environment.ProcessorCount;

    /// <summary>
    /// Runs <paramref name="body"/>(start, length, state) over [0, length) in contiguous chunks.
    /// Chunk boundaries are multiples of 64 items so SIMD loops see aligned full vectors.
    /// <paramref name="elementsPerItem"/> is how many elements one item touches (a row, a
    /// chunk), which decides whether the work is worth splitting.
    /// </summary>
    public static void For<TState>(int length, TState state, Action<int, int, TState> body, long elementsPerItem = 1)
    {
        int workers = (int)Math.Min(WorkerCount, Math.Max(1, length * elementsPerItem / MinElementsPerWorker));
        if (workers <= 1)
        {
            body(0, length, state);
            return;
        }
        int chunk = elementsPerItem == 1 ? ((length + workers - 1) / workers + 63) & ~63 : (length + workers - 1) / workers;
        HostWorkerPool.Run(workers, w =>
        {
            int start = w * chunk;
            int count = Math.Min(chunk, length - start);
            if (count > 0) body(start, count, state);
        });
    }

    /// <summary>Runs body(0) … body(workers − 1) on the host workers (<see cref="HostWorkerPool"/>) and
    /// returns when all are done: for kernels that split their work themselves.</summary>
    public static void Run(int workers, Action<int> body) => HostWorkerPool.Run(workers, body);

    /// <summary>Splits [0, count) into <paramref name="workers"/> contiguous ranges of nearly equal size
    /// and runs body(worker, start, end) for each on the host workers (whole images per worker, say).</summary>
    public static void RunRanges(int count, int workers, Action<int, int, int> body) =>
        HostWorkerPool.Run(workers, w => body(w, (int)((long)count * w / workers), (int)((long)count * (w + 1) / workers)));
}
