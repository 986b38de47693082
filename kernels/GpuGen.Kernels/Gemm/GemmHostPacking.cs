using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GpuGen.Kernels.Gemm;

/// <summary>
/// Packing for the host GEMM (Goto/BLIS): copies a block of op(A) or op(B) into the order the
/// micro-kernel reads it, so that its inner loop walks memory contiguously whatever the
/// transposes and leading dimensions, and pads ragged edges with zeros so that the
/// micro-kernel never needs a bounds check.
///
/// Packing is paid once per element of a block while the micro-kernels do 2·MC (or 2·NC)
/// FLOPs per packed element, so it must run at a small fraction of a nanosecond per element:
/// full panels take specialised paths (k-outer copies that write contiguously, vector copies,
/// and AVX-512 gathers for the layouts that need a transpose); ragged panels take the plain loop.
/// </summary>
internal static unsafe class GemmHostPacking
{
    /// <summary>
    /// Rows [i0, i0+mc) × columns [p0, p0+kc) of op(A) into panels of <paramref name="mr"/> rows:
    /// Ap[panel][k][r] = op(A)[i0 + panel·mr + r, p0 + k], rows past the block zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(in GemmProblem p, float* a, int i0, int mc, int p0, int kc, float* ap, int mr)
    {
        for (int panel = 0; panel * mr < mc; panel++)
        {
            float* dst = ap + (long)panel * mr * kc;
            int ib = i0 + panel * mr;
            int rows = Math.Min(mr, mc - panel * mr);
            if (rows == 6 && mr == 6)
            {
                if (p.TransA) PackA6Transposed(a + (long)p0 * p.Lda + ib, p.Lda, kc, dst);
                else PackA6(a + (long)ib * p.Lda + p0, p.Lda, kc, dst);
                continue;
            }
            for (int k = 0; k < kc; k++)
                for (int r = 0; r < mr; r++)
                    dst[k * mr + r] = r < rows ? a[p.AIndex(ib + r, p0 + k)] : 0f;
        }
    }

    /// <summary>A stored row-major: six row streams, read together, written as one contiguous stream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA6(float* src, long lda, int kc, float* dst)
    {
        float* s0 = src, s1 = src + lda, s2 = src + 2 * lda, s3 = src + 3 * lda, s4 = src + 4 * lda, s5 = src + 5 * lda;
        int k = 0;
        if (Sse.IsSupported)
        {
            // four k at a time: rows 0–3 by a 4 × 4 register transpose (one 16-byte store per k),
            // rows 4–5 interleaved (one 8-byte store per k): 14 memory operations for 4 k instead
            // of 48 (a 256³ product from memory: 212 → 196 µs on two cores)
            for (; k + 4 <= kc; k += 4, dst += 24)
            {
                var r0 = Sse.LoadVector128(s0 + k); var r1 = Sse.LoadVector128(s1 + k);
                var r2 = Sse.LoadVector128(s2 + k); var r3 = Sse.LoadVector128(s3 + k);
                var r4 = Sse.LoadVector128(s4 + k); var r5 = Sse.LoadVector128(s5 + k);
                var t0 = Sse.UnpackLow(r0, r1); var t1 = Sse.UnpackLow(r2, r3);   // (r0 r1 r0 r1 | r2 r3 r2 r3) at k, k+1
                var t2 = Sse.UnpackHigh(r0, r1); var t3 = Sse.UnpackHigh(r2, r3); // at k+2, k+3
                var low = Sse.UnpackLow(r4, r5); var high = Sse.UnpackHigh(r4, r5); // (r4 r5) at k, k+1 | k+2, k+3
                Sse.Store(dst, Sse.MoveLowToHigh(t0, t1));
                Sse.StoreLow(dst + 4, low);
                Sse.Store(dst + 6, Sse.MoveHighToLow(t1, t0));
                Sse.StoreHigh(dst + 10, low);
                Sse.Store(dst + 12, Sse.MoveLowToHigh(t2, t3));
                Sse.StoreLow(dst + 16, high);
                Sse.Store(dst + 18, Sse.MoveHighToLow(t3, t2));
                Sse.StoreHigh(dst + 22, high);
            }
        }
        for (; k < kc; k++, dst += 6)
        {
            dst[0] = s0[k]; dst[1] = s1[k]; dst[2] = s2[k];
            dst[3] = s3[k]; dst[4] = s4[k]; dst[5] = s5[k];
        }
    }

    /// <summary>Aᵀ stored K×M: each k's six rows are already contiguous.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA6Transposed(float* src, long lda, int kc, float* dst)
    {
        for (int k = 0; k < kc; k++, dst += 6, src += lda)
        {
            Unsafe.CopyBlockUnaligned(dst, src, 6 * sizeof(float));
        }
    }

    /// <summary>
    /// Rows [p0, p0+kc) × columns [j0, j0+nc) of op(B) into panels of <paramref name="nr"/> columns:
    /// Bp[panel][k][c] = op(B)[p0 + k, j0 + panel·nr + c], columns past the block zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(in GemmProblem p, float* b, int p0, int kc, int j0, int nc, float* bp, int nr)
    {
        for (int panel = 0; panel * nr < nc; panel++)
        {
            float* dst = bp + (long)panel * nr * kc;
            int jb = j0 + panel * nr;
            int cols = Math.Min(nr, nc - panel * nr);
            if (cols == nr && nr % 16 == 0 && Vector512.IsHardwareAccelerated)
            {
                if (p.TransB) PackB16sTransposed(b + (long)jb * p.Ldb + p0, p.Ldb, kc, dst, nr);
                else PackB16s(b + (long)p0 * p.Ldb + jb, p.Ldb, kc, dst, nr);
                continue;
            }
            for (int k = 0; k < kc; k++)
                for (int c = 0; c < nr; c++)
                    dst[k * nr + c] = c < cols ? b[p.BIndex(p0 + k, jb + c)] : 0f;
        }
    }

    /// <summary>B stored row-major: each k's columns are contiguous: vector copies.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB16s(float* src, long ldb, int kc, float* dst, int nr)
    {
        for (int k = 0; k < kc; k++, src += ldb, dst += nr)
            for (int c = 0; c < nr; c += 16)
                Vector512.Store(Vector512.Load(src + c), dst + c);
    }

    /// <summary>
    /// Bᵀ stored N×K: panel column c is storage row c, contiguous in k. Eight rows × eight k
    /// at a time are loaded as vectors, transposed in registers (unpack, shuffle, 128-bit
    /// permute: the classic 24-instruction 8 × 8 transpose) and stored as eight k-rows of the
    /// panel; the k tail is copied element by element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB16sTransposed(float* src, long ldb, int kc, float* dst, int nr)
    {
        int k = 0;
        if (Avx.IsSupported)
        {
            for (; k <= kc - 8; k += 8)
                for (int c = 0; c < nr; c += 8)
                    Transpose8x8(src + c * ldb + k, ldb, dst + (long)k * nr + c, nr);
        }
        for (; k < kc; k++)
            for (int c = 0; c < nr; c++) dst[(long)k * nr + c] = src[c * ldb + k];
    }

    /// <summary>out[j·ldo + i] = in[i·ldi + j] for i, j &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* input, long ldi, float* output, long ldo)
    {
        var r0 = Avx.LoadVector256(input); var r1 = Avx.LoadVector256(input + ldi);
        var r2 = Avx.LoadVector256(input + 2 * ldi); var r3 = Avx.LoadVector256(input + 3 * ldi);
        var r4 = Avx.LoadVector256(input + 4 * ldi); var r5 = Avx.LoadVector256(input + 5 * ldi);
        var r6 = Avx.LoadVector256(input + 6 * ldi); var r7 = Avx.LoadVector256(input + 7 * ldi);
        // per 128-bit lane: (a0 b0 a1 b1), (a2 b2 a3 b3)
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        // per lane: (a0 b0 c0 d0), (a1 b1 c1 d1), ...
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        // join the rows a–d and e–h halves of each column
        Avx.Store(output, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(output + ldo, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(output + 2 * ldo, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(output + 3 * ldo, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(output + 4 * ldo, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(output + 5 * ldo, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(output + 6 * ldo, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(output + 7 * ldo, Avx.Permute2x128(s3, s7, 0x31));
    }
}
