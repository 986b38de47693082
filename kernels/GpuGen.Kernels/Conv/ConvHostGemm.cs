using System.Runtime.InteropServices;
using GpuGen.Kernels.Gemm;
using GpuGen.Kernels.Host;

namespace GpuGen.Kernels.Conv;

/// <summary>
/// The convolution family on the host as one GEMM per image over an im2col that never leaves the
/// cache. With g the geometry, O output channels, G groups, CK = C·KH·KW / G the rows of a
/// group's patch matrix and P = OH·OW the output pixels, for image n and group γ:
/// <code>
/// Forward     y[n, γ]  (O/G × P)   = W[γ] (O/G × CK) · cols_n[γ] (CK × P)        + bias
/// DataGrad    cols_n[γ] (CK × P)   = W[γ]ᵀ · gy[n, γ]; gx[n] = Col2Im(cols_n)
/// WeightGrad  gW[γ] (O/G × CK)    += gy[n, γ] (O/G × P) · cols_n[γ]ᵀ             (summed over n)
/// </code>
/// The composed path (Im2Col of the whole batch, one batched GEMM, then [O, N, P] → [N, O, P])
/// writes and rereads a patch matrix of C·K²·N·P floats (22 MB for 32 → 64 channels, 3 × 3, at
/// batch 100 on 14 × 14) and reorders the output in a pass of its own; here each worker takes
/// whole images, builds one image's patch matrix (225 KB there) in its own buffer, which the
/// GEMM's packing then reads from L2, and writes y in its final [N, O, P] layout with the bias
/// already in it. With fewer images than workers, images go one at a time and the GEMM itself
/// runs on every core. The weight gradient keeps one partial sum per worker, added at the end
/// in worker order (the same sums for the same worker count).
/// </summary>
public static unsafe class ConvHostGemm
{
    /// <summary>Output columns a GEMM should get at least: images are taken together until their
    /// pixels fill this many (a layer with P = 1, such as a generator's first transposed convolution
    /// from z, would otherwise run matrix-vector products that fill one of 32 micro-tile columns).</summary>
    private const int TargetColumns = 256;

    /// <summary>y [N, O, OH, OW] = conv(x [N, C, H, W], w [O, C/G, KH, KW]) + bias[O] (bias may be null).</summary>
    public static void Forward(float* x, float* w, float* bias, float* y, ConvGeometry g, int outChannels, int groups)
    {
        if (CoversWholeImage(g, groups))
        {
            GemmHost.Run(Plain(g.N, outChannels, g.Rows, transB: true), x, w, y, bias); // Y = X·Wᵀ
            return;
        }
        if (ConvHostDirect.Applies(g, outChannels, groups))
        {
            ConvHostDirect.Forward(x, w, bias, y, g, outChannels);
            return;
        }
        ForwardViaGemm(x, w, bias, y, g, outChannels, groups);
    }

    /// <summary><see cref="Forward"/> by per-image GEMMs, whatever the geometry.</summary>
    public static void ForwardViaGemm(float* x, float* w, float* bias, float* y, ConvGeometry g, int outChannels, int groups)
    {
        int p = g.OH * g.OW, ck = g.Rows / groups, og = outChannels / groups;
        ForEachChunk(g.N, p, (nint)x, (nint)w, (nint)bias, (nint)y, static (n0, b, serial, worker, xs, ws, bs, ys, s) =>
        {
            var (g, p, ck, og, o, groups) = s;
            var chunk = Images(g, b);
            int columns = b * p;
            float* cols = ConvScratch.Cols((long)g.Rows * columns);
            ConvHost.Im2ColRows((float*)xs + (long)n0 * g.C * g.H * g.W, cols, chunk, 0f, 0, g.Rows);
            float* yn = (float*)ys + (long)n0 * o * p;
            if (b == 1)
            {
                // one image: the GEMM writes y in place, on top of the bias
                if (bs != 0)
                    for (int r = 0; r < o; r++) new Span<float>(yn + (long)r * p, p).Fill(((float*)bs)[r]);
                for (int gi = 0; gi < groups; gi++)
                    GemmHost.Run(Plain(og, p, ck, beta: bs != 0 ? 1f : 0f), (float*)ws + (long)gi * og * ck, cols + (long)gi * ck * p,
                        yn + (long)gi * og * p, null, serial);
                return;
            }
            // several images: [O, b·P] in scratch, then each image's [O, P] block out with the bias
            float* product = ConvScratch.Gathered((long)o * columns);
            for (int gi = 0; gi < groups; gi++)
                GemmHost.Run(Plain(og, columns, ck), (float*)ws + (long)gi * og * ck, cols + (long)gi * ck * columns,
                    product + (long)gi * og * columns, null, serial);
            for (int i = 0; i < b; i++)
                for (int r = 0; r < o; r++)
                {
                    float* source = product + (long)r * columns + i * p, target = yn + ((long)i * o + r) * p;
                    float shift = bs == 0 ? 0f : ((float*)bs)[r];
                    for (int q = 0; q < p; q++) target[q] = source[q] + shift;
                }
        }, (g, p, ck, og, outChannels, groups));
    }

    /// <summary>gx [N, C, H, W] = the adjoint of <see cref="Forward"/> in x applied to gy [N, O, OH, OW]
    /// (also the transposed convolution of gy with w).</summary>
    public static void DataGrad(float* gy, float* w, float* gx, ConvGeometry g, int outChannels, int groups)
    {
        if (CoversWholeImage(g, groups))
        {
            GemmHost.Run(Plain(g.N, g.Rows, outChannels), gy, w, gx, null); // GX = GY·W
            return;
        }
        if (ConvHostDirect.AppliesToDataGrad(g, outChannels, groups))
        {
            ConvHostDirect.DataGrad(gy, w, gx, g, outChannels);
            return;
        }
        DataGradViaGemm(gy, w, gx, g, outChannels, groups);
    }

    /// <summary><see cref="DataGrad"/> by per-image GEMMs and col2im, whatever the geometry.</summary>
    public static void DataGradViaGemm(float* gy, float* w, float* gx, ConvGeometry g, int outChannels, int groups)
    {
        int p = g.OH * g.OW, ck = g.Rows / groups, og = outChannels / groups;
        ForEachChunk(g.N, p, (nint)gy, (nint)w, 0, (nint)gx, static (n0, b, serial, worker, gys, ws, _, gxs, s) =>
        {
            var (g, p, ck, og, o, groups) = s;
            int columns = b * p;
            float* cols = ConvScratch.Cols((long)g.Rows * columns);
            float* gradient = Gather((float*)gys + (long)n0 * o * p, o, p, b);
            for (int gi = 0; gi < groups; gi++)
                GemmHost.Run(Plain(ck, columns, og, transA: true), (float*)ws + (long)gi * og * ck, gradient + (long)gi * og * columns,
                    cols + (long)gi * ck * columns, null, serial);
            ConvHost.Col2ImPlanes(cols, (float*)gxs + (long)n0 * g.C * g.H * g.W, Images(g, b), 0, b * g.C);
        }, (g, p, ck, og, outChannels, groups));
    }

    /// <summary>gw [O, C/G, KH, KW] = Σₙ gy[n] · cols(x[n])ᵀ per group: the adjoint of <see cref="Forward"/> in w.</summary>
    public static void WeightGrad(float* x, float* gy, float* gw, ConvGeometry g, int outChannels, int groups)
    {
        if (CoversWholeImage(g, groups))
        {
            GemmHost.Run(Plain(outChannels, g.Rows, g.N, transA: true), gy, x, gw, null); // GW = GYᵀ·X
            return;
        }
        if (ConvHostDirect.AppliesToWeightGrad(g, outChannels, groups))
        {
            ConvHostDirect.WeightGrad(x, gy, gw, g, outChannels);
            return;
        }
        WeightGradViaGemm(x, gy, gw, g, outChannels, groups);
    }

    /// <summary><see cref="WeightGrad"/> by per-image GEMMs, whatever the geometry.</summary>
    public static void WeightGradViaGemm(float* x, float* gy, float* gw, ConvGeometry g, int outChannels, int groups)
    {
        int p = g.OH * g.OW, ck = g.Rows / groups, og = outChannels / groups;
        int weights = outChannels * ck;
        int workers = Workers(g.N);
        // Worker 0 sums into gw itself, the others into partials that are added at the end.
        var partials = new nint[workers];
        partials[0] = (nint)gw;
        for (int k = 1; k < workers; k++) partials[k] = (nint)ConvScratch.Partial(k, weights);
        var first = new bool[workers];
        Array.Fill(first, true);
        ForEachChunk(g.N, p, (nint)x, (nint)gy, 0, 0, (n0, b, serial, worker, xs, gys, _, _, s) =>
        {
            var (g, p, ck, og, o, groups) = s;
            int columns = b * p;
            float* cols = ConvScratch.Cols((long)g.Rows * columns);
            ConvHost.Im2ColRows((float*)xs + (long)n0 * g.C * g.H * g.W, cols, Images(g, b), 0f, 0, g.Rows);
            float* gradient = Gather((float*)gys + (long)n0 * o * p, o, p, b);
            float* target = (float*)partials[worker];
            float beta = first[worker] ? 0f : 1f;
            first[worker] = false;
            for (int gi = 0; gi < groups; gi++)
                GemmHost.Run(Plain(og, ck, columns, transB: true, beta: beta), gradient + (long)gi * og * columns, cols + (long)gi * ck * columns,
                    target + (long)gi * og * ck, null, serial);
        }, (g, p, ck, og, outChannels, groups));
        if (g.N == 0) new Span<float>(gw, weights).Clear();
        for (int k = 1; k < workers; k++)
            if (!first[k])
            {
                float* partial = (float*)partials[k];
                for (int i = 0; i < weights; i++) gw[i] += partial[i];
            }
    }

    /// <summary>Whether the window covers the whole unpadded image in one position (OH = OW = 1): then
    /// an image is one row of C·KH·KW values, im2col is the identity and each product is one GEMM over
    /// the batch (a generator's first layer, z as a 1 × 1 image to 7 × 7, is the data gradient of one).</summary>
    private static bool CoversWholeImage(in ConvGeometry g, int groups) =>
        groups == 1 && g.OH == 1 && g.OW == 1 && g.PH == 0 && g.PW == 0 && g.H == g.KH && g.W == g.KW && g.DH == 1 && g.DW == 1;

    /// <summary>b images' gradients [b, O, P] as one [O, b·P] matrix (image i's pixels in columns
    /// i·P…): in scratch, or in place when b = 1.</summary>
    private static float* Gather(float* gy, int o, int p, int b)
    {
        if (b == 1) return gy;
        float* gathered = ConvScratch.Gathered((long)o * b * p);
        for (int i = 0; i < b; i++)
            for (int r = 0; r < o; r++)
                Buffer.MemoryCopy(gy + ((long)i * o + r) * p, gathered + (long)r * b * p + (long)i * p, p * 4L, p * 4L);
        return gathered;
    }

    /// <summary>Workers that take whole images: one per core when there are at least as many images,
    /// else one (that runs each GEMM on every core).</summary>
    private static int Workers(int images) => images >= HostParallel.WorkerCount ? HostParallel.WorkerCount : 1;

    private delegate void ChunkBody<TState>(int firstImage, int images, bool serialGemm, int worker, nint a, nint b, nint c, nint d, TState state);

    /// <summary>Runs <paramref name="body"/> over images 0..count−1 in chunks of consecutive images that
    /// give about <see cref="TargetColumns"/> output pixels: each worker its contiguous run of
    /// images (serial GEMMs), or all on this thread (parallel GEMMs) when there are fewer images than cores.</summary>
    private static void ForEachChunk<TState>(int count, int pixels, nint a, nint b, nint c, nint d, ChunkBody<TState> body, TState state)
    {
        int workers = Workers(count);
        int perChunk = Math.Max(1, (TargetColumns + pixels - 1) / Math.Max(pixels, 1));
        if (workers == 1)
        {
            for (int n = 0; n < count; n += perChunk) body(n, Math.Min(perChunk, count - n), false, 0, a, b, c, d, state);
            return;
        }
        HostParallel.RunRanges(count, workers, (worker, start, end) =>
        {
            for (int n = start; n < end; n += perChunk) body(n, Math.Min(perChunk, end - n), true, worker, a, b, c, d, state);
        });
    }

    /// <summary>The geometry of <paramref name="images"/> consecutive images of the batch.</summary>
    private static ConvGeometry Images(ConvGeometry g, int images)
    {
        var chunk = g;
        chunk.N = images;
        return chunk;
    }

    private static GemmProblem Plain(int m, int n, int k, bool transA = false, bool transB = false, float beta = 0f) =>
        GemmProblem.Dense(m, n, k, transA, transB, 1f, beta);
}
