using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GpuGen.Kernels.Host;

namespace GpuGen.Kernels.Reduce;

/// <summary>
/// Host forms of <see cref="ReduceDevice"/>'s kernels, with the same chunking (so the same
/// levels and the same determinism: each partial is folded by one thread in a fixed order).
/// Within a chunk the fold runs on Vector512 lanes: along the axis when Inner = 1 (four vector
/// accumulators, combined lane by lane in a fixed order), across Inner otherwise.
/// </summary>
public static class ReduceHost
{
    public readonly record struct Layout(int Outer, int Length, int Inner, int Chunk, int Chunks, bool MapInput, bool Finish);

    public static void Chunks<TOp>(TOp op, ArraySegment<float> x, ArraySegment<float> y, ArraySegment<float> center, bool hasCenter, Layout l)
        where TOp : struct, IReduceOp =>
        HostParallel.For(l.Outer * l.Chunks, (op, x, y, center, hasCenter, l), static (start, count, s) =>
        {
            for (int item = start; item < start + count; item++)
            {
                int o = item / s.l.Chunks, chunk = item % s.l.Chunks;
                int from = chunk * s.l.Chunk, to = Math.Min(from + s.l.Chunk, s.l.Length);
                if (s.l.Inner == 1) FoldContiguous(s.op, s.x, s.y, s.center, s.hasCenter, s.l, o, chunk, from, to);
                else FoldAcross(s.op, s.x, s.y, s.center, s.hasCenter, s.l, o, chunk, from, to);
            }
        }, elementsPerItem: (long)Math.Min(l.Chunk, l.Length) * l.Inner);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FoldContiguous<TOp>(TOp op, ArraySegment<float> x, ArraySegment<float> y, ArraySegment<float> center,
        bool hasCenter, Layout l, int o, int chunk, int from, int to) where TOp : struct, IReduceOp
    {
        float c = hasCenter ? center[o] : 0f;
        var row = x.AsSpan(o * l.Length + from, to - from);
        float acc = op.Identity;
        int i = 0, w = Vector512<float>.Count;
        if (Vector512.IsHardwareAccelerated && row.Length >= 4 * w)
        {
            var vc = Vector512.Create(c);
            var id = Vector512.Create(op.Identity);
            Vector512<float> a0 = id, a1 = id, a2 = id, a3 = id;
            for (; i <= row.Length - 4 * w; i += 4 * w)
            {
                a0 = op.Combine(a0, Load(op, row, i, vc, l.MapInput));
                a1 = op.Combine(a1, Load(op, row, i + w, vc, l.MapInput));
                a2 = op.Combine(a2, Load(op, row, i + 2 * w, vc, l.MapInput));
                a3 = op.Combine(a3, Load(op, row, i + 3 * w, vc, l.MapInput));
            }
            var all = op.Combine(op.Combine(a0, a1), op.Combine(a2, a3));
            for (int lane = 0; lane < w; lane++) acc = op.Combine(acc, all.GetElement(lane));
        }
        for (; i < row.Length; i++) acc = op.Combine(acc, l.MapInput ? op.Map(row[i], c) : row[i]);
        y[o * l.Chunks + chunk] = l.Finish ? op.Finish(acc, c) : acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load<TOp>(TOp op, ReadOnlySpan<float> row, int i, Vector512<float> center, bool map)
        where TOp : struct, IReduceOp
    {
        var v = Vector512.Create(row.Slice(i, Vector512<float>.Count));
        return map ? op.Map(v, center) : v;
    }

    /// <summary>
    /// Inner &gt; 1: the partials of one (o, chunk) are a row of Inner accumulators, kept in the
    /// output itself; the chunk's rows are streamed in order, each added lane-wise into the
    /// accumulator row (contiguous loads; a row of 4096 accumulators is 16 KiB, in L1). Each
    /// accumulator still sees its elements in axis order, as on the device.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FoldAcross<TOp>(TOp op, ArraySegment<float> x, ArraySegment<float> y, ArraySegment<float> center,
        bool hasCenter, Layout l, int o, int chunk, int from, int to) where TOp : struct, IReduceOp
    {
        int inner = l.Inner, w = Vector512<float>.Count;
        var acc = y.AsSpan((o * l.Chunks + chunk) * inner, inner);
        var c = hasCenter ? center.AsSpan(o * inner, inner) : default;
        acc.Fill(op.Identity);
        for (int k = from; k < to; k++)
        {
            var row = x.AsSpan((o * l.Length + k) * inner, inner);
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
                for (; i <= inner - w; i += w)
                {
                    var v = Vector512.Create(row.Slice(i, w));
                    if (l.MapInput) v = op.Map(v, hasCenter ? Vector512.Create(c.Slice(i, w)) : Vector512<float>.Zero);
                    op.Combine(Vector512.Create(acc.Slice(i, w)), v).CopyTo(acc.Slice(i, w));
                }
            for (; i < inner; i++)
                acc[i] = op.Combine(acc[i], l.MapInput ? op.Map(row[i], hasCenter ? c[i] : 0f) : row[i]);
        }
        if (l.Finish)
            for (int i = 0; i < inner; i++) acc[i] = op.Finish(acc[i], hasCenter ? c[i] : 0f);
    }

    /// <summary>Softmax (log = false) or log-softmax along the middle axis of [outer, length, inner],
    /// given the per-[outer, inner] max and Σexp(x − max): one pass, vectorised along the
    /// contiguous dimension (inner, or the axis itself when inner = 1).</summary>
    public static void Normalize(ArraySegment<float> x, ArraySegment<float> y, ArraySegment<float> max, ArraySegment<float> sumExp,
        int outer, int length, int inner, bool log) =>
        HostParallel.For(outer * length, (x, y, max, sumExp, length, inner, log), static (start, count, s) =>
        {
            // Rows of `inner` elements; with inner = 1 a row is one element, so take whole
            // stretches of the axis that share one (max, sum) instead.
            for (int row = start; row < start + count;)
            {
                int o = row / s.length;
                int rows = s.inner == 1 ? Math.Min(start + count, (o + 1) * s.length) - row : 1;
                int width = s.inner == 1 ? rows : s.inner;
                var xs = s.x.AsSpan(row * s.inner, width);
                var ys = s.y.AsSpan(row * s.inner, width);
                var m = s.inner == 1 ? default : s.max.AsSpan(o * s.inner, s.inner);
                var z = s.inner == 1 ? default : s.sumExp.AsSpan(o * s.inner, s.inner);
                NormalizeRow(xs, ys, m, z, s.inner == 1 ? s.max[o] : 0f, s.inner == 1 ? s.sumExp[o] : 0f, s.log);
                row += rows;
            }
        }, elementsPerItem: inner);

    /// <summary>y = x − m − log z or exp(x − m)/z, with (m, z) per element from spans, or the
    /// scalars when the spans are empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NormalizeRow(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> m, ReadOnlySpan<float> z,
        float mScalar, float zScalar, bool log)
    {
        bool perElement = !m.IsEmpty;
        int i = 0, w = Vector512<float>.Count;
        if (Vector512.IsHardwareAccelerated)
        {
            var ms = Vector512.Create(mScalar);
            var zs = Vector512.Create(zScalar);
            for (; i <= x.Length - w; i += w)
            {
                var vm = perElement ? Vector512.Create(m.Slice(i, w)) : ms;
                var vz = perElement ? Vector512.Create(z.Slice(i, w)) : zs;
                var shifted = Vector512.Create(x.Slice(i, w)) - vm;
                var r = log ? shifted - Vector512.Log(vz) : Vector512.Exp(shifted) / vz;
                r.CopyTo(y.Slice(i, w));
            }
        }
        for (; i < x.Length; i++)
        {
            float mi = perElement ? m[i] : mScalar, zi = perElement ? z[i] : zScalar;
            y[i] = log ? x[i] - mi - MathF.Log(zi) : MathF.Exp(x[i] - mi) / zi;
        }
    }

    /// <summary>Index of the first maximum along the middle axis (a NaN wins), as <see cref="ReduceDevice.ArgMax"/>.</summary>
    public static void ArgMax(ArraySegment<float> x, ArraySegment<float> y, int outer, int length, int inner) =>
        HostParallel.For(outer * inner, (x, y, length, inner), static (start, count, s) =>
        {
            for (int t = start; t < start + count; t++)
            {
                int i = t % s.inner, o = t / s.inner;
                s.y[t] = ArgMaxScan.Find(new ArrayRow(s.x.Array!, s.x.Offset + o * s.length * s.inner + i, s.inner), s.length);
            }
        }, elementsPerItem: length);
}
