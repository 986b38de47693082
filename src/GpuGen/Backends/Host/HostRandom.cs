using GpuGen.Kernels.Random;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostRandom : IRandomKernels
{
    public void Sample<TDist>(TDist distribution, Tensor y, ulong seed, ulong offset) where TDist : struct, IDistribution =>
        Launcher.Host(y.Device, HostKernelName.Of<TDist>("RandomHost.Sample"), y.Length, ElementwiseCost.Of(y),
            (distribution, y: y.Segment(), seed, offset), static s => RandomHost.Sample(s.distribution, s.y, s.seed, s.offset));

    public void Bernoulli(Tensor probability, Tensor y, ulong seed, ulong offset) =>
        Launcher.Host(y.Device, "RandomHost.Bernoulli", y.Length, ElementwiseCost.Of(y, probability),
            (p: probability.Segment(), y: y.Segment(), seed, offset), static s => RandomHost.Bernoulli(s.p, s.y, s.seed, s.offset));

    public void Categorical(Tensor weights, Tensor y, int classes, ulong seed, ulong offset) =>
        Launcher.Host(y.Device, "RandomHost.Categorical", y.Length, ElementwiseCost.Of(y, weights),
            (w: weights.Segment(), y: y.Segment(), classes, seed, offset),
            static s => RandomHost.Categorical(s.w, s.y, s.classes, s.seed, s.offset));
}
