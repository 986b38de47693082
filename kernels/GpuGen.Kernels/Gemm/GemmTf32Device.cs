using ILGPU;
using ILGPU.Runtime.Cuda;

namespace GpuGen.Kernels.Gemm;

/// <summary>
/// The device GEMM on NVIDIA tensor cores in TF32 (sm_80 and later), by inline PTX: each warp (a group of 32
/// threads) computes one 16 × 8 tile of C with <c>mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32</c>,
/// eight k at a time, its operands rounded to TF32 (10 mantissa bits, <c>cvt.rna.tf32.f32</c>) and its sums
/// kept in FP32. Selected only by <c>MatMulPrecision.AllowTf32</c> on CUDA; TF32 products carry a relative
/// error of about 2⁻¹¹ each, so results differ from FP32 by about √K·2⁻¹¹ of the operands' scale.
///
/// Thread → data (PTX ISA, "Matrix fragments for mma.m16n8k8", .tf32): lane = 4·g + t (g = lane ≫ 2, t = lane
/// mod 4); A (16 × 8, row) a0 = A[g][t], a1 = A[g+8][t], a2 = A[g][t+4], a3 = A[g+8][t+4]; B (8 × 8, col)
/// b0 = B[t][g], b1 = B[t+4][g]; C (16 × 8) c0 = C[g][2t], c1 = C[g][2t+1], c2 = C[g+8][2t], c3 = C[g+8][2t+1].
/// Fragments are read straight from global memory (zero outside the matrix): a first tensor-core path, correct
/// for any M, N, K; staging through shared memory is the next step once a GPU can measure it.
/// </summary>
public static class GemmTf32Device
{
    public const int TileM = 16, TileN = 8, TileK = 8, Threads = 32;

    public static void Warp16x8(GemmArgs g)
    {
        int lane = Group.IdxX, gr = lane >> 2, t = lane & 3;
        int row0 = Grid.IdxY * TileM, col0 = Grid.IdxX * TileN;
        long offA = Grid.IdxZ * g.StrideA, offB = Grid.IdxZ * g.StrideB, offC = Grid.IdxZ * g.StrideC;
        Ref<float> c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f;
        for (int k0 = 0; k0 < g.K; k0 += TileK)
        {
            Ref<uint> a0 = Tf32(A(g, offA, row0 + gr, k0 + t)), a1 = Tf32(A(g, offA, row0 + gr + 8, k0 + t));
            Ref<uint> a2 = Tf32(A(g, offA, row0 + gr, k0 + t + 4)), a3 = Tf32(A(g, offA, row0 + gr + 8, k0 + t + 4));
            Ref<uint> b0 = Tf32(B(g, offB, k0 + t, col0 + gr)), b1 = Tf32(B(g, offB, k0 + t + 4, col0 + gr));
            CudaAsm.EmitRef(
                "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};",
                ref c0, ref c1, ref c2, ref c3, ref a0, ref a1, ref a2, ref a3, ref b0, ref b1);
        }
        int row = row0 + gr, col = col0 + 2 * t;
        if (row < g.M)
        {
            GemmDevice.StoreOne(g, offC, row, col, c0.Value);
            GemmDevice.StoreOne(g, offC, row, col + 1, c1.Value);
        }
        if (row + 8 < g.M)
        {
            GemmDevice.StoreOne(g, offC, row + 8, col, c2.Value);
            GemmDevice.StoreOne(g, offC, row + 8, col + 1, c3.Value);
        }
    }

    // op(A)[row, k] and op(B)[k, col], zero outside the matrix
    private static float A(in GemmArgs g, long off, int row, int k) =>
        row < g.M && k < g.K ? g.A[off + (g.TransA != 0 ? (long)k * g.Lda + row : (long)row * g.Lda + k)] : 0f;

    private static float B(in GemmArgs g, long off, int k, int col) =>
        col < g.N && k < g.K ? g.B[off + (g.TransB != 0 ? (long)col * g.Ldb + k : (long)k * g.Ldb + col)] : 0f;

    // FP32 → TF32, rounded to nearest (ties away), in a 32-bit register as mma takes it
    private static uint Tf32(float x)
    {
        CudaAsm.Emit("cvt.rna.tf32.f32 %0, %1;", out uint bits, x);
        return bits;
    }
}
