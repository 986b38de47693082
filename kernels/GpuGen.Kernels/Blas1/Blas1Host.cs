using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using GpuGen.Kernels.Host;

namespace GpuGen.Kernels.Blas1;

/// <summary>
/// Level-1 kernels for the cpu device: the same math as <see cref="Blas1Device"/>, written with
/// SIMD vectors (Vector512 where the hardware has it, else Vector256, else scalar) and split
/// over the cores by <see cref="HostParallel"/>. Each kernel is bound by memory bandwidth.
/// </summary>
public static class Blas1Host
{
    // Entry points over array segments: split over the cores, each chunk running the span
    // kernel below. Segments (not spans) because the chunks run on other threads.

    public static void Fill(ArraySegment<float> y, float value) =>
        HostParallel.For(y.Count, (y, value), static (s, n, a) => Fill(a.y.AsSpan(s, n), a.value));

    public static void Copy(ArraySegment<float> x, ArraySegment<float> y) =>
        HostParallel.For(y.Count, (x, y), static (s, n, a) => Copy(a.x.AsSpan(s, n), a.y.AsSpan(s, n)));

    public static void Scale(ArraySegment<float> y, float alpha) =>
        HostParallel.For(y.Count, (y, alpha), static (s, n, a) => Scale(a.y.AsSpan(s, n), a.alpha));

    public static void Axpy(float alpha, ArraySegment<float> x, ArraySegment<float> y) =>
        HostParallel.For(y.Count, (alpha, x, y), static (s, n, a) => Axpy(a.alpha, a.x.AsSpan(s, n), a.y.AsSpan(s, n)));

    // Span kernels: one thread, SIMD.

    /// <summary>y[i] = value.</summary>
    public static void Fill(Span<float> y, float value) => y.Fill(value); // the runtime's Fill is already vectorized

    /// <summary>y[i] = start + i·step, with one rounding per element (never accumulated).</summary>
    public static void Ramp(Span<float> y, float start, float step)
    {
        for (int i = 0; i < y.Length; i++) y[i] = start + i * step;
    }

    /// <summary>y[i] = x[i]. Overlapping spans are handled as memmove does.</summary>
    public static void Copy(ReadOnlySpan<float> x, Span<float> y) => x.CopyTo(y);

    /// <summary>y[i] = α·y[i].</summary>
    public static void Scale(Span<float> y, float alpha)
    {
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = y.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                (a * Vector512.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                (a * Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) *= alpha;
    }

    /// <summary>y[i] = α·x[i] + y[i]: a multiply then an add, matching the device kernel bit for bit.</summary>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"axpy: x has {x.Length} elements, y has {y.Length}");
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = y.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                (a * Vector512.LoadUnsafe(ref xr, (nuint)i) + Vector512.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                (a * Vector256.LoadUnsafe(ref xr, (nuint)i) + Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = alpha * Unsafe.Add(ref xr, i) + Unsafe.Add(ref yr, i);
    }
}
