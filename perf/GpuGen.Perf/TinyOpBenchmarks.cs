using BenchmarkDotNet.Attributes;

namespace GpuGen.Perf;

/// <summary>
/// The fixed cost of one op on the cpu device: 16-element operands, so the time is checks,
/// the broadcast plan, the allocator and the launch path, not arithmetic (target: under 5 µs).
/// </summary>
public class TinyOpBenchmarks
{
    private Tensor _a = null!, _b = null!, _m = null!;

    [GlobalSetup]
    public void Setup()
    {
        var cpu = Devices.Get("cpu");
        _a = Tensor.Full(Shape.Of(16), 0.5f, cpu);
        _b = Tensor.Full(Shape.Of(16), 0.25f, cpu);
        _m = Tensor.Full(Shape.Of(4, 4), 0.1f, cpu);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
        _m.Dispose();
    }

    [Benchmark] public void ScaleInPlace() => Ops.Scale(_a, 1.0000001f);
    [Benchmark] public void Add() => Ops.Add(_a, _b).Dispose();
    [Benchmark] public void Relu() => Ops.Relu(_a).Dispose();
    [Benchmark] public void Sum() => Ops.Sum(_a).Dispose();
    [Benchmark] public void MatMul4x4() => Ops.MatMul(_m, _m).Dispose();
}
