using BenchmarkDotNet.Attributes;
using GpuGen.Kernels.Gemm;
using MathNet.Numerics.LinearAlgebra;

namespace GpuGen.Perf;

/// <summary>
/// C = A·B (or x·Wᵀ for the MLP layer) on the cpu device, beside OpenBLAS 0.3.21 and MathNet's
/// managed provider on the same data. "batched" is 16 products of 128 × 128 × 128 (OpenBLAS and
/// MathNet loop over them).
/// </summary>
public class GemmBenchmarks : IDeclaresWork
{
    [Params("mlp 100x400x784", "256", "512", "1024", "batched 16x128")]
    public string Size { get; set; } = "";

    [Params("gpugen", "openblas", "mathnet")]
    public string Impl { get; set; } = "";

    private Tensor _a = null!, _b = null!, _c = null!;
    private float[] _ha = [], _hb = [], _hc = [];
    private Matrix<float>[] _ma = [], _mb = [], _mc = [];

    private static (int M, int N, int K, int Batch, bool TransB) Dims(string size) => size switch
    {
        "mlp 100x400x784" => (100, 400, 784, 1, true), // y = x·Wᵀ, x [100, 784], W [400, 784]
        "batched 16x128" => (128, 128, 128, 16, false),
        _ => (int.Parse(size), int.Parse(size), int.Parse(size), 1, false),
    };

    [GlobalSetup]
    public void Setup()
    {
        var (m, n, k, batch, transB) = Dims(Size);
        var rng = new Random(1);
        float[] Fill(int count) => Enumerable.Range(0, count).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _ha = Fill(batch * m * k);
        _hb = Fill(batch * k * n);
        _hc = new float[batch * m * n];
        var cpu = Devices.Get("cpu");
        _a = Tensor.FromArray(_ha, batch == 1 ? Shape.Of(m, k) : Shape.Of(batch, m, k), cpu);
        _b = Tensor.FromArray(_hb, batch == 1 ? (transB ? Shape.Of(n, k) : Shape.Of(k, n)) : Shape.Of(batch, k, n), cpu);
        _c = Tensor.Zeros(batch == 1 ? Shape.Of(m, n) : Shape.Of(batch, m, n), cpu);
        if (Impl == "openblas") OpenBlas.EnsureLoaded();
        if (Impl == "mathnet")
        {
            MathNet.Numerics.Control.UseManaged();
            _ma = Enumerable.Range(0, batch).Select(i => Matrix<float>.Build.Dense(m, k, (r, c) => _ha[i * m * k + r * k + c])).ToArray();
            _mb = Enumerable.Range(0, batch).Select(i => transB
                ? Matrix<float>.Build.Dense(n, k, (r, c) => _hb[i * k * n + r * k + c])
                : Matrix<float>.Build.Dense(k, n, (r, c) => _hb[i * k * n + r * n + c])).ToArray();
            _mc = Enumerable.Range(0, batch).Select(_ => Matrix<float>.Build.Dense(m, n)).ToArray();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
        _c.Dispose();
    }

    [Benchmark]
    public unsafe void Gemm()
    {
        var (m, n, k, batch, transB) = Dims(Size);
        switch (Impl)
        {
            case "gpugen":
                Ops.Gemm(_a, _b, _c, transB: transB);
                break;
            case "openblas":
                fixed (float* a = _ha, b = _hb, c = _hc)
                    for (int i = 0; i < batch; i++)
                        OpenBlas.Sgemm(OpenBlas.RowMajor, OpenBlas.NoTrans, transB ? OpenBlas.Trans : OpenBlas.NoTrans, m, n, k,
                            1f, a + i * m * k, k, b + i * k * n, transB ? k : n, 0f, c + i * m * n, n);
                break;
            default:
                for (int i = 0; i < batch; i++)
                {
                    if (transB) _ma[i].TransposeAndMultiply(_mb[i], _mc[i]);
                    else _ma[i].Multiply(_mb[i], _mc[i]);
                }
                break;
        }
    }

    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters)
    {
        var (m, n, k, batch, _) = Dims((string)parameters[nameof(Size)]);
        return (2.0 * m * n * k * batch, 4.0 * batch * ((double)m * k + (double)k * n + (double)m * n));
    }
}
