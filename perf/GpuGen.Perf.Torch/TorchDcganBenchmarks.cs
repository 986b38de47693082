using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GpuGen.Perf.Torch;

/// <summary>
/// libtorch's side of GpuGen.Perf's DcganBenchmarks.DcganIteration, written as a PyTorch DCGAN
/// does it at MNIST's size (the networks of GpuGen.Models.Gan.DigitNets): a discriminator step
/// (G(z) under no_grad, D on real and fake, BCE-with-logits, backward, Adam(2e-4, β 0.5, 0.999))
/// and a generator step (the non-saturating loss through D into G). Batch 64, random images in
/// [−1, 1] (the cost does not depend on the pixels), libtorch on every core.
/// </summary>
public class TorchDcganBenchmarks
{
    private const int Batch = 64;
    private Module<Tensor, Tensor> _g = null!, _d = null!;
    private optim.Optimizer _optD = null!, _optG = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchThreads.UseAllCores();
        torch.manual_seed(1);
        _g = Sequential(
            Unflatten(1, new long[] { 100, 1, 1 }),
            ConvTranspose2d(100, 128, 7, bias: false), BatchNorm2d(128), ReLU(),
            ConvTranspose2d(128, 64, 4, stride: 2, padding: 1, bias: false), BatchNorm2d(64), ReLU(),
            ConvTranspose2d(64, 1, 4, stride: 2, padding: 1), Tanh());
        _d = Sequential(
            Conv2d(1, 64, 4, stride: 2, padding: 1), LeakyReLU(0.2),
            Conv2d(64, 128, 4, stride: 2, padding: 1, bias: false), BatchNorm2d(128), LeakyReLU(0.2),
            Flatten(), Linear(128 * 7 * 7, 1));
        _optD = optim.Adam(_d.parameters(), lr: 2e-4, beta1: 0.5, beta2: 0.999);
        _optG = optim.Adam(_g.parameters(), lr: 2e-4, beta1: 0.5, beta2: 0.999);
    }

    [Benchmark]
    public void DcganIteration()
    {
        using (var scope = torch.NewDisposeScope())
        {
            var real = torch.rand(Batch, 1, 28, 28) * 2 - 1;
            Tensor fake;
            using (torch.no_grad()) fake = _g.forward(torch.randn(Batch, 100));
            var loss = nn.functional.binary_cross_entropy_with_logits(_d.forward(real), torch.ones(Batch, 1))
                     + nn.functional.binary_cross_entropy_with_logits(_d.forward(fake), torch.zeros(Batch, 1));
            _optD.zero_grad();
            loss.backward();
            _optD.step();
        }
        using (var scope = torch.NewDisposeScope())
        {
            foreach (var p in _d.parameters()) p.requires_grad = false;
            var loss = nn.functional.binary_cross_entropy_with_logits(_d.forward(_g.forward(torch.randn(Batch, 100))), torch.ones(Batch, 1));
            _optG.zero_grad();
            loss.backward();
            _optG.step();
            foreach (var p in _d.parameters()) p.requires_grad = true;
        }
    }
}
