using BenchmarkDotNet.Attributes;
using GpuGen.Launch;

namespace GpuGen.Perf;

/// <summary>Philox draws of 16M floats on the cpu device (one 10-round block per element).</summary>
public class RandomBenchmarks : IDeclaresWork
{
    private const int N = 16 * 1024 * 1024;
    private readonly Generator _g = new(3);
    private Tensor _p = null!;

    [GlobalSetup]
    public void Setup() => _p = Tensor.Full(Shape.Of(N), 0.3f, Devices.Get("cpu"));

    [GlobalCleanup]
    public void Cleanup() => _p.Dispose();

    [Benchmark] public void Uniform() => Ops.Uniform(Shape.Of(N), _g, _p.Device).Dispose();
    [Benchmark] public void Normal() => Ops.Normal(Shape.Of(N), _g, _p.Device).Dispose();
    [Benchmark] public void Bernoulli() => Ops.Bernoulli(_p, _g).Dispose();

    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters)
    {
        var cost = KernelCost.Streaming(N, method == nameof(Bernoulli) ? 1 : 0, 1);
        return (0, cost.Bytes);
    }
}
