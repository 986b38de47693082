using BenchmarkDotNet.Attributes;
using GpuGen.Data;
using GpuGen.Models.Gan;
using GpuGen.Optim;

namespace GpuGen.Perf;

/// <summary>
/// The DCGAN's convolutions at batch 64 on the cpu device (`gpugen train dcgan`'s networks), each
/// forward alone and forward + backward (the input's gradient too where the layer has a layer
/// below it: not for D's first layer, which sees data, nor G's first, which sees z).
/// </summary>
public class DcganLayerBenchmarks : IDeclaresWork
{
    public const int Batch = 64;

    [Params("D1 conv 1->64 28->14", "D2 conv 64->128 14->7", "G1 convT 100->128 1->7", "G2 convT 128->64 7->14", "G3 convT 64->1 14->28")]
    public string Layer { get; set; } = "";

    private Tensor _x = null!, _w = null!, _gy = null!;

    [GlobalSetup]
    public void Setup()
    {
        var cpu = Devices.Get("cpu");
        var d = DcganLayerShapes.Of(Layer);
        var g = new Generator(1);
        _x = Ops.Uniform(Shape.Of(Batch, d.C, d.Size, d.Size), g, cpu, -1, 1);
        _x.RequiresGrad = d.InputGrad;
        _w = Ops.Uniform(d.Transposed ? Shape.Of(d.C, d.O, d.K, d.K) : Shape.Of(d.O, d.C, d.K, d.K), g, cpu, -0.1f, 0.1f);
        _w.RequiresGrad = true;
        using (Autograd.NoGrad()) _gy = Ops.Uniform(Run().Shape, g, cpu, -1, 1);
    }

    private Tensor Run()
    {
        var d = DcganLayerShapes.Of(Layer);
        return d.Transposed ? Ops.ConvTranspose2d(_x, _w, stride: d.S, padding: d.P) : Ops.Conv2d(_x, _w, stride: d.S, padding: d.P);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w, _gy }) { t.ClearGrad(); t.Dispose(); }
    }

    [Benchmark]
    public void Forward()
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        Run();
    }

    [Benchmark]
    public void ForwardBackward()
    {
        using var scope = new TensorScope();
        Run().Backward(_gy);
        _w.ClearGrad();
        _x.ClearGrad();
    }

    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters)
    {
        var d = DcganLayerShapes.Of((string)parameters[nameof(Layer)]);
        int outSize = d.Transposed ? (d.Size - 1) * d.S - 2 * d.P + d.K : (d.Size + 2 * d.P - d.K) / d.S + 1;
        // one multiply-add per weight per pixel of the convolution's output side (the transposed
        // convolution's input side)
        double forward = 2.0 * Batch * d.C * d.O * d.K * d.K * (d.Transposed ? d.Size * d.Size : outSize * outSize);
        return (method == nameof(Forward) ? forward : forward * (d.InputGrad ? 3 : 2), 0);
    }
}

/// <summary>
/// One DCGAN iteration as `gpugen train dcgan` runs it on the cpu device (batch 64): a
/// discriminator step (G(z) without recording, D on real and fake, BCE-with-logits, backward, Adam)
/// and a generator step (G(z), D, the non-saturating loss, backward through D into G, Adam). An
/// epoch of the embedded split is 125 of these.
/// </summary>
public class DcganBenchmarks : IDeclaresWork
{
    private MnistGan _model = null!;
    private Adam _critic = null!, _generator = null!;
    private BatchLoader _data = null!;
    private GanObjective _game = null!;
    private IEnumerator<(Tensor Images, Tensor Labels)> _batches = null!;

    [GlobalSetup]
    public void Setup()
    {
        var cpu = Devices.Get("cpu");
        _model = MnistGanCheckpoint.Build(GanKind.Dcgan, DigitNet.Conv, new Generator(1), cpu, new Generator(2));
        _critic = new Adam(_model.Critic.NamedParameters(), 2e-4f, 0.5f, 0.999f);
        _generator = new Adam(_model.Generator.NamedParameters(), 2e-4f, 0.5f, 0.999f);
        var (train, _) = Mnist.Load();
        _data = new BatchLoader(train, 64, cpu, new Generator(3), dropLast: true);
        _game = new GanObjective(new GanSettings(GanKind.Dcgan, 1), _model.Critic, _model.CriticSamples, _critic, _generator, new Generator(4));
        _batches = Enumerable.Repeat(0, int.MaxValue).SelectMany(_ => _data.Epoch()).GetEnumerator();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batches.Dispose();
        _critic.Dispose();
        _generator.Dispose();
        _model.Dispose();
    }

    [Benchmark]
    public void DcganIteration()
    {
        _batches.MoveNext();
        using var scope = new TensorScope();
        _game.Iterate(_batches.Current.Images);
    }

    /// <summary>The FLOPs the kernels of one iteration declare, counted by running one under the profiler.</summary>
    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters) =>
        ProfiledWork.Of(Setup, DcganIteration, Cleanup);
}
