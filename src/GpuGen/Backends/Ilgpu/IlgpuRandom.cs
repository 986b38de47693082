using GpuGen.Kernels.Random;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuRandom(IlgpuDevice device) : IRandomKernels
{
    public void Sample<TDist>(TDist distribution, Tensor y, ulong seed, ulong offset) where TDist : struct, IDistribution =>
        Launcher.Device(device, RandomDevice.Sample, y.Length,
            new SampleArgs<TDist> { Y = y.View(), Distribution = distribution, Seed = seed, Offset = offset }, ElementwiseCost.Of(y));

    public void Bernoulli(Tensor probability, Tensor y, ulong seed, ulong offset) =>
        Launcher.Device(device, RandomDevice.Bernoulli, y.Length,
            new BernoulliArgs { Probability = probability.View(), Y = y.View(), Seed = seed, Offset = offset }, ElementwiseCost.Of(y, probability));

    public void Categorical(Tensor weights, Tensor y, int classes, ulong seed, ulong offset) =>
        Launcher.Device(device, RandomDevice.Categorical, y.Length,
            new CategoricalArgs { Weights = weights.View(), Y = y.View(), Classes = classes, Seed = seed, Offset = offset },
            ElementwiseCost.Of(y, weights));
}
