using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Util;

namespace GpuGen.Kernels.Gemm;

/// <summary>Arguments of <see cref="GemmDevice.Tiled"/>; the problem's meaning is <see cref="GemmProblem"/>'s.</summary>
public struct GemmArgs
{
    public ArrayView<float> A, B, C, Bias;
    public int HasBias;
    /// <summary>1: the epilogue clamps at zero (<see cref="GemmProblem.Relu"/>).</summary>
    public int Relu;
    public int M, N, K, Lda, Ldb, Ldc;
    public int TransA, TransB;
    public float Alpha, Beta;
    public long StrideA, StrideB, StrideC;
    /// <summary>K elements staged in shared memory per step (a multiple of 4).</summary>
    public int TileK;
    /// <summary>1 when A's contiguous axis (K row-major, M transposed), lda, the batch stride and the view's
    /// start are all multiples of 4 floats: its tile is then staged with 16-byte (float4) loads along that axis
    /// (by <see cref="GemmDevice.Tiled"/> only when row-major).</summary>
    public int VectorA;
    /// <summary>The same for B (its contiguous axis: N row-major, K transposed).</summary>
    public int VectorB;
    /// <summary>Split K (<see cref="GemmSplit"/>): the number of K ranges (1: none) and the k in each (a multiple of the K step).</summary>
    public int KSplit, KChunk;

    /// <summary>Unused: ends the struct on an 8-byte boundary, which OpenCL needs (KernelArgsLayoutTests).</summary>
    public long Align8;
}

/// <summary>
/// Device GEMM: shared-memory tiles with register blocking.
///
/// Thread → data: a group of GX × GY threads computes a BM × BN tile of C (BM = 4·GY,
/// BN = 4·GX) of matrix Grid.IdxZ of the batch; thread (tx, ty) owns the 4 × 4 outputs
/// at rows ty + i·GY and columns tx + j·GX, i, j &lt; 4 (strided, so that neighbouring threads
/// touch neighbouring columns of C and of the B tile). For each step of TileK along K the
/// group stages op(A)[tile rows, k..] and op(B)[k.., tile cols] in shared memory (k-major, zero
/// outside the matrix, loads ordered along the contiguous axis of each layout so they
/// coalesce), then every thread does 16 FMAs per k from 4 + 4 shared-memory reads. Works for
/// any M, N, K (including 1 and non-multiples of the tile) and any group shape: 16 × 16
/// (64 × 64 tiles) on a GPU, 2 × 2 on ILGPU's CPU accelerator, where barriers are costly.
/// Shared memory: TileK·(BM + BN + 2·Pad) floats of a static block of <see cref="MaxSharedFloats"/> (not dynamic
/// shared memory, which Mesa's rusticl 22.3 cannot take: it panics building the kernel).
/// </summary>
public static class GemmDevice
{
    public const int ThreadTile = 4;

    /// <summary>Shared-memory floats a launch with this group shape and K step needs.</summary>
    public static int SharedFloats(int groupX, int groupY, int tileK) => tileK * (ThreadTile * (groupX + groupY) + 2 * Pad);

    /// <summary>
    /// Each staged k-row of a tile is BM + Pad (BN + Pad) floats apart, not BM: the stores that walk along k
    /// (row-major A, Bᵀ: every Linear's forward, and the float4 A path) would otherwise hit one shared-memory
    /// bank from 16 threads at once (a stride of 64 floats is 0 mod 32 banks); with a stride of 65 a warp's
    /// 32 stores (two rows of 16 k) fall at most two to a bank. The compute loop's reads stay conflict-free (a broadcast along A, consecutive along B).
    /// </summary>
    public const int Pad = 1;

    /// <summary>The static shared block: enough for the largest launch, 16 × 16 threads with K steps of 16 (8 KiB).</summary>
    public const int MaxSharedFloats = 16 * (ThreadTile * (16 + 16) + 2 * Pad);

    public static void Tiled(GemmArgs g)
    {
        int gx = Group.DimX, gy = Group.DimY, tx = Group.IdxX, ty = Group.IdxY;
        int bm = ThreadTile * gy, bn = ThreadTile * gx, tk = g.TileK;
        int row0 = Grid.IdxY * bm, col0 = Grid.IdxX * bn;
        int threads = gx * gy, tid = ty * gx + tx;

        var shared = SharedMemory.Allocate<float>(MaxSharedFloats);
        int sda = bm + Pad, sdb = bn + Pad; // the staged tiles' row strides (see Pad)
        var sa = shared.SubView(0, tk * sda); // sa[k·sda + r] = op(A)[row0 + r, k0 + k]
        var sb = shared.SubView(tk * sda, tk * sdb); // sb[k·sdb + c] = op(B)[k0 + k, col0 + c]
        var range = GemmSplit.Of(g);
        long offA = range.Batch * g.StrideA, offB = range.Batch * g.StrideB, offC = Grid.IdxZ * g.StrideC;

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;

        for (int k0 = range.KBegin; k0 < range.KEnd; k0 += tk)
        {
            // Stage the A tile. Row-major A is contiguous along k, Aᵀ along rows: let
            // consecutive threads take consecutive addresses either way, four at a time
            // where the layout is aligned (K % 4 = 0 keeps a quad inside the matrix).
            if (g.VectorA != 0 && g.TransA == 0)
            {
                var a4 = g.A.Cast<Float4>();
                int quads = tk / 4;
                for (int e = tid; e < bm * quads; e += threads)
                {
                    int r = e / quads, k = e % quads * 4;
                    int gr = row0 + r, gk = k0 + k;
                    var v = gr < g.M && gk < range.KEnd ? a4[(offA + (long)gr * g.Lda + gk) / 4] : default;
                    sa[k * sda + r] = v.X;
                    sa[(k + 1) * sda + r] = v.Y;
                    sa[(k + 2) * sda + r] = v.Z;
                    sa[(k + 3) * sda + r] = v.W;
                }
            }
            else for (int e = tid; e < bm * tk; e += threads)
            {
                int r = g.TransA != 0 ? e % bm : e / tk;
                int k = g.TransA != 0 ? e / bm : e % tk;
                int gr = row0 + r, gk = k0 + k;
                float v = 0f;
                if (gr < g.M && gk < range.KEnd)
                    v = g.A[offA + (g.TransA != 0 ? (long)gk * g.Lda + gr : (long)gr * g.Lda + gk)];
                sa[k * sda + r] = v;
            }
            // Stage the B tile: row-major B is contiguous along columns, Bᵀ along k.
            if (g.VectorB != 0 && g.TransB == 0)
            {
                var b4 = g.B.Cast<Float4>();
                int quads = bn / 4;
                for (int e = tid; e < tk * quads; e += threads)
                {
                    int k = e / quads, c = e % quads * 4;
                    int gc = col0 + c, gk = k0 + k;
                    var v = gc < g.N && gk < range.KEnd ? b4[(offB + (long)gk * g.Ldb + gc) / 4] : default;
                    int at = k * sdb + c;
                    sb[at] = v.X;
                    sb[at + 1] = v.Y;
                    sb[at + 2] = v.Z;
                    sb[at + 3] = v.W;
                }
            }
            else for (int e = tid; e < tk * bn; e += threads)
            {
                int c = g.TransB != 0 ? e / tk : e % bn;
                int k = g.TransB != 0 ? e % tk : e / bn;
                int gc = col0 + c, gk = k0 + k;
                float v = 0f;
                if (gc < g.N && gk < range.KEnd)
                    v = g.B[offB + (g.TransB != 0 ? (long)gc * g.Ldb + gk : (long)gk * g.Ldb + gc)];
                sb[k * sdb + c] = v;
            }
            Group.Barrier();

            for (int k = 0; k < tk; k++)
            {
                int ak = k * sda + ty, bk = k * sdb + tx;
                float a0 = sa[ak], a1 = sa[ak + gy], a2 = sa[ak + 2 * gy], a3 = sa[ak + 3 * gy];
                float b0 = sb[bk], b1 = sb[bk + gx], b2 = sb[bk + 2 * gx], b3 = sb[bk + 3 * gx];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier(); // the tiles are overwritten by the next step
        }

        int r0 = row0 + ty, cc = col0 + tx;
        Store(g, offC, r0, cc, gx, c00, c01, c02, c03);
        Store(g, offC, r0 + gy, cc, gx, c10, c11, c12, c13);
        Store(g, offC, r0 + 2 * gy, cc, gx, c20, c21, c22, c23);
        Store(g, offC, r0 + 3 * gy, cc, gx, c30, c31, c32, c33);
    }

    /// <summary>Epilogue for one row of a thread's outputs: C = α·acc + β·C + bias (β = 0: C not read), clamped at 0 under Relu.</summary>
    private static void Store(in GemmArgs g, long offC, int row, int col, int step, float v0, float v1, float v2, float v3)
    {
        if (row >= g.M) return;
        StoreOne(g, offC, row, col, v0);
        StoreOne(g, offC, row, col + step, v1);
        StoreOne(g, offC, row, col + 2 * step, v2);
        StoreOne(g, offC, row, col + 3 * step, v3);
    }

    internal static void StoreOne(in GemmArgs g, long offC, int row, int col, float acc)
    {
        if (col >= g.N) return;
        long i = offC + (long)row * g.Ldc + col;
        g.C[i] = Epilogue(acc, g.Alpha, g.HasBias, g.Bias, col, g.Beta, g.C, i, g.Relu);
    }

    /// <summary>α·acc (+ bias[col]) (+ β·C[i]; β = 0: C not read), clamped at 0 under Relu (as the ReLU kernel: NaN passes).</summary>
    internal static float Epilogue(float acc, float alpha, int hasBias, ArrayView<float> bias, int col, float beta, ArrayView<float> c, long i, int relu)
    {
        float v = alpha * acc;
        if (hasBias != 0) v += bias[col];
        if (beta != 0f) v += beta * c[i];
        if (relu != 0 && v < 0f) v = 0f;
        return v;
    }
}
