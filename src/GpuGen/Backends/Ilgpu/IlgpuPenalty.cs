using GpuGen.Kernels.Penalty;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuPenalty(IlgpuDevice device) : IPenaltyKernels
{
    public void Mix(Tensor real, Tensor fake, Tensor mixed, int rowLength, ulong seed, ulong offset) =>
        Launcher.Device(device, GradientPenaltyKernels.MixDevice, mixed.Length,
            new PenaltyMixArgs { Real = real.View(), Fake = fake.View(), Mixed = mixed.View(), RowLength = rowLength, Seed = seed, Offset = offset },
            KernelCost.Streaming(mixed.Length, 2, 1, 3));

    public void Rows(Tensor gradient, Tensor norms, Tensor penalty, int rows, int rowLength, float lambda)
    {
        var args = new PenaltyRowsArgs { Gradient = gradient.View(), Norms = norms.View(), Penalty = penalty.View(), Rows = rows, RowLength = rowLength, Lambda = lambda };
        Launcher.Device(device, GradientPenaltyKernels.NormsDevice, rows, args, KernelCost.Streaming(gradient.Length, 1, 0, 2));
        Launcher.Device(device, GradientPenaltyKernels.SumDevice, 1, args, KernelCost.Streaming(rows, 1, 0, 3));
    }

    public void Backward(Tensor gradient, Tensor norms, Tensor upstream, Tensor result, int rowLength, float scale) =>
        Launcher.Device(device, GradientPenaltyKernels.BackwardDevice, result.Length,
            new PenaltyBackwardArgs { Gradient = gradient.View(), Norms = norms.View(), Upstream = upstream.View(), Result = result.View(), RowLength = rowLength, Scale = scale },
            KernelCost.Streaming(result.Length, 1, 1, 2));
}
