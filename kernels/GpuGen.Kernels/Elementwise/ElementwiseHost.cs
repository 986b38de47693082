using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using GpuGen.Kernels.Host;

namespace GpuGen.Kernels.Elementwise;

/// <summary>
/// Elementwise host kernels: the op's Vector512 form over full vectors (where the hardware
/// has AVX-512), its scalar form for the tail, split over the cores by <see cref="HostParallel"/>.
/// Broadcasting walks the output in rows of the innermost dimension D3; within a row each
/// operand's stride is 1 (read as vectors) or 0 (one value, splatted).
/// </summary>
public static class ElementwiseHost
{
    public static void Unary<TOp>(TOp op, ArraySegment<float> x, ArraySegment<float> y) where TOp : struct, IUnaryOp =>
        HostParallel.For(y.Count, (op, x, y), static (s, n, a) => UnarySpan(a.op, a.x.AsSpan(s, n), a.y.AsSpan(s, n)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UnarySpan<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y) where TOp : struct, IUnaryOp
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = y.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                op.Apply(Vector512.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref yr, i) = op.Apply(Unsafe.Add(ref xr, i));
    }

    public static void Binary<TOp>(TOp op, ArraySegment<float> a, ArraySegment<float> b, ArraySegment<float> y, Broadcast g)
        where TOp : struct, IBinaryOp =>
        HostParallel.For(y.Count, (op, a, b, y, g), static (start, count, s) =>
        {
            // Walk [start, start + count) row segment by row segment.
            int end = start + count;
            for (int i = start; i < end;)
            {
                int col = i % s.g.D3, len = Math.Min(s.g.D3 - col, end - i);
                s.g.Locate(i, out int ia, out int ib, out _);
                BinaryRow(s.op, s.a.AsSpan(ia), s.g.A3, s.b.AsSpan(ib), s.g.B3, s.y.AsSpan(i, len));
                i += len;
            }
        });

    /// <summary>One row: y[j] = op(a[j·sa], b[j·sb]) with strides 0 or 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BinaryRow<TOp>(TOp op, ReadOnlySpan<float> a, int sa, ReadOnlySpan<float> b, int sb, Span<float> y)
        where TOp : struct, IBinaryOp
    {
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float br = ref MemoryMarshal.GetReference(b);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = y.Length, i = 0, w = Vector512<float>.Count;
        if (Vector512.IsHardwareAccelerated)
        {
            var aSplat = Vector512.Create(ar);
            var bSplat = Vector512.Create(br);
            for (; i <= n - w; i += w)
            {
                var va = sa == 0 ? aSplat : Vector512.LoadUnsafe(ref ar, (nuint)i);
                var vb = sb == 0 ? bSplat : Vector512.LoadUnsafe(ref br, (nuint)i);
                op.Apply(va, vb).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = op.Apply(Unsafe.Add(ref ar, i * sa), Unsafe.Add(ref br, i * sb));
    }

    /// <summary>y = condition ≠ 0 ? a : b, all three broadcast.</summary>
    public static void Where(ArraySegment<float> condition, ArraySegment<float> a, ArraySegment<float> b, ArraySegment<float> y, Broadcast g) =>
        HostParallel.For(y.Count, (condition, a, b, y, g), static (start, count, s) =>
        {
            for (int i = start; i < start + count; i++)
            {
                s.g.Locate(i, out int ic, out int ia, out int ib);
                s.y[i] = s.condition[ic] != 0f ? s.a[ia] : s.b[ib];
            }
        });
}
