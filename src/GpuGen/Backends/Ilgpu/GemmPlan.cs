namespace GpuGen.Backends.Ilgpu;

/// <summary>The device kernels a GEMM can run on.</summary>
internal enum GemmKernel
{
    /// <summary><c>GemmDevice.Tiled</c>: 4 × 4 outputs per thread, tiles of 4·group.</summary>
    Tiled,
    /// <summary><c>GemmWarpTiledDevice.Tiled</c>: 128 × 128 tiles, 8 × 8 per thread, double-buffered.</summary>
    WarpTiled,
}

/// <summary>
/// How one GEMM runs on an ILGPU device: the kernel, its group shape (threads along N and M) and K step, and
/// how many ranges K is split into (1: none; else <c>GemmSplit</c>'s partials and reduction).
/// </summary>
internal readonly record struct GemmPlan(GemmKernel Kernel, int GroupX, int GroupY, int TileK, int Splits = 1)
{
    /// <summary>Split K into at most this many ranges …</summary>
    public const int MaxSplits = 16;

    /// <summary>… of at least this many k each (below it the partials' traffic outweighs the extra groups).</summary>
    public const int MinChunk = 128;

    /// <summary>The plan every GEMM runs under while set (<see cref="Use"/>) on a device whose groups hold its
    /// threads; null: <see cref="For"/> decides.</summary>
    internal static GemmPlan? Forced { get; private set; }

    /// <summary>Runs every GEMM under <paramref name="plan"/> until the scope is disposed, which restores the plan
    /// forced before (so scopes nest). Process-wide: one forcing at a time (tests, selftest, bench-kernels).</summary>
    internal static Scope Use(GemmPlan plan)
    {
        var scope = new Scope(Forced);
        Forced = plan;
        return scope;
    }

    internal readonly struct Scope(GemmPlan? previous) : IDisposable
    {
        public void Dispose() => Forced = previous;
    }

    /// <summary>The tile of C one group computes.</summary>
    public (int Rows, int Columns) Tile => Kernel == GemmKernel.WarpTiled
        ? (Kernels.Gemm.GemmWarpTiledDevice.TileM, Kernels.Gemm.GemmWarpTiledDevice.TileN)
        : (Kernels.Gemm.GemmDevice.ThreadTile * GroupY, Kernels.Gemm.GemmDevice.ThreadTile * GroupX);

    /// <summary>The k in each split range: K over the splits rounded up to the K step (every range but the last is whole).</summary>
    public int ChunkFor(int k) => Splits <= 1 ? k : ((k + Splits - 1) / Splits + TileK - 1) / TileK * TileK;

    /// <summary>
    /// The plan for an M × N × K product (a batch of them) on a device whose groups hold at most
    /// <paramref name="maxGroupSize"/> threads, with <paramref name="multiprocessors"/> multiprocessors (SMs, CUs).
    /// Groups of fewer than 256 (ILGPU's small CPU accelerator, where barriers are costly): 2 × 2 threads, K in
    /// steps of 8. On a GPU, the largest tile that still gives every multiprocessor a group: 128 × 128 (the warp-tiled
    /// kernel: 16 FMAs per shared load) when M and N reach 128; else 64 × 64 (16 × 16 threads); else 32 × 32 (8 × 8),
    /// and when even those leave multiprocessors idle and K is long, K split into ranges of at least
    /// <see cref="MinChunk"/> until the groups cover the device. (Thresholds from the kernels' shapes; tune them on a GPU.)
    /// </summary>
    public static GemmPlan For(int m, int n, int k, int batch, int maxGroupSize, int multiprocessors)
    {
        if (maxGroupSize < 256) return new GemmPlan(GemmKernel.Tiled, 2, 2, 8);
        long Tiles(int edge) => (long)((n + edge - 1) / edge) * ((m + edge - 1) / edge) * batch;
        if (m >= 128 && n >= 128 && Tiles(128) >= multiprocessors)
            return new GemmPlan(GemmKernel.WarpTiled, Kernels.Gemm.GemmWarpTiledDevice.Threads, 1, Kernels.Gemm.GemmWarpTiledDevice.TileK);
        if (Tiles(64) >= multiprocessors) return new GemmPlan(GemmKernel.Tiled, 16, 16, 16);
        long small = Tiles(32);
        if (small == 0) return new GemmPlan(GemmKernel.Tiled, 8, 8, 16); // an empty C: nothing to split
        int splits = (int)Math.Min(Math.Min((multiprocessors + small - 1) / small, k / MinChunk), MaxSplits);
        var plan = new GemmPlan(GemmKernel.Tiled, 8, 8, 16);
        if (splits < 2) return plan;
        int chunk = (plan with { Splits = splits }).ChunkFor(k);
        return plan with { Splits = (k + chunk - 1) / chunk }; // rounding the chunk up may leave fewer ranges
    }
}
