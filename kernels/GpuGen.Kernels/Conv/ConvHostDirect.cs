using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GpuGen.Kernels.Conv;

/// <summary>
/// A direct convolution forward for the host (no im2col): y[o, oh, ow] = Σ_c Σ_(i,j) W[o, c, i, j] ·
/// xp[c, oh·S + i, ow·S + j] over the zero-padded input xp. The padded input is split into S × S
/// phase planes p_(a,b)[c, r, s] = xp[c, S·r + a, S·s + b] of width Wq = ⌈Wp / S⌉, so that every tap
/// (i, j) reads phase (i mod S, j mod S) at the fixed flat offset (i div S)·Wq + (j div S) from the
/// flat output position q = oh·Wq + ow: 32 consecutive q are two contiguous vector loads. Output
/// tiles of 8 channels × 32 positions sit in 16 AVX-512 accumulators; per (c, tap) the kernel does
/// two loads, eight broadcasts and sixteen FMAs. Positions with ow ≥ OW are computed and dropped
/// (OW / Wq of the work is kept: 7/8 for 14 × 14 with padding 1). Used where <see cref="Applies"/>
/// says; <see cref="ConvHostGemm.ForwardViaGemm"/> otherwise.
/// </summary>
public static unsafe class ConvHostDirect
{
    private const int Block = 8, Tile = 32;

    /// <summary>Where it is used: stride 1 (measured on the 2-core Zen 4 machine, 32 → 64 channels 3 × 3 at
    /// batch 100: 6.4 ms against the per-image GEMMs' 7.0–7.4; forward + backward 19.7 against 22.4). Stride 2 works (ConvHostDirectTests) but
    /// was no faster there (8.8 against 8.5 ms for the DCGAN's 64 → 128 layer): its tiles waste an
    /// eighth of each row and of the last tile. The kernel reaches ~60% of a core's FMA peak; the
    /// rest is per-(c, tap) address work and the broadcasts, the next thing to tune.</summary>
    public static bool Applies(in ConvGeometry g, int groups) =>
        Vector512.IsHardwareAccelerated && groups == 1 && g.DH == 1 && g.DW == 1 && g.SH == 1 && g.SW == 1 && g.KH * g.KW >= 4
        && g.C >= 8; // with one input channel (1 → 32, 3 × 3 on 28 × 28) a tile's 9 taps do not pay for its stores: 1.25 ms against 0.82

    /// <summary>The kernel's own condition (stride 1 or 2), for tests that run it directly.</summary>
    public static bool Supports(in ConvGeometry g, int groups) =>
        Vector512.IsHardwareAccelerated && groups == 1 && g.DH == 1 && g.DW == 1 && g.SH == g.SW && g.SH <= 2;

    /// <summary>y [N, O, OH, OW] = conv(x, w) + bias (bias may be null); images split over the workers.</summary>
    public static void Forward(float* x, float* w, float* bias, float* y, ConvGeometry g, int outChannels)
    {
        int s = g.SH, wp = g.W + 2 * g.PW, hp = g.H + 2 * g.PH;
        int wq = (wp + s - 1) / s, hq = (hp + s - 1) / s + 1;        // one spare row: the last tile's loads stay inside
        int positions = g.OH * wq, tiles = (positions + Tile - 1) / Tile;
        long plane = (long)hq * wq + Tile + 16;                       // per channel and phase, with room for a tile's overrun
        int taps = g.KH * g.KW, blocks = (outChannels + Block - 1) / Block;
        // weights [block][c][tap][8], zero for channels past O, in the calling thread's second buffer
        // (the workers, this thread among them, use their first)
        float* packed = ConvScratch.Gathered((long)blocks * g.C * taps * Block);
        for (int o = 0; o < blocks * Block; o++)
            for (int c = 0; c < g.C; c++)
                for (int t = 0; t < taps; t++)
                    packed[(((long)(o / Block) * g.C + c) * taps + t) * Block + o % Block] = o < outChannels ? w[((long)o * g.C + c) * taps + t] : 0f;
        var offsets = new int[taps];
        var phases = new int[taps];
        for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++)
            {
                phases[i * g.KW + j] = i % s * s + j % s;
                offsets[i * g.KW + j] = i / s * wq + j / s;
            }
        var args = (x: (nint)x, w: (nint)packed, b: (nint)bias, y: (nint)y, g, o: outChannels, s, wq, plane, positions, tiles, taps, blocks, offsets, phases);
        int workers = Math.Min(Host.HostParallel.WorkerCount, Math.Max(1, g.N));
        Parallel.For(0, workers, worker =>
        {
            int start = (int)((long)g.N * worker / workers), end = (int)((long)g.N * (worker + 1) / workers);
            float* buffer = ConvScratch.Cols((long)s * s * g.C * plane + (long)Block * tiles * Tile);
            for (int n = start; n < end; n++) Image(n, buffer, args);
        });
    }

    private static void Image(int n, float* buffer, (nint x, nint w, nint b, nint y, ConvGeometry g, int o, int s, int wq, long plane, int positions, int tiles, int taps, int blocks, int[] offsets, int[] phases) a)
    {
        var g = a.g;
        int s = a.s, wq = a.wq;
        float* phasesBase = buffer, product = buffer + (long)s * s * g.C * a.plane;
        // the padded image, split into phases
        new Span<float>(phasesBase, (int)((long)s * s * g.C * a.plane)).Clear();
        float* image = (float*)a.x + (long)n * g.C * g.H * g.W;
        for (int c = 0; c < g.C; c++)
            for (int h = 0; h < g.H; h++)
            {
                int hpad = h + g.PH;
                float* row = image + ((long)c * g.H + h) * g.W;
                for (int wi = 0; wi < g.W; wi++)
                {
                    int wpad = wi + g.PW;
                    int phase = hpad % s * s + wpad % s;
                    phasesBase[((long)phase * g.C + c) * a.plane + (long)(hpad / s) * wq + wpad / s] = row[wi];
                }
            }
        float* output = (float*)a.y + (long)n * a.o * g.OH * g.OW;
        for (int block = 0; block < a.blocks; block++)
        {
            float* weights = (float*)a.w + (long)block * g.C * a.taps * Block;
            for (int tile = 0; tile < a.tiles; tile++)
                Tile8x32(phasesBase, weights, product + (long)tile * Tile, a.tiles * Tile, g.C, a.taps, a.plane, tile * Tile, a.offsets, a.phases);
            // keep ow < OW of each row, add the bias
            for (int r = 0; r < Block; r++)
            {
                int o = block * Block + r;
                if (o >= a.o) break;
                float shift = a.b == 0 ? 0f : ((float*)a.b)[o];
                float* source = product + (long)r * a.tiles * Tile;
                float* target = output + (long)o * g.OH * g.OW;
                for (int oh = 0; oh < g.OH; oh++)
                    for (int ow = 0; ow < g.OW; ow++) target[oh * g.OW + ow] = source[oh * wq + ow] + shift;
            }
        }
    }

    /// <summary>8 output channels × 32 flat positions from q0: product[r, q0 + k] for r &lt; 8, k &lt; 32 (row stride ld).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x32(float* phases, float* weights, float* product, int ld, int channels, int taps, long plane, int q0, int[] offsets, int[] phaseOf)
    {
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
        Vector512<float> a40 = default, a41 = default, a50 = default, a51 = default, a60 = default, a61 = default, a70 = default, a71 = default;
        fixed (int* offset = offsets, phase = phaseOf)
            for (int c = 0; c < channels; c++)
                for (int t = 0; t < taps; t++, weights += Block)
                {
                    float* source = phases + ((long)phase[t] * channels + c) * plane + offset[t] + q0;
                    var v0 = Vector512.Load(source);
                    var v1 = Vector512.Load(source + 16);
                    var w = Vector512.Create(weights[0]); a00 = Vector512.FusedMultiplyAdd(w, v0, a00); a01 = Vector512.FusedMultiplyAdd(w, v1, a01);
                    w = Vector512.Create(weights[1]); a10 = Vector512.FusedMultiplyAdd(w, v0, a10); a11 = Vector512.FusedMultiplyAdd(w, v1, a11);
                    w = Vector512.Create(weights[2]); a20 = Vector512.FusedMultiplyAdd(w, v0, a20); a21 = Vector512.FusedMultiplyAdd(w, v1, a21);
                    w = Vector512.Create(weights[3]); a30 = Vector512.FusedMultiplyAdd(w, v0, a30); a31 = Vector512.FusedMultiplyAdd(w, v1, a31);
                    w = Vector512.Create(weights[4]); a40 = Vector512.FusedMultiplyAdd(w, v0, a40); a41 = Vector512.FusedMultiplyAdd(w, v1, a41);
                    w = Vector512.Create(weights[5]); a50 = Vector512.FusedMultiplyAdd(w, v0, a50); a51 = Vector512.FusedMultiplyAdd(w, v1, a51);
                    w = Vector512.Create(weights[6]); a60 = Vector512.FusedMultiplyAdd(w, v0, a60); a61 = Vector512.FusedMultiplyAdd(w, v1, a61);
                    w = Vector512.Create(weights[7]); a70 = Vector512.FusedMultiplyAdd(w, v0, a70); a71 = Vector512.FusedMultiplyAdd(w, v1, a71);
                }
        a00.Store(product); a01.Store(product + 16);
        a10.Store(product + ld); a11.Store(product + ld + 16);
        a20.Store(product + 2 * ld); a21.Store(product + 2 * ld + 16);
        a30.Store(product + 3 * ld); a31.Store(product + 3 * ld + 16);
        a40.Store(product + 4 * ld); a41.Store(product + 4 * ld + 16);
        a50.Store(product + 5 * ld); a51.Store(product + 5 * ld + 16);
        a60.Store(product + 6 * ld); a61.Store(product + 6 * ld + 16);
        a70.Store(product + 7 * ld); a71.Store(product + 7 * ld + 16);
    }
}
