using BenchmarkDotNet.Attributes;

namespace GpuGen.Perf;

/// <summary>
/// conv2d at batch 100 on the cpu device, 3×3, padding 1: the first layer of an MNIST network
/// (1 → 32 channels, 28×28) and a middle one (32 → 64, 14×14). Forward alone, and forward plus
/// backward (for the middle layer its input requires grad too, as inside a network).
/// </summary>
public class ConvBenchmarks : IDeclaresWork
{
    [Params("1->32 28x28", "32->64 14x14")]
    public string Layer { get; set; } = "";

    private Tensor _x = null!, _w = null!, _b = null!;

    private static (int C, int O, int S) Dims(string layer) => layer == "1->32 28x28" ? (1, 32, 28) : (32, 64, 14);

    [GlobalSetup]
    public void Setup()
    {
        var cpu = Devices.Get("cpu");
        var (c, o, s) = Dims(Layer);
        var g = new Generator(1);
        _x = Ops.Uniform(Shape.Of(100, c, s, s), g, cpu, -1, 1);
        _x.RequiresGrad = c > 1;
        _w = Ops.Uniform(Shape.Of(o, c, 3, 3), g, cpu, -0.3f, 0.3f);
        _w.RequiresGrad = true;
        _b = Tensor.Zeros(Shape.Of(o), cpu);
        _b.RequiresGrad = true;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w, _b }) { t.ClearGrad(); t.Dispose(); }
    }

    [Benchmark]
    public void Forward()
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        Ops.Conv2d(_x, _w, _b, padding: 1);
    }

    [Benchmark]
    public void ForwardBackward()
    {
        using var scope = new TensorScope();
        var y = Ops.Conv2d(_x, _w, _b, padding: 1);
        y.Backward(Tensor.Ones(y.Shape, y.Device));
        _w.ClearGrad();
        _b.ClearGrad();
        _x.ClearGrad();
    }

    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters)
    {
        var (c, o, s) = Dims((string)parameters[nameof(Layer)]);
        double forward = 2.0 * 100 * o * s * s * c * 9;
        double backward = forward * (c > 1 ? 2 : 1); // dW, and dx when the input needs it
        return (method == nameof(Forward) ? forward : forward + backward, 0);
    }
}
