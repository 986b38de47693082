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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FoldAcross<TOp>(TOp op, ArraySegment<float> x, ArraySegment<float> y, ArraySegment<float> center,
        bool hasCenter, Layout l, int o, int chunk, int from, int to) where TOp : struct, IReduceOp
    {
        int inner = l.Inner, w = Vector512<float>.Count, i = 0;
        int outBase = (o * l.Chunks + chunk) * inner;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= inner - w; i += w)
            {
                var vc = hasCenter ? Vector512.Create(center.AsSpan(o * inner + i, w)) : Vector512<float>.Zero;
                var acc = Vector512.Create(op.Identity);
                for (int k = from; k < to; k++)
                {
                    var v = Vector512.Create(x.AsSpan((o * l.Length + k) * inner + i, w));
                    acc = op.Combine(acc, l.MapInput ? op.Map(v, vc) : v);
                }
                for (int lane = 0; lane < w; lane++)
                    y[outBase + i + lane] = l.Finish ? op.Finish(acc.GetElement(lane), vc.GetElement(lane)) : acc.GetElement(lane);
            }
        }
        for (; i < inner; i++)
        {
            float c = hasCenter ? center[o * inner + i] : 0f;
            float acc = op.Identity;
            for (int k = from; k < to; k++)
            {
                float v = x[(o * l.Length + k) * inner + i];
                acc = op.Combine(acc, l.MapInput ? op.Map(v, c) : v);
            }
            y[outBase + i] = l.Finish ? op.Finish(acc, c) : acc;
        }
    }

    /// <summary>Softmax (log = false) or log-softmax along the middle axis of [outer, length, inner].</summary>
    public static void Normalize(ArraySegment<float> x, ArraySegment<float> y, ArraySegment<float> max, ArraySegment<float> sumExp,
        int outer, int length, int inner, bool log) =>
        HostParallel.For(outer * length, (x, y, max, sumExp, length, inner, log), static (start, count, s) =>
        {
            for (int row = start; row < start + count; row++)
            {
                int o = row / s.length;
                var xs = s.x.AsSpan(row * s.inner, s.inner);
                var ys = s.y.AsSpan(row * s.inner, s.inner);
                for (int i = 0; i < s.inner; i++)
                {
                    int oi = o * s.inner + i;
                    float shifted = xs[i] - s.max[oi];
                    ys[i] = s.log ? shifted - MathF.Log(s.sumExp[oi]) : MathF.Exp(shifted) / s.sumExp[oi];
                }
            }
        }, elementsPerItem: inner);

    /// <summary>Index of the first maximum along the middle axis (a NaN wins), as <see cref="ReduceDevice.ArgMax"/>.</summary>
    public static void ArgMax(ArraySegment<float> x, ArraySegment<float> y, int outer, int length, int inner) =>
        HostParallel.For(outer * inner, (x, y, length, inner), static (start, count, s) =>
        {
            for (int t = start; t < start + count; t++)
            {
                int i = t % s.inner, o = t / s.inner;
                int index = o * s.length * s.inner + i;
                float best = s.x[index];
                int bestAt = 0;
                for (int l = 1; l < s.length; l++)
                {
                    index += s.inner;
                    float v = s.x[index];
                    if (!float.IsNaN(best) && (v > best || float.IsNaN(v)))
                    {
                        best = v;
                        bestAt = l;
                    }
                }
                s.y[t] = bestAt;
            }
        }, elementsPerItem: length);
}
