using GpuGen.Kernels.Gemm;
using GpuGen.Launch;

namespace GpuGen.Backends;

/// <summary>The declared cost of a GEMM: its FLOPs, and each operand moved once (C twice when β ≠ 0).</summary>
internal static class GemmCost
{
    public static KernelCost Of(in GemmProblem p)
    {
        double elements = ((double)p.M * p.K + (double)p.K * p.N + (double)p.M * p.N * (p.Beta != 0 ? 2 : 1)) * p.Batch;
        return new KernelCost(p.Flops, elements * sizeof(float));
    }
}
