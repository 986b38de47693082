using BenchmarkDotNet.Attributes;
using GpuGen.Launch;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace GpuGen.Perf;

/// <summary>
/// Elementwise ops on the cpu device over 16M floats (64 MiB per operand), each producing a new
/// tensor (reused from the caching allocator), beside MathNet's managed provider for the add.
/// GB/s counts each operand read once and the result written once.
/// </summary>
public class ElementwiseBenchmarks : IDeclaresWork
{
    private const int Rows = 4096, Cols = 4096, N = Rows * Cols;
    private Tensor _a = null!, _b = null!, _row = null!;
    private float[] _ha = [], _hb = [], _hr = [];

    [GlobalSetup]
    public void Setup()
    {
        var cpu = Devices.Get("cpu");
        var g = new Generator(1);
        _a = Ops.Uniform(Shape.Of(Rows, Cols), g, cpu, -3, 3);
        _b = Ops.Uniform(Shape.Of(Rows, Cols), g, cpu, -3, 3);
        _row = Ops.Uniform(Shape.Of(Cols), g, cpu, -3, 3);
        _ha = _a.ToArray();
        _hb = _b.ToArray();
        _hr = new float[N];
        MathNet.Numerics.Control.UseManaged();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
        _row.Dispose();
    }

    [Benchmark] public void Add() => Ops.Add(_a, _b).Dispose();
    [Benchmark] public void AddRowBroadcast() => Ops.Add(_a, _row).Dispose();
    [Benchmark] public void MulScalar() => Ops.Mul(_a, 1.5f).Dispose();
    [Benchmark] public void Relu() => Ops.Relu(_a).Dispose();
    [Benchmark] public void Exp() => Ops.Exp(_a).Dispose();
    [Benchmark] public void Sigmoid() => Ops.Sigmoid(_a).Dispose();
    [Benchmark] public void Softplus() => Ops.Softplus(_a).Dispose();
    [Benchmark] public void Tanh() => Ops.Tanh(_a).Dispose();
    [Benchmark] public void Gelu() => Ops.Gelu(_a).Dispose();

    /// <summary>The reference: MathNet's managed provider adding the same arrays.</summary>
    [Benchmark] public void MathNetAdd() => LinearAlgebraControl.Provider.AddArrays(_ha, _hb, _hr);

    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters)
    {
        int reads = method is nameof(Add) or nameof(MathNetAdd) ? 2 : 1; // the broadcast row is 16 KiB: negligible
        var cost = KernelCost.Streaming(N, reads, 1, 1);
        return (cost.Flops, cost.Bytes);
    }
}
