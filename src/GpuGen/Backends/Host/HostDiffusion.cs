using GpuGen.Kernels.Diffusion;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostDiffusion : IDiffusionKernels
{
    // a normal draw costs about as much as 8 streamed floats (Box–Muller after a Philox block)
    public void ForwardNoise(Tensor x0, Tensor timesteps, Tensor sqrtAlphaBar, Tensor sqrtOneMinusAlphaBar, Tensor xt, Tensor noise, int rowLength, ulong seed, ulong offset) =>
        Launcher.Host(xt.Device, "DiffusionKernels.ForwardNoiseHost", xt.Length, KernelCost.Streaming(xt.Length, 1, 2, 3),
            (x0: x0.Segment(), t: timesteps.Segment(), a: sqrtAlphaBar.Segment(), s: sqrtOneMinusAlphaBar.Segment(), xt: xt.Segment(), e: noise.Segment(), rowLength, seed, offset),
            static s => DiffusionKernels.ForwardNoiseHost(s.x0, s.t, s.a, s.s, s.xt, s.e, s.rowLength, s.seed, s.offset));

    public void ReverseStep(Tensor xt, Tensor predictedNoise, Tensor result, in ReverseStepCoefficients c, ulong seed, ulong offset) =>
        Launcher.Host(result.Device, "DiffusionKernels.ReverseStepHost", result.Length, KernelCost.Streaming(result.Length, 2, 1, 8),
            (x: xt.Segment(), e: predictedNoise.Segment(), y: result.Segment(), c, seed, offset),
            static s => DiffusionKernels.ReverseStepHost(s.x, s.e, s.y, s.c, s.seed, s.offset));
}
