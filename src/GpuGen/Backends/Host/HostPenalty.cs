using GpuGen.Kernels.Penalty;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostPenalty : IPenaltyKernels
{
    public void Mix(Tensor real, Tensor fake, Tensor mixed, int rowLength, ulong seed, ulong offset) =>
        Launcher.Host(mixed.Device, "GradientPenaltyKernels.MixHost", mixed.Length, KernelCost.Streaming(mixed.Length, 2, 1, 3),
            (x: real.Segment(), f: fake.Segment(), y: mixed.Segment(), rowLength, seed, offset),
            static s => GradientPenaltyKernels.MixHost(s.x, s.f, s.y, s.rowLength, s.seed, s.offset));

    public void Rows(Tensor gradient, Tensor norms, Tensor penalty, int rows, int rowLength, float lambda) =>
        Launcher.Host(penalty.Device, "GradientPenaltyKernels.RowsHost", gradient.Length, KernelCost.Streaming(gradient.Length, 1, 0, 2),
            (g: gradient.Segment(), n: norms.Segment(), p: penalty.Segment(), rows, rowLength, lambda),
            static s => GradientPenaltyKernels.RowsHost(s.g, s.n, s.p, s.rows, s.rowLength, s.lambda));

    public void Backward(Tensor gradient, Tensor norms, Tensor upstream, Tensor result, int rowLength, float scale) =>
        Launcher.Host(result.Device, "GradientPenaltyKernels.BackwardHost", result.Length, KernelCost.Streaming(result.Length, 1, 1, 2),
            (g: gradient.Segment(), n: norms.Segment(), u: upstream.Segment(), y: result.Segment(), rowLength, scale),
            static s => GradientPenaltyKernels.BackwardHost(s.g, s.n, s.u[0], s.y, s.rowLength, s.scale));
}
