using GpuGen.Kernels.Norm;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostNorm : INormKernels
{
    public void Moments(Tensor x, Tensor mean, Tensor variance, Tensor invStd, int batch, int channels, int positions, float eps) =>
        Launcher.Host(x.Device, "BatchNormKernels.MomentsHost", x.Length, KernelCost.Streaming(x.Length, 2, 0, 4),
            (x: x.Segment(), m: mean.Segment(), v: variance.Segment(), r: invStd.Segment(), batch, channels, positions, eps),
            static s => BatchNormKernels.MomentsHost(s.x, s.m, s.v, s.r, s.batch, s.channels, s.positions, s.eps));

    public void Normalize(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor invStd, Tensor y, int batch, int channels, int positions) =>
        Launcher.Host(x.Device, "BatchNormKernels.NormalizeHost", x.Length, KernelCost.Streaming(x.Length, 1, 1, 2),
            (x: x.Segment(), g: gamma.Segment(), b: beta.Segment(), m: mean.Segment(), r: invStd.Segment(), y: y.Segment(), channels, positions),
            static s => BatchNormKernels.NormalizeHost(s.x, s.g, s.b, s.m, s.r, s.y, s.channels, s.positions));

    public void Sums(Tensor x, Tensor upstream, Tensor mean, Tensor invStd, Tensor sumU, Tensor sumUXhat, int batch, int channels, int positions) =>
        Launcher.Host(x.Device, "BatchNormKernels.SumsHost", x.Length, KernelCost.Streaming(x.Length, 2, 0, 4),
            (x: x.Segment(), u: upstream.Segment(), m: mean.Segment(), r: invStd.Segment(), su: sumU.Segment(), sux: sumUXhat.Segment(), batch, channels, positions),
            static s => BatchNormKernels.SumsHost(s.x, s.u, s.m, s.r, s.su, s.sux, s.batch, s.channels, s.positions));

    public void InputGradient(Tensor x, Tensor upstream, Tensor gamma, Tensor mean, Tensor invStd, Tensor sumU, Tensor sumUXhat, Tensor result, int batch, int channels, int positions) =>
        Launcher.Host(x.Device, "BatchNormKernels.InputGradientHost", x.Length, KernelCost.Streaming(x.Length, 2, 1, 4),
            (x: x.Segment(), u: upstream.Segment(), g: gamma.Segment(), m: mean.Segment(), r: invStd.Segment(), su: sumU.Segment(), sux: sumUXhat.Segment(), y: result.Segment(), batch, channels, positions),
            static s => BatchNormKernels.InputGradientHost(s.x, s.u, s.g, s.m, s.r, s.su, s.sux, s.y, s.batch, s.channels, s.positions));
}
