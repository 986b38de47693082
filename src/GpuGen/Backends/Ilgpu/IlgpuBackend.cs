using ILGPU;

namespace GpuGen.Backends.Ilgpu;

/// <summary>The kernels of an ILGPU device (CUDA, OpenCL, ilgpu-cpu): device kernels from GpuGen.Kernels.</summary>
internal sealed class IlgpuBackend(IlgpuDevice device) : IBackend
{
    public IBlas1Kernels Blas1 { get; } = new IlgpuBlas1(device);
    public IGemmKernels Gemm { get; } = new IlgpuGemm(device);
    public IElementwiseKernels Elementwise { get; } = new IlgpuElementwise(device);
    public IReduceKernels Reduce { get; } = new IlgpuReduce(device);
    public IRandomKernels Random { get; } = new IlgpuRandom(device);
    public IOptimKernels Optim { get; } = new IlgpuOptim(device);
    public IConvKernels Conv { get; } = new IlgpuConv(device);
    public IReparameterizeKernels Reparameterize { get; } = new IlgpuReparameterize(device);
    public ILayoutKernels Layout { get; } = new IlgpuLayout(device);
    public IPenaltyKernels Penalty { get; } = new IlgpuPenalty(device);
    public IDiffusionKernels Diffusion { get; } = new IlgpuDiffusion(device);
    public IAugmentKernels Augment { get; } = new IlgpuAugment(device);
    public IBayesianFlowKernels BayesianFlow { get; } = new IlgpuBayesianFlow(device);
    public INormKernels Norm { get; } = new IlgpuNorm(device);
}

internal static class IlgpuTensorAccess
{
    /// <summary>The tensor's elements as a view a device kernel can take.</summary>
    public static ArrayView<float> View(this Tensor t) => ((IlgpuStorage)t.Storage).View(t.Offset, t.Length);
}
