using GpuGen.Kernels.Norm;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuNorm(IlgpuDevice device) : INormKernels
{
    public void Moments(Tensor x, Tensor mean, Tensor variance, Tensor invStd, int batch, int channels, int positions, float eps) =>
        Launcher.Device(device, BatchNormKernels.MomentsDevice, channels,
            new BatchNormArgs { X = x.View(), Gamma = x.View(), Beta = x.View(), Mean = mean.View(), Variance = variance.View(), InvStd = invStd.View(), Y = x.View(),
                Batch = batch, Channels = channels, Positions = positions, Eps = eps },
            KernelCost.Streaming(x.Length, 2, 0, 4));

    public void Normalize(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor invStd, Tensor y, int batch, int channels, int positions) =>
        Launcher.Device(device, BatchNormKernels.NormalizeDevice, y.Length,
            new BatchNormArgs { X = x.View(), Gamma = gamma.View(), Beta = beta.View(), Mean = mean.View(), Variance = mean.View(), InvStd = invStd.View(), Y = y.View(),
                Batch = batch, Channels = channels, Positions = positions },
            KernelCost.Streaming(x.Length, 1, 1, 2));

    public void Sums(Tensor x, Tensor upstream, Tensor mean, Tensor invStd, Tensor sumU, Tensor sumUXhat, int batch, int channels, int positions) =>
        Launcher.Device(device, BatchNormKernels.SumsDevice, channels,
            new BatchNormBackwardArgs { X = x.View(), Upstream = upstream.View(), Gamma = mean.View(), Mean = mean.View(), InvStd = invStd.View(),
                SumUpstream = sumU.View(), SumUpstreamXhat = sumUXhat.View(), Result = x.View(), Batch = batch, Channels = channels, Positions = positions },
            KernelCost.Streaming(x.Length, 2, 0, 4));

    public void InputGradient(Tensor x, Tensor upstream, Tensor gamma, Tensor mean, Tensor invStd, Tensor sumU, Tensor sumUXhat, Tensor result, int batch, int channels, int positions) =>
        Launcher.Device(device, BatchNormKernels.InputGradientDevice, result.Length,
            new BatchNormBackwardArgs { X = x.View(), Upstream = upstream.View(), Gamma = gamma.View(), Mean = mean.View(), InvStd = invStd.View(),
                SumUpstream = sumU.View(), SumUpstreamXhat = sumUXhat.View(), Result = result.View(), Batch = batch, Channels = channels, Positions = positions },
            KernelCost.Streaming(x.Length, 2, 1, 4));
}
