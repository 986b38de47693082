using GpuGen.Kernels.Gemm;
using GpuGen.Launch;
using ILGPU;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuGemm(IlgpuDevice device) : IGemmKernels
{
    private readonly int _multiprocessors = Math.Max(1, device.Accelerator.NumMultiprocessors);

    /// <summary>
    /// The group shape (threads along N and M) and K step for a problem: 16 × 16 threads (64 × 64 tiles of C,
    /// K in steps of 16) where the device allows groups of 256, unless that leaves multiprocessors idle (a
    /// 100 × 400 Linear is 14 such tiles, on a GPU of 132 SMs), when 8 × 8 threads take 32 × 32 tiles (four
    /// times the groups); on ILGPU's CPU accelerator (at most 8 threads a group, each an OS thread, costly
    /// barriers) 2 × 2 threads with K in steps of 8.
    /// </summary>
    public static (int X, int Y, int K) GroupFor(int m, int n, int batch, int maxGroupSize, int multiprocessors)
    {
        if (maxGroupSize < 256) return (2, 2, 8);
        long bigTiles = (long)((n + 63) / 64) * ((m + 63) / 64) * batch;
        return bigTiles < multiprocessors ? (8, 8, 16) : (16, 16, 16);
    }

    private readonly bool _tensorCores = HasTf32TensorCores(device);

    /// <summary>Whether the device runs <see cref="GemmTf32Device"/>: CUDA, sm_80 or later (mma.m16n8k8 with .tf32).</summary>
    public static bool HasTf32TensorCores(IlgpuDevice device) =>
        device.Accelerator is ILGPU.Runtime.Cuda.CudaAccelerator cuda && cuda.Architecture is { } arch && arch.Major >= 8;

    public void Gemm(in GemmProblem p, Tensor a, Tensor b, Tensor c, Tensor? bias)
    {
        if (_tensorCores && MatMulPrecision.AllowTf32)
        {
            GemmTf32(p, a, b, c, bias);
            return;
        }
        var (gx, gy, tk) = GroupFor(p.M, p.N, p.Batch, device.Info.MaxGroupSize, _multiprocessors);
        var grid = new Index3D(
            (p.N + GemmDevice.ThreadTile * gx - 1) / (GemmDevice.ThreadTile * gx),
            (p.M + GemmDevice.ThreadTile * gy - 1) / (GemmDevice.ThreadTile * gy),
            p.Batch);
        var config = new KernelConfig(grid, new Index3D(gx, gy, 1));
        Launcher.Device(device, GemmDevice.Tiled, config, Args(p, a, b, c, bias, tk), GemmCost.Of(p));
    }

    private void GemmTf32(in GemmProblem p, Tensor a, Tensor b, Tensor c, Tensor? bias)
    {
        var grid = new Index3D((p.N + GemmTf32Device.TileN - 1) / GemmTf32Device.TileN, (p.M + GemmTf32Device.TileM - 1) / GemmTf32Device.TileM, p.Batch);
        var config = new KernelConfig(grid, new Index3D(GemmTf32Device.Threads, 1, 1));
        Launcher.Device(device, GemmTf32Device.Warp16x8, config, Args(p, a, b, c, bias, GemmTf32Device.TileK), GemmCost.Of(p));
    }

    private static GemmArgs Args(in GemmProblem p, Tensor a, Tensor b, Tensor c, Tensor? bias, int tileK) => new()
    {
        A = a.View(), B = b.View(), C = c.View(),
        Bias = (bias ?? c).View(), HasBias = bias is null ? 0 : 1, // an unused bias still needs a valid view
        Relu = p.Relu ? 1 : 0,
        M = p.M, N = p.N, K = p.K, Lda = p.Lda, Ldb = p.Ldb, Ldc = p.Ldc,
        TransA = p.TransA ? 1 : 0, TransB = p.TransB ? 1 : 0,
        Alpha = p.Alpha, Beta = p.Beta,
        StrideA = p.StrideA, StrideB = p.StrideB, StrideC = p.StrideC,
        TileK = tileK,
        VectorA = !p.TransA && p.K % 4 == 0 && p.Lda % 4 == 0 && p.StrideA % 4 == 0 && a.Offset % 4 == 0 ? 1 : 0,
        VectorB = !p.TransB && p.N % 4 == 0 && p.Ldb % 4 == 0 && p.StrideB % 4 == 0 && b.Offset % 4 == 0 ? 1 : 0,
    };
}
