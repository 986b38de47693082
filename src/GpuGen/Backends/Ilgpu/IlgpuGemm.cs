using GpuGen.Kernels.Gemm;
using GpuGen.Launch;
using ILGPU;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuGemm(IlgpuDevice device) : IGemmKernels
{
    private readonly int _multiprocessors = Math.Max(1, device.Accelerator.NumMultiprocessors);

    private readonly bool _tensorCores = HasTf32TensorCores(device);

    /// <summary>Whether the device runs <see cref="GemmTf32Device"/>: CUDA, sm_80 or later (mma.m16n8k8 with .tf32).</summary>
    public static bool HasTf32TensorCores(IlgpuDevice device) =>
        device.Accelerator is ILGPU.Runtime.Cuda.CudaAccelerator cuda && cuda.Architecture is { } arch && arch.Major >= 8;

    /// <summary>The plan this device chooses for the problem (<see cref="GemmPlan.For"/>).</summary>
    public GemmPlan OwnPlanFor(in GemmProblem p) => GemmPlan.For(p.M, p.N, p.K, p.Batch, device.Info.MaxGroupSize, _multiprocessors);

    /// <summary>The plan <see cref="Gemm"/> follows: the forced one where its group fits the device, else its own.</summary>
    public GemmPlan PlanFor(in GemmProblem p) =>
        GemmPlan.Forced is { } forced && forced.GroupX * forced.GroupY <= device.Info.MaxGroupSize ? forced : OwnPlanFor(p);

    public void Gemm(in GemmProblem p, Tensor a, Tensor b, Tensor c, Tensor? bias)
    {
        if ((long)p.M * p.N * p.Batch == 0) return; // no C to write (K = 0 still runs: C = β·C + bias)
        if (_tensorCores && MatMulPrecision.AllowTf32 && GemmPlan.Forced is null) // a forced plan is FP32 (GemmPlans)
        {
            GemmTf32(p, a, b, c, bias);
            return;
        }
        var plan = PlanFor(p);
        if (plan.Splits > 1)
        {
            GemmSplitK(p, plan, a, b, c, bias);
            return;
        }
        Launch(p, plan, Args(p, a, b, c, bias, plan.TileK), p.Batch);
    }

    /// <summary>Launches the plan's kernel over a grid of tiles of C, <paramref name="matrices"/> deep.</summary>
    private void Launch(in GemmProblem p, GemmPlan plan, GemmArgs args, int matrices)
    {
        var (rows, columns) = plan.Tile;
        var grid = new Index3D((p.N + columns - 1) / columns, (p.M + rows - 1) / rows, matrices);
        var config = new KernelConfig(grid, new Index3D(plan.GroupX, plan.GroupY, 1));
        if (plan.Kernel == GemmKernel.WarpTiled) Launcher.Device(device, GemmWarpTiledDevice.Tiled, config, args, GemmCost.Of(p));
        else Launcher.Device(device, GemmDevice.Tiled, config, args, GemmCost.Of(p));
    }

    /// <summary>
    /// Split K (<see cref="GemmSplit"/>): the plan's kernel writes each range's partial product to a workspace of
    /// Batch·Splits matrices M × N, then <see cref="GemmSplit.Reduce"/> adds them in order into C with the epilogue.
    /// The workspace comes from the device's block cache, so a warm training step allocates nothing new.
    /// </summary>
    private void GemmSplitK(in GemmProblem p, GemmPlan plan, Tensor a, Tensor b, Tensor c, Tensor? bias)
    {
        using var partials = Tensor.Empty(Shape.Of(p.Batch * plan.Splits, p.M, p.N), device);
        var args = Args(p, a, b, partials, null, plan.TileK) with
        {
            Alpha = 1f, Beta = 0f, Relu = 0, Ldc = p.N, StrideC = (long)p.M * p.N,
            KSplit = plan.Splits, KChunk = plan.ChunkFor(p.K),
        };
        Launch(p, plan, args, p.Batch * plan.Splits);
        var reduce = new GemmReduceArgs
        {
            Partials = partials.View(), C = c.View(), Bias = (bias ?? c).View(), HasBias = bias is null ? 0 : 1,
            M = p.M, N = p.N, Ldc = p.Ldc, StrideC = p.StrideC, Splits = plan.Splits,
            Alpha = p.Alpha, Beta = p.Beta, Relu = p.Relu ? 1 : 0,
        };
        long outputs = (long)p.Batch * p.M * p.N;
        Launcher.Device(device, GemmSplit.Reduce, checked((int)outputs), reduce,
            new KernelCost(outputs * (plan.Splits - 1), outputs * (plan.Splits + (p.Beta != 0 ? 2 : 1)) * sizeof(float)));
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
        TileK = tileK, KSplit = 1, KChunk = p.K,
        // float4 loads along each operand's contiguous axis: its length, leading dimension, batch stride and start all multiples of 4
        VectorA = (p.TransA ? p.M : p.K) % 4 == 0 && p.Lda % 4 == 0 && p.StrideA % 4 == 0 && a.Offset % 4 == 0 ? 1 : 0,
        VectorB = (p.TransB ? p.K : p.N) % 4 == 0 && p.Ldb % 4 == 0 && p.StrideB % 4 == 0 && b.Offset % 4 == 0 ? 1 : 0,
    };
}
