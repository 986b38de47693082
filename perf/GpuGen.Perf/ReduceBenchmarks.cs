using BenchmarkDotNet.Attributes;
using GpuGen.Launch;
using MathNet.Numerics.LinearAlgebra;

namespace GpuGen.Perf;

/// <summary>
/// Reductions on the cpu device over 16M floats, beside OpenBLAS (snrm2) and MathNet
/// (Vector.L2Norm, Vector.Sum) for the reductions they have.
/// </summary>
public class ReduceBenchmarks : IDeclaresWork
{
    private const int Rows = 4096, Cols = 4096, N = Rows * Cols;
    private Tensor _x = null!, _flat = null!;
    private float[] _h = [];
    private Vector<float> _v = null!;

    [GlobalSetup]
    public void Setup()
    {
        var cpu = Devices.Get("cpu");
        _x = Ops.Uniform(Shape.Of(Rows, Cols), new Generator(2), cpu, -3, 3);
        _flat = _x.Reshape(N);
        _h = _x.ToArray();
        _v = Vector<float>.Build.DenseOfArray(_h);
        MathNet.Numerics.Control.UseManaged();
        OpenBlas.EnsureLoaded();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _flat.Dispose();
        _x.Dispose();
    }

    [Benchmark] public void SumAll() => Ops.Sum(_flat).Dispose();
    [Benchmark] public void MaxAll() => Ops.Max(_flat).Dispose();
    [Benchmark] public void NormAll() => Ops.Norm(_flat).Dispose();
    [Benchmark] public void VarianceAll() => Ops.Variance(_flat).Dispose();
    [Benchmark] public void SumOverRows() => Ops.Sum(_x, 0).Dispose();
    [Benchmark] public void SumOverColumns() => Ops.Sum(_x, 1).Dispose();
    [Benchmark] public void SoftmaxRows() => Ops.Softmax(_x, -1).Dispose();

    [Benchmark] public unsafe float OpenBlasNorm() { fixed (float* p = _h) return OpenBlas.Snrm2(N, p, 1); }
    [Benchmark] public float MathNetNorm() => (float)_v.L2Norm();
    [Benchmark] public float MathNetSum() => _v.Sum();

    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters)
    {
        // Bytes actually streamed: variance and softmax read the input twice (and softmax writes it)
        var cost = method switch
        {
            nameof(VarianceAll) => KernelCost.Streaming(N, 2, 0, 2),
            nameof(SoftmaxRows) => KernelCost.Streaming(N, 3, 1, 4),
            _ => KernelCost.Streaming(N, 1, 0, 1),
        };
        return (cost.Flops, cost.Bytes);
    }
}
