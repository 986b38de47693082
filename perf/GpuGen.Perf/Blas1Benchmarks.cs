using BenchmarkDotNet.Attributes;
using GpuGen.Launch;

namespace GpuGen.Perf;

/// <summary>
/// The level-1 family on the cpu device at 16M floats (memory bound: GB/s against the
/// machine's streaming bandwidth), and the cost of one tiny op (the launch overhead).
/// </summary>
public class Blas1Benchmarks : IDeclaresWork
{
    [Params(16 * 1024 * 1024)]
    public int N { get; set; }

    private Tensor _x = null!, _y = null!, _tiny = null!;
    private float[] _hx = [], _hy = [];

    [GlobalSetup]
    public void Setup()
    {
        var cpu = Devices.Get("cpu");
        _x = Tensor.Full(Shape.Of(N), 0.5f, cpu);
        _y = Tensor.Full(Shape.Of(N), 0.25f, cpu);
        _tiny = Tensor.Ones(Shape.Of(16), cpu);
        _hx = _x.ToArray();
        _hy = _y.ToArray();
        OpenBlas.EnsureLoaded();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _y.Dispose();
        _tiny.Dispose();
    }

    [Benchmark] public void Fill() => Ops.Fill(_y, 1f);
    [Benchmark] public void Copy() => Ops.Copy(_x, _y);
    [Benchmark] public void Scale() => Ops.Scale(_y, 1.0000001f);
    [Benchmark] public void Axpy() => Ops.Axpy(1e-7f, _x, _y);

    /// <summary>The reference: OpenBLAS's saxpy on the same buffers.</summary>
    [Benchmark]
    public unsafe void OpenBlasAxpy()
    {
        fixed (float* x = _hx, y = _hy) OpenBlas.Saxpy(N, 1e-7f, x, 1, y, 1);
    }

    /// <summary>One op on 16 floats: what a launch costs when there is no work.</summary>
    [Benchmark] public void TinyScale() => Ops.Scale(_tiny, 1.0000001f);

    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters)
    {
        long n = method == nameof(TinyScale) ? 16 : Convert.ToInt64(parameters[nameof(N)]);
        var cost = method switch
        {
            nameof(Fill) => KernelCost.Streaming(n, 0, 1),
            nameof(Copy) => KernelCost.Streaming(n, 1, 1),
            nameof(Scale) or nameof(TinyScale) => KernelCost.Streaming(n, 1, 1, 1),
            nameof(Axpy) or nameof(OpenBlasAxpy) => KernelCost.Streaming(n, 2, 1, 2),
            _ => default,
        };
        return (cost.Flops, cost.Bytes);
    }
}
