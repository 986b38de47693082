using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GpuGen.Kernels.Gemm;

/// <summary>
/// Micro-kernels of the host GEMM: a MR×NR tile of C from an MR-row panel of A (packed, or in
/// place for the AVX-512 kernel) and an NR-column panel of packed B, over kc steps of k:
///   acc[r, c] = Σ_k Ap[k][r] · Bp[k][c]
///   C[r, c]   = α·acc[r, c] + β·C[r, c] + bias[c]   (β = 0: C not read; bias null: none)
/// Each k step loads NR values of B as vectors, broadcasts MR values of A, and issues MR·NR/lanes
/// FMAs into accumulators that stay in registers for the whole loop (so: no calls, no
/// stackalloc in these methods; see DESIGN.md on the JIT).
/// </summary>
internal static unsafe class GemmHostMicroKernels
{
    /// <summary>8×32 with Vector512: 16 accumulators + 2 B vectors + 1 A broadcast of 32 zmm registers
    /// (8 rows, not 6: batches and widths are multiples of 8 far more often than of 6, and a
    /// ragged last panel costs a whole tile, its packing and an element-by-element merge).
    /// A's element (r, k) is at a[r·aRow + k·aStep]: a packed panel (1, 8) or op(A) in place
    /// (1, lda) for a transposed A, (lda, 1) for a row-major one. With <paramref name="relu"/> the
    /// results are clamped in registers before they are stored (<see cref="GemmProblem.Relu"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel8x32(int kc, float* a, long aRow, long aStep, float* b, float* c, long ldc, float alpha, float beta, float* bias, bool relu)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        // C's tile is written once at the end, usually into lines no core has touched lately
        // (a fresh activation): asking for them now hides the misses behind the k loop (a 256³
        // product on data out of cache: 400 → 365 µs on one core).
        if (Sse.IsSupported)
            for (int r = 0; r < 8; r++)
            {
                Sse.Prefetch0(c + r * ldc);
                Sse.Prefetch0(c + r * ldc + 16);
            }
        long aRow3 = 3 * aRow, aRow5 = 5 * aRow, aRow7 = 7 * aRow;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[aRow]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2 * aRow]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[aRow3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4 * aRow]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40); c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[aRow5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50); c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[2 * aRow3]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60); c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[aRow7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70); c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            a += aStep;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        bool readC = beta != 0f;
        Vector512<float> bias0 = bias == null ? default : Vector512.Load(bias);
        Vector512<float> bias1 = bias == null ? default : Vector512.Load(bias + 16);
        Store512(c, va, vb, readC, bias0, bias1, c00, c01, relu);
        Store512(c + ldc, va, vb, readC, bias0, bias1, c10, c11, relu);
        Store512(c + 2 * ldc, va, vb, readC, bias0, bias1, c20, c21, relu);
        Store512(c + 3 * ldc, va, vb, readC, bias0, bias1, c30, c31, relu);
        Store512(c + 4 * ldc, va, vb, readC, bias0, bias1, c40, c41, relu);
        Store512(c + 5 * ldc, va, vb, readC, bias0, bias1, c50, c51, relu);
        Store512(c + 6 * ldc, va, vb, readC, bias0, bias1, c60, c61, relu);
        Store512(c + 7 * ldc, va, vb, readC, bias0, bias1, c70, c71, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* row, Vector512<float> alpha, Vector512<float> beta, bool readC,
        Vector512<float> bias0, Vector512<float> bias1, Vector512<float> acc0, Vector512<float> acc1, bool relu)
    {
        var r0 = Vector512.FusedMultiplyAdd(alpha, acc0, bias0);
        var r1 = Vector512.FusedMultiplyAdd(alpha, acc1, bias1);
        if (readC)
        {
            r0 = Vector512.FusedMultiplyAdd(beta, Vector512.Load(row), r0);
            r1 = Vector512.FusedMultiplyAdd(beta, Vector512.Load(row + 16), r1);
        }
        if (relu)
        {
            r0 = GemmRelu.Apply(r0);
            r1 = GemmRelu.Apply(r1);
        }
        Vector512.Store(r0, row);
        Vector512.Store(r1, row + 16);
    }

    /// <summary>6×16 with Vector256, for machines without AVX-512: 12 accumulators of 16 ymm registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel6x16(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta, float* bias)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20); c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30); c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40); c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50); c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        bool readC = beta != 0f;
        Vector256<float> bias0 = bias == null ? default : Vector256.Load(bias);
        Vector256<float> bias1 = bias == null ? default : Vector256.Load(bias + 8);
        Store256(c, va, vb, readC, bias0, bias1, c00, c01);
        Store256(c + ldc, va, vb, readC, bias0, bias1, c10, c11);
        Store256(c + 2 * ldc, va, vb, readC, bias0, bias1, c20, c21);
        Store256(c + 3 * ldc, va, vb, readC, bias0, bias1, c30, c31);
        Store256(c + 4 * ldc, va, vb, readC, bias0, bias1, c40, c41);
        Store256(c + 5 * ldc, va, vb, readC, bias0, bias1, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* row, Vector256<float> alpha, Vector256<float> beta, bool readC,
        Vector256<float> bias0, Vector256<float> bias1, Vector256<float> acc0, Vector256<float> acc1)
    {
        var r0 = Vector256.FusedMultiplyAdd(alpha, acc0, bias0);
        var r1 = Vector256.FusedMultiplyAdd(alpha, acc1, bias1);
        if (readC)
        {
            r0 = Vector256.FusedMultiplyAdd(beta, Vector256.Load(row), r0);
            r1 = Vector256.FusedMultiplyAdd(beta, Vector256.Load(row + 8), r1);
        }
        Vector256.Store(r0, row);
        Vector256.Store(r1, row + 8);
    }

    /// <summary>Scalar 6×16 for machines with neither: the same packed layout, plain loops.</summary>
    public static void KernelScalar(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta, float* bias)
    {
        const int mr = 6, nr = 16;
        float* acc = stackalloc float[mr * nr];
        new Span<float>(acc, mr * nr).Clear();
        for (int k = 0; k < kc; k++, a += mr, b += nr)
            for (int r = 0; r < mr; r++)
                for (int j = 0; j < nr; j++) acc[r * nr + j] = MathF.FusedMultiplyAdd(a[r], b[j], acc[r * nr + j]);
        for (int r = 0; r < mr; r++)
            for (int j = 0; j < nr; j++)
            {
                float v = MathF.FusedMultiplyAdd(alpha, acc[r * nr + j], bias == null ? 0f : bias[j]);
                c[r * ldc + j] = beta != 0f ? MathF.FusedMultiplyAdd(beta, c[r * ldc + j], v) : v;
            }
    }
}
