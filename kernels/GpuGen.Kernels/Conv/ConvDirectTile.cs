using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GpuGen.Kernels.Conv;

/// <summary>A tile's accumulators, Rows × Cols ≤ 28: for the forward, output rows (at most 4, the
/// kernel's row pointers) of Cols consecutive positions; for the weight gradient, (channel,
/// kernel row) pairs (at most 9) of Cols kernel columns.</summary>
internal interface ITileShape { static abstract int Rows { get; } static abstract int Cols { get; } }

internal struct Tile1x28 : ITileShape { public static int Rows => 1; public static int Cols => 28; }
internal struct Tile2x14 : ITileShape { public static int Rows => 2; public static int Cols => 14; }
internal struct Tile1x14 : ITileShape { public static int Rows => 1; public static int Cols => 14; }
internal struct Tile4x7 : ITileShape { public static int Rows => 4; public static int Cols => 7; }
internal struct Tile3x7 : ITileShape { public static int Rows => 3; public static int Cols => 7; }
internal struct Tile2x7 : ITileShape { public static int Rows => 2; public static int Cols => 7; }
internal struct Tile1x7 : ITileShape { public static int Rows => 1; public static int Cols => 7; }

// the weight gradient's: (c, i) rows × kernel columns
internal struct Tile7x4 : ITileShape { public static int Rows => 7; public static int Cols => 4; }
internal struct Tile9x3 : ITileShape { public static int Rows => 9; public static int Cols => 3; }
internal struct Tile4x4 : ITileShape { public static int Rows => 4; public static int Cols => 4; }   // one input channel
internal struct Tile3x3 : ITileShape { public static int Rows => 3; public static int Cols => 3; }

/// <summary>Where a tile of <see cref="ConvDirectTile.Run{TShape, TStep}"/> leaves its result: position (row, col)'s 16
/// lanes at Target + row·RowStride + col·ColStride, each sum plus the 16 values at Shift (a bias, or zeros).</summary>
internal readonly unsafe struct TileOutput(float* target, long rowStride, long colStride, float* shift)
{
    public readonly float* Target = target, Shift = shift;
    public readonly long RowStride = rowStride, ColStride = colStride;
}

/// <summary>The input step between neighbouring positions of a row: the convolution's stride.</summary>
internal interface IColumnStep { static abstract int Step { get; } }
internal struct Step1 : IColumnStep { public static int Step => 1; }
internal struct Step2 : IColumnStep { public static int Step => 2; }

/// <summary>
/// The micro-kernel of the direct host convolutions (<see cref="ConvHostDirect"/>): 16 output
/// channels (one AVX-512 vector) at up to 28 positions, one accumulator per position:
/// <code>
/// result[k, 0..15] = (Σ_c Σ_t weights[c, t, 0..15] · input[c·channelStride + tapOffsets[t] + row(k)·rowStride + col(k)·Step]) + shift[0..15]
/// </code>
/// with k = row·Cols + col (the shift, a bias, is added to the finished sum: a convolution's bias
/// has always been added last). Per (c, t) it loads one weight vector and issues one FMA per position
/// whose input scalar is broadcast from memory inside the FMA (AVX-512 embedded broadcast,
/// <c>vfmadd231ps zmm, zmm, [r + disp]{1to16}</c>: the shape and step are JIT-time constants, so
/// every position's address is a row pointer plus a constant): 28 FMAs for one load, no shuffles,
/// no wasted lanes. As oneDNN's AVX-512 direct convolution, vectorised over output channels.
/// </summary>
internal static unsafe class ConvDirectTile
{
    public const int Lanes = 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TShape, TStep>(float* input, long channelStride, int channels, int* tapOffsets, int taps, long rowStride, float* weights, in TileOutput output)
        where TShape : struct, ITileShape where TStep : struct, IColumnStep
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default, a16 = default, a17 = default, a18 = default, a19 = default, a20 = default, a21 = default, a22 = default, a23 = default, a24 = default, a25 = default, a26 = default, a27 = default;
        for (int c = 0; c < channels; c++, input += channelStride)
            for (int t = 0; t < taps; t++, weights += Lanes)
            {
                float* r0 = input + tapOffsets[t];
                float* r1 = r0 + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride;
                var w = Vector512.Load(weights);
                a0 = Fma<TShape, TStep>(0, r0, r1, r2, r3, w, a0);
                a1 = Fma<TShape, TStep>(1, r0, r1, r2, r3, w, a1);
                a2 = Fma<TShape, TStep>(2, r0, r1, r2, r3, w, a2);
                a3 = Fma<TShape, TStep>(3, r0, r1, r2, r3, w, a3);
                a4 = Fma<TShape, TStep>(4, r0, r1, r2, r3, w, a4);
                a5 = Fma<TShape, TStep>(5, r0, r1, r2, r3, w, a5);
                a6 = Fma<TShape, TStep>(6, r0, r1, r2, r3, w, a6);
                a7 = Fma<TShape, TStep>(7, r0, r1, r2, r3, w, a7);
                a8 = Fma<TShape, TStep>(8, r0, r1, r2, r3, w, a8);
                a9 = Fma<TShape, TStep>(9, r0, r1, r2, r3, w, a9);
                a10 = Fma<TShape, TStep>(10, r0, r1, r2, r3, w, a10);
                a11 = Fma<TShape, TStep>(11, r0, r1, r2, r3, w, a11);
                a12 = Fma<TShape, TStep>(12, r0, r1, r2, r3, w, a12);
                a13 = Fma<TShape, TStep>(13, r0, r1, r2, r3, w, a13);
                a14 = Fma<TShape, TStep>(14, r0, r1, r2, r3, w, a14);
                a15 = Fma<TShape, TStep>(15, r0, r1, r2, r3, w, a15);
                a16 = Fma<TShape, TStep>(16, r0, r1, r2, r3, w, a16);
                a17 = Fma<TShape, TStep>(17, r0, r1, r2, r3, w, a17);
                a18 = Fma<TShape, TStep>(18, r0, r1, r2, r3, w, a18);
                a19 = Fma<TShape, TStep>(19, r0, r1, r2, r3, w, a19);
                a20 = Fma<TShape, TStep>(20, r0, r1, r2, r3, w, a20);
                a21 = Fma<TShape, TStep>(21, r0, r1, r2, r3, w, a21);
                a22 = Fma<TShape, TStep>(22, r0, r1, r2, r3, w, a22);
                a23 = Fma<TShape, TStep>(23, r0, r1, r2, r3, w, a23);
                a24 = Fma<TShape, TStep>(24, r0, r1, r2, r3, w, a24);
                a25 = Fma<TShape, TStep>(25, r0, r1, r2, r3, w, a25);
                a26 = Fma<TShape, TStep>(26, r0, r1, r2, r3, w, a26);
                a27 = Fma<TShape, TStep>(27, r0, r1, r2, r3, w, a27);
            }
        var shift = Vector512.Load(output.Shift);
        Store<TShape>(0, a0, output, shift);
        Store<TShape>(1, a1, output, shift);
        Store<TShape>(2, a2, output, shift);
        Store<TShape>(3, a3, output, shift);
        Store<TShape>(4, a4, output, shift);
        Store<TShape>(5, a5, output, shift);
        Store<TShape>(6, a6, output, shift);
        Store<TShape>(7, a7, output, shift);
        Store<TShape>(8, a8, output, shift);
        Store<TShape>(9, a9, output, shift);
        Store<TShape>(10, a10, output, shift);
        Store<TShape>(11, a11, output, shift);
        Store<TShape>(12, a12, output, shift);
        Store<TShape>(13, a13, output, shift);
        Store<TShape>(14, a14, output, shift);
        Store<TShape>(15, a15, output, shift);
        Store<TShape>(16, a16, output, shift);
        Store<TShape>(17, a17, output, shift);
        Store<TShape>(18, a18, output, shift);
        Store<TShape>(19, a19, output, shift);
        Store<TShape>(20, a20, output, shift);
        Store<TShape>(21, a21, output, shift);
        Store<TShape>(22, a22, output, shift);
        Store<TShape>(23, a23, output, shift);
        Store<TShape>(24, a24, output, shift);
        Store<TShape>(25, a25, output, shift);
        Store<TShape>(26, a26, output, shift);
        Store<TShape>(27, a27, output, shift);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma<TShape, TStep>(int k, float* r0, float* r1, float* r2, float* r3, Vector512<float> w, Vector512<float> acc)
        where TShape : struct, ITileShape where TStep : struct, IColumnStep
    {
        if (k >= TShape.Rows * TShape.Cols) return acc;
        int row = k / TShape.Cols, col = k % TShape.Cols;
        float* r = row == 0 ? r0 : row == 1 ? r1 : row == 2 ? r2 : r3;
        return Vector512.FusedMultiplyAdd(Vector512.Create(r[col * TStep.Step]), w, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TShape>(int k, Vector512<float> acc, in TileOutput output, Vector512<float> shift) where TShape : struct, ITileShape
    {
        if (k < TShape.Rows * TShape.Cols) (acc + shift).Store(output.Target + k / TShape.Cols * output.RowStride + k % TShape.Cols * output.ColStride);
    }

    /// <summary>
    /// The weight gradient's tile: 16 output channels (lanes) × (Rows input rows (c, i) × Cols taps j),
    /// summed over the output positions of <paramref name="images"/> consecutive padded images
    /// (<paramref name="imageStride"/> apart, their gradients one after another) and added to <paramref name="partial"/>:
    /// <code>
    /// partial[m·Cols + j, 0..15] += Σ_(oh, ow) gradients[oh·OW + ow, 0..15] · input[oh·rowStride + ow·Step + rowOffsets[m] + j]
    /// </code>
    /// where rowOffsets[m] = c·plane + i·Wp points the tile's row m at channel c, kernel row i.
    /// Per position one load of the (transposed) output gradient and one FMA per accumulator with
    /// the input broadcast from memory at a row offset held in a register plus a constant.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightGradRun<TShape, TStep>(float* input, long imageStride, int images, int* rowOffsets, int outRows, int outCols, long rowStride, float* gradients, float* partial)
        where TShape : struct, ITileShape where TStep : struct, IColumnStep
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default, a16 = default, a17 = default, a18 = default, a19 = default, a20 = default, a21 = default, a22 = default, a23 = default, a24 = default, a25 = default, a26 = default, a27 = default;
        nint o0 = rowOffsets[Math.Min(0, TShape.Rows - 1)];
        nint o1 = rowOffsets[Math.Min(1, TShape.Rows - 1)];
        nint o2 = rowOffsets[Math.Min(2, TShape.Rows - 1)];
        nint o3 = rowOffsets[Math.Min(3, TShape.Rows - 1)];
        nint o4 = rowOffsets[Math.Min(4, TShape.Rows - 1)];
        nint o5 = rowOffsets[Math.Min(5, TShape.Rows - 1)];
        nint o6 = rowOffsets[Math.Min(6, TShape.Rows - 1)];
        nint o7 = rowOffsets[Math.Min(7, TShape.Rows - 1)];
        nint o8 = rowOffsets[Math.Min(8, TShape.Rows - 1)];
        for (int image = 0; image < images; image++, input += imageStride)
        for (int oh = 0; oh < outRows; oh++)
        {
            float* bp = input + oh * rowStride;
            for (int ow = 0; ow < outCols; ow++, bp += TStep.Step, gradients += Lanes)
            {
                var g = Vector512.Load(gradients);
                a0 = WeightFma<TShape>(0, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a0);
                a1 = WeightFma<TShape>(1, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a1);
                a2 = WeightFma<TShape>(2, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a2);
                a3 = WeightFma<TShape>(3, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a3);
                a4 = WeightFma<TShape>(4, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a4);
                a5 = WeightFma<TShape>(5, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a5);
                a6 = WeightFma<TShape>(6, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a6);
                a7 = WeightFma<TShape>(7, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a7);
                a8 = WeightFma<TShape>(8, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a8);
                a9 = WeightFma<TShape>(9, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a9);
                a10 = WeightFma<TShape>(10, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a10);
                a11 = WeightFma<TShape>(11, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a11);
                a12 = WeightFma<TShape>(12, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a12);
                a13 = WeightFma<TShape>(13, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a13);
                a14 = WeightFma<TShape>(14, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a14);
                a15 = WeightFma<TShape>(15, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a15);
                a16 = WeightFma<TShape>(16, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a16);
                a17 = WeightFma<TShape>(17, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a17);
                a18 = WeightFma<TShape>(18, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a18);
                a19 = WeightFma<TShape>(19, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a19);
                a20 = WeightFma<TShape>(20, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a20);
                a21 = WeightFma<TShape>(21, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a21);
                a22 = WeightFma<TShape>(22, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a22);
                a23 = WeightFma<TShape>(23, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a23);
                a24 = WeightFma<TShape>(24, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a24);
                a25 = WeightFma<TShape>(25, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a25);
                a26 = WeightFma<TShape>(26, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a26);
                a27 = WeightFma<TShape>(27, bp, o0, o1, o2, o3, o4, o5, o6, o7, o8, g, a27);
            }
        }
        Accumulate<TShape>(0, a0, partial);
        Accumulate<TShape>(1, a1, partial);
        Accumulate<TShape>(2, a2, partial);
        Accumulate<TShape>(3, a3, partial);
        Accumulate<TShape>(4, a4, partial);
        Accumulate<TShape>(5, a5, partial);
        Accumulate<TShape>(6, a6, partial);
        Accumulate<TShape>(7, a7, partial);
        Accumulate<TShape>(8, a8, partial);
        Accumulate<TShape>(9, a9, partial);
        Accumulate<TShape>(10, a10, partial);
        Accumulate<TShape>(11, a11, partial);
        Accumulate<TShape>(12, a12, partial);
        Accumulate<TShape>(13, a13, partial);
        Accumulate<TShape>(14, a14, partial);
        Accumulate<TShape>(15, a15, partial);
        Accumulate<TShape>(16, a16, partial);
        Accumulate<TShape>(17, a17, partial);
        Accumulate<TShape>(18, a18, partial);
        Accumulate<TShape>(19, a19, partial);
        Accumulate<TShape>(20, a20, partial);
        Accumulate<TShape>(21, a21, partial);
        Accumulate<TShape>(22, a22, partial);
        Accumulate<TShape>(23, a23, partial);
        Accumulate<TShape>(24, a24, partial);
        Accumulate<TShape>(25, a25, partial);
        Accumulate<TShape>(26, a26, partial);
        Accumulate<TShape>(27, a27, partial);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> WeightFma<TShape>(int k, float* bp, nint o0, nint o1, nint o2, nint o3, nint o4, nint o5, nint o6, nint o7, nint o8, Vector512<float> g, Vector512<float> acc)
        where TShape : struct, ITileShape
    {
        if (k >= TShape.Rows * TShape.Cols) return acc;
        int m = k / TShape.Cols, j = k % TShape.Cols;
        nint offset = m switch { 0 => o0, 1 => o1, 2 => o2, 3 => o3, 4 => o4, 5 => o5, 6 => o6, 7 => o7, _ => o8 };
        return Vector512.FusedMultiplyAdd(Vector512.Create(bp[offset + j]), g, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<TShape>(int k, Vector512<float> acc, float* partial) where TShape : struct, ITileShape
    {
        if (k < TShape.Rows * TShape.Cols) (Vector512.Load(partial + k * Lanes) + acc).Store(partial + k * Lanes);
    }

    /// <summary>
    /// The forward for few input channels: 16 consecutive positions of one output row (one vector,
    /// the lanes past the row's end masked off) × 16 output channels, one accumulator per channel:
    /// <code>
    /// output[o·outPlane + 0..15] = bias[o] + Σ_c Σ_t weights[c, t, o] · input[c·channelStride + tapOffsets[t] + 0..15]
    /// </code>
    /// Per (c, t) one input load and 16 FMAs with the weight broadcast from memory; the result goes
    /// straight into the output rows. Where a tile has few multiply-adds per position (one input
    /// channel: 9 or 16 taps), the other kernels' per-position transpose would cost as much as they.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RowRun(float* input, long channelStride, int channels, int* tapOffsets, int taps, float* weights, float* bias,
        float* output, long outPlane, int outChannels, Vector512<float> mask)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
        for (int c = 0; c < channels; c++, input += channelStride)
            for (int t = 0; t < taps; t++, weights += Lanes)
            {
                var v = Vector512.Load(input + tapOffsets[t]);
                a0 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[0]), a0);
                a1 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[1]), a1);
                a2 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[2]), a2);
                a3 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[3]), a3);
                a4 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[4]), a4);
                a5 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[5]), a5);
                a6 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[6]), a6);
                a7 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[7]), a7);
                a8 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[8]), a8);
                a9 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[9]), a9);
                a10 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[10]), a10);
                a11 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[11]), a11);
                a12 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[12]), a12);
                a13 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[13]), a13);
                a14 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[14]), a14);
                a15 = Vector512.FusedMultiplyAdd(v, Vector512.Create(weights[15]), a15);
            }
        if (outChannels > 0) Avx512F.MaskStore(output + 0 * outPlane, mask, a0 + Vector512.Create(bias[0]));
        if (outChannels > 1) Avx512F.MaskStore(output + 1 * outPlane, mask, a1 + Vector512.Create(bias[1]));
        if (outChannels > 2) Avx512F.MaskStore(output + 2 * outPlane, mask, a2 + Vector512.Create(bias[2]));
        if (outChannels > 3) Avx512F.MaskStore(output + 3 * outPlane, mask, a3 + Vector512.Create(bias[3]));
        if (outChannels > 4) Avx512F.MaskStore(output + 4 * outPlane, mask, a4 + Vector512.Create(bias[4]));
        if (outChannels > 5) Avx512F.MaskStore(output + 5 * outPlane, mask, a5 + Vector512.Create(bias[5]));
        if (outChannels > 6) Avx512F.MaskStore(output + 6 * outPlane, mask, a6 + Vector512.Create(bias[6]));
        if (outChannels > 7) Avx512F.MaskStore(output + 7 * outPlane, mask, a7 + Vector512.Create(bias[7]));
        if (outChannels > 8) Avx512F.MaskStore(output + 8 * outPlane, mask, a8 + Vector512.Create(bias[8]));
        if (outChannels > 9) Avx512F.MaskStore(output + 9 * outPlane, mask, a9 + Vector512.Create(bias[9]));
        if (outChannels > 10) Avx512F.MaskStore(output + 10 * outPlane, mask, a10 + Vector512.Create(bias[10]));
        if (outChannels > 11) Avx512F.MaskStore(output + 11 * outPlane, mask, a11 + Vector512.Create(bias[11]));
        if (outChannels > 12) Avx512F.MaskStore(output + 12 * outPlane, mask, a12 + Vector512.Create(bias[12]));
        if (outChannels > 13) Avx512F.MaskStore(output + 13 * outPlane, mask, a13 + Vector512.Create(bias[13]));
        if (outChannels > 14) Avx512F.MaskStore(output + 14 * outPlane, mask, a14 + Vector512.Create(bias[14]));
        if (outChannels > 15) Avx512F.MaskStore(output + 15 * outPlane, mask, a15 + Vector512.Create(bias[15]));
    }

    /// <summary>
    /// dst[j·dstStride + i] = src[i·srcStride + j] for i, j &lt; 16: a 16 × 16 transpose in registers,
    /// four rounds of two-source permutes (vpermt2ps). Round g pairs rows i and i + g and interleaves
    /// them in chunks of g: lo = (a[0..g), b[0..g), a[2g..3g), b[2g..3g), …), hi = the odd chunks; after
    /// g = 8, 4, 2, 1 row i holds column i. Written out so that the 16 rows stay in registers (as a loop
    /// over a span of rows on the stack, they went through memory at every round, and the
    /// convolutions' write-out through it was slower than an element-by-element copy).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose16x16(float* src, long srcStride, float* dst, long dstStride)
    {
        var r0 = Vector512.Load(src); var r1 = Vector512.Load(src + srcStride);
        var r2 = Vector512.Load(src + 2 * srcStride); var r3 = Vector512.Load(src + 3 * srcStride);
        var r4 = Vector512.Load(src + 4 * srcStride); var r5 = Vector512.Load(src + 5 * srcStride);
        var r6 = Vector512.Load(src + 6 * srcStride); var r7 = Vector512.Load(src + 7 * srcStride);
        var r8 = Vector512.Load(src + 8 * srcStride); var r9 = Vector512.Load(src + 9 * srcStride);
        var r10 = Vector512.Load(src + 10 * srcStride); var r11 = Vector512.Load(src + 11 * srcStride);
        var r12 = Vector512.Load(src + 12 * srcStride); var r13 = Vector512.Load(src + 13 * srcStride);
        var r14 = Vector512.Load(src + 14 * srcStride); var r15 = Vector512.Load(src + 15 * srcStride);
        var lo = InterleaveLow[0]; var hi = InterleaveHigh[0]; // g = 8: rows i, i + 8
        (r0, r8) = Pair(r0, r8, lo, hi); (r1, r9) = Pair(r1, r9, lo, hi); (r2, r10) = Pair(r2, r10, lo, hi); (r3, r11) = Pair(r3, r11, lo, hi);
        (r4, r12) = Pair(r4, r12, lo, hi); (r5, r13) = Pair(r5, r13, lo, hi); (r6, r14) = Pair(r6, r14, lo, hi); (r7, r15) = Pair(r7, r15, lo, hi);
        lo = InterleaveLow[1]; hi = InterleaveHigh[1]; // g = 4
        (r0, r4) = Pair(r0, r4, lo, hi); (r1, r5) = Pair(r1, r5, lo, hi); (r2, r6) = Pair(r2, r6, lo, hi); (r3, r7) = Pair(r3, r7, lo, hi);
        (r8, r12) = Pair(r8, r12, lo, hi); (r9, r13) = Pair(r9, r13, lo, hi); (r10, r14) = Pair(r10, r14, lo, hi); (r11, r15) = Pair(r11, r15, lo, hi);
        lo = InterleaveLow[2]; hi = InterleaveHigh[2]; // g = 2
        (r0, r2) = Pair(r0, r2, lo, hi); (r1, r3) = Pair(r1, r3, lo, hi); (r4, r6) = Pair(r4, r6, lo, hi); (r5, r7) = Pair(r5, r7, lo, hi);
        (r8, r10) = Pair(r8, r10, lo, hi); (r9, r11) = Pair(r9, r11, lo, hi); (r12, r14) = Pair(r12, r14, lo, hi); (r13, r15) = Pair(r13, r15, lo, hi);
        lo = InterleaveLow[3]; hi = InterleaveHigh[3]; // g = 1
        (r0, r1) = Pair(r0, r1, lo, hi); (r2, r3) = Pair(r2, r3, lo, hi); (r4, r5) = Pair(r4, r5, lo, hi); (r6, r7) = Pair(r6, r7, lo, hi);
        (r8, r9) = Pair(r8, r9, lo, hi); (r10, r11) = Pair(r10, r11, lo, hi); (r12, r13) = Pair(r12, r13, lo, hi); (r14, r15) = Pair(r14, r15, lo, hi);
        r0.Store(dst); r1.Store(dst + dstStride); r2.Store(dst + 2 * dstStride); r3.Store(dst + 3 * dstStride);
        r4.Store(dst + 4 * dstStride); r5.Store(dst + 5 * dstStride); r6.Store(dst + 6 * dstStride); r7.Store(dst + 7 * dstStride);
        r8.Store(dst + 8 * dstStride); r9.Store(dst + 9 * dstStride); r10.Store(dst + 10 * dstStride); r11.Store(dst + 11 * dstStride);
        r12.Store(dst + 12 * dstStride); r13.Store(dst + 13 * dstStride); r14.Store(dst + 14 * dstStride); r15.Store(dst + 15 * dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>) Pair(Vector512<float> a, Vector512<float> b, Vector512<int> lo, Vector512<int> hi) =>
        (Avx512F.PermuteVar16x32x2(a, lo, b), Avx512F.PermuteVar16x32x2(a, hi, b));

    private static readonly Vector512<int>[] InterleaveLow = [.. Enumerable.Range(0, 4).Select(r => Interleave(8 >> r, 0))];
    private static readonly Vector512<int>[] InterleaveHigh = [.. Enumerable.Range(0, 4).Select(r => Interleave(8 >> r, 1))];

    /// <summary>Indices for chunks of g alternating between a (0–15) and b (16–31), taking the even
    /// (half 0) or odd (half 1) chunks of each.</summary>
    private static Vector512<int> Interleave(int g, int half)
    {
        var indices = new int[16];
        for (int e = 0; e < 16; e++)
        {
            int chunk = e / g, within = e % g;
            indices[e] = (chunk / 2) * 2 * g + half * g + within + (chunk % 2 == 1 ? 16 : 0);
        }
        return Vector512.Create(indices);
    }
}
