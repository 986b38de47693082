using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GpuGen.Backends.Host;

/// <summary>The cpu device's kernels: host (SIMD C#) kernels from GpuGen.Kernels.</summary>
internal sealed class HostBackend : IBackend
{
    public IBlas1Kernels Blas1 { get; } = new HostBlas1();
    public IGemmKernels Gemm { get; } = new HostGemm();
    public IElementwiseKernels Elementwise { get; } = new HostElementwise();
    public IReduceKernels Reduce { get; } = new HostReduce();
    public IRandomKernels Random { get; } = new HostRandom();
    public IOptimKernels Optim { get; } = new HostOptim();
    public IConvKernels Conv { get; } = new HostConv();
    public IReparameterizeKernels Reparameterize { get; } = new HostReparameterize();
    public ILayoutKernels Layout { get; } = new HostLayout();
    public IPenaltyKernels Penalty { get; } = new HostPenalty();
    public IDiffusionKernels Diffusion { get; } = new HostDiffusion();
    public IBayesianFlowKernels BayesianFlow { get; } = new HostBayesianFlow();
    public INormKernels Norm { get; } = new HostNorm();
    public IAugmentKernels Augment { get; } = new HostAugment();
}

internal static class HostTensorAccess
{
    /// <summary>The tensor's elements as a segment of its storage's array.</summary>
    public static ArraySegment<float> Segment(this Tensor t) => new(((HostStorage)t.Storage).Array, t.Offset, t.Length);

    /// <summary>Address of the tensor's first element. Host storage is a pinned array, so the
    /// address is stable for as long as the tensor is alive.</summary>
    public static unsafe nint Pointer(this Tensor t) =>
        (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(((HostStorage)t.Storage).Array)) + (nint)t.Offset * sizeof(float);
}
