using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GpuGen.Perf.Torch;

/// <summary>
/// The libtorch baseline of GpuGen.Perf's GanBenchmarks.WganGpToyIteration, written as the
/// PyTorch port of gan_toy.py does it: five critic steps (a fresh batch of 256 points of 8
/// Gaussians, G(z) detached, D on real and fake, the gradient penalty λ = 0.1 through
/// torch.autograd.grad with create_graph, backward, Adam(1e-4, β 0.5, 0.9)), then one generator
/// step with D's parameters frozen. G and D: three 256-wide ReLU layers. libtorch on 2 threads.
/// </summary>
public class TorchGanBenchmarks
{
    private const int Batch = 256, Width = 256, CriticIters = 5;
    private Module<Tensor, Tensor> _g = null!, _d = null!;
    private optim.Optimizer _optD = null!, _optG = null!;
    private Tensor _centres = null!;

    private static Module<Tensor, Tensor> Mlp(int outputs) => Sequential(
        Linear(2, Width), ReLU(), Linear(Width, Width), ReLU(), Linear(Width, Width), ReLU(), Linear(Width, outputs));

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Environment.ProcessorCount);
        torch.manual_seed(1);
        _g = Mlp(2);
        _d = Mlp(1);
        _optD = optim.Adam(_d.parameters(), lr: 1e-4, beta1: 0.5, beta2: 0.9);
        _optG = optim.Adam(_g.parameters(), lr: 1e-4, beta1: 0.5, beta2: 0.9);
        var c = new float[16];
        for (int k = 0; k < 8; k++) (c[2 * k], c[2 * k + 1]) = ((float)(2 * Math.Cos(k * Math.PI / 4)), (float)(2 * Math.Sin(k * Math.PI / 4)));
        _centres = torch.tensor(c, new long[] { 8, 2 });
    }

    private Tensor EightGaussians() =>
        (_centres.index_select(0, torch.randint(0, 8, new long[] { Batch })) + 0.02f * torch.randn(Batch, 2)) / 1.414f;

    [Benchmark]
    public void WganGpToyIteration()
    {
        for (int i = 0; i < CriticIters; i++)
        {
            using var scope = torch.NewDisposeScope();
            var real = EightGaussians();
            Tensor fake;
            using (torch.no_grad()) fake = _g.forward(torch.randn(Batch, 2));
            var dReal = _d.forward(real).mean();
            var dFake = _d.forward(fake).mean();
            var alpha = torch.rand(Batch, 1);
            var mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(true);
            var scores = _d.forward(mixed);
            var gradient = torch.autograd.grad(new[] { scores }, new[] { mixed }, new[] { torch.ones_like(scores) }, retain_graph: true, create_graph: true)[0];
            var penalty = (gradient.pow(2).sum(1).sqrt() - 1).pow(2).mean() * 0.1f;
            var loss = dFake - dReal + penalty;
            _optD.zero_grad();
            loss.backward();
            _optD.step();
        }
        using (var scope = torch.NewDisposeScope())
        {
            foreach (var p in _d.parameters()) p.requires_grad = false;
            var loss = -_d.forward(_g.forward(torch.randn(Batch, 2))).mean();
            _optG.zero_grad();
            loss.backward();
            _optG.step();
            foreach (var p in _d.parameters()) p.requires_grad = true;
        }
    }
}
