using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace GpuGen.Perf.Torch;

/// <summary>
/// libtorch's side of GpuGen.Perf's ConvBenchmarks: conv2d at batch 100, 3×3, padding 1, with a
/// bias, 1 → 32 on 28×28 and 32 → 64 on 14×14; forward alone (no_grad) and forward + backward
/// (the input's gradient too for the middle layer). Same shapes, same job, 2 threads.
/// </summary>
public class TorchConvBenchmarks
{
    [Params("1->32 28x28", "32->64 14x14")]
    public string Layer { get; set; } = "";

    private Tensor _x = null!, _w = null!, _b = null!, _gy = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchThreads.UseAllCores();
        var (c, o, s) = Layer == "1->32 28x28" ? (1, 32, 28) : (32, 64, 14);
        _x = torch.rand(100, c, s, s) * 2 - 1;
        _x.requires_grad = c > 1;
        _w = (torch.rand(o, c, 3, 3) * 0.6f - 0.3f).requires_grad_(true);
        _b = torch.zeros(o).requires_grad_(true);
        _gy = torch.ones(100, o, s, s);
    }

    [Benchmark]
    public void Forward()
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        nn.functional.conv2d(_x, _w, _b, padding: new long[] { 1, 1 });
    }

    [Benchmark]
    public void ForwardBackward()
    {
        using var scope = torch.NewDisposeScope();
        nn.functional.conv2d(_x, _w, _b, padding: new long[] { 1, 1 }).backward(new[] { _gy });
        foreach (var t in new[] { _x, _w, _b }) t.grad?.Dispose();
        foreach (var t in new[] { _x, _w, _b }) if (t.requires_grad) t.grad = null;
    }
}

/// <summary>
/// libtorch's side of GpuGen.Perf's DcganLayerBenchmarks: the DCGAN's five convolutions at batch
/// 64, forward and forward + backward (the input's gradient where the layer has one below it).
/// </summary>
public class TorchDcganLayerBenchmarks
{
    [Params("D1 conv 1->64 28->14", "D2 conv 64->128 14->7", "G1 convT 100->128 1->7", "G2 convT 128->64 7->14", "G3 convT 64->1 14->28")]
    public string Layer { get; set; } = "";

    private Tensor _x = null!, _w = null!, _gy = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchThreads.UseAllCores();
        var d = GpuGen.Perf.DcganLayerShapes.Of(Layer);
        _x = (torch.rand(64, d.C, d.Size, d.Size) * 2 - 1).requires_grad_(d.InputGrad);
        _w = (torch.rand(d.Transposed ? new long[] { d.C, d.O, d.K, d.K } : new long[] { d.O, d.C, d.K, d.K }) * 0.2f - 0.1f).requires_grad_(true);
        using (torch.no_grad()) _gy = torch.rand(Run().shape) * 2 - 1;
    }

    private Tensor Run()
    {
        var d = GpuGen.Perf.DcganLayerShapes.Of(Layer);
        return d.Transposed
            ? nn.functional.conv_transpose2d(_x, _w, strides: new long[] { d.S, d.S }, padding: new long[] { d.P, d.P })
            : nn.functional.conv2d(_x, _w, strides: new long[] { d.S, d.S }, padding: new long[] { d.P, d.P });
    }

    [Benchmark]
    public void Forward()
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        Run();
    }

    [Benchmark]
    public void ForwardBackward()
    {
        using var scope = torch.NewDisposeScope();
        Run().backward(new[] { _gy });
        _w.grad?.Dispose();
        _w.grad = null;
        if (_x.requires_grad) { _x.grad?.Dispose(); _x.grad = null; }
    }
}

internal static class TorchThreads
{
    /// <summary>libtorch on every core, as GpuGen's cpu device.</summary>
    public static void UseAllCores() => torch.set_num_threads(Environment.ProcessorCount);
}
