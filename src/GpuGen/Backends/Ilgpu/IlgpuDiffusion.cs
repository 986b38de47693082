using GpuGen.Kernels.Diffusion;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuDiffusion(IlgpuDevice device) : IDiffusionKernels
{
    public void ForwardNoise(Tensor x0, Tensor timesteps, Tensor sqrtAlphaBar, Tensor sqrtOneMinusAlphaBar, Tensor xt, Tensor noise, int rowLength, ulong seed, ulong offset) =>
        Launcher.Device(device, DiffusionKernels.ForwardNoiseDevice, xt.Length,
            new ForwardNoiseArgs
            {
                X0 = x0.View(), Timesteps = timesteps.View(), SqrtAlphaBar = sqrtAlphaBar.View(), SqrtOneMinusAlphaBar = sqrtOneMinusAlphaBar.View(),
                Xt = xt.View(), Noise = noise.View(), RowLength = rowLength, Seed = seed, Offset = offset,
            },
            KernelCost.Streaming(xt.Length, 1, 2, 3));

    public void ReverseStep(Tensor xt, Tensor predictedNoise, Tensor result, in ReverseStepCoefficients c, ulong seed, ulong offset) =>
        Launcher.Device(device, DiffusionKernels.ReverseStepDevice, result.Length,
            new ReverseStepArgs { Xt = xt.View(), PredictedNoise = predictedNoise.View(), Result = result.View(), C = c, Seed = seed, Offset = offset },
            KernelCost.Streaming(result.Length, 2, 1, 8));
}
