using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GpuGen.Perf.Torch;

/// <summary>
/// The libtorch baseline of GpuGen.Perf's SelfSupervisedBenchmarks.SimClrStepNoAugment, written as a
/// PyTorch SimCLR would be: encoder 784-1024-512 and projector 512-512-128 (Linear, BatchNorm1d, ReLU),
/// NT-Xent at τ 0.5 on the two views' 512 embeddings (F.normalize, z·zᵀ/τ with the diagonal masked,
/// cross-entropy against the other view's index), backward, Adam(1e-3). Views are fixed random
/// intensities (the augmentation is timed separately on GpuGen's side; TorchSharp has no torchvision).
/// libtorch on 2 threads.
/// </summary>
public class TorchSimClrBenchmarks
{
    private const int Batch = 256;
    private Module<Tensor, Tensor> _encoder = null!, _projector = null!;
    private optim.Optimizer _adam = null!;
    private Tensor _a = null!, _b = null!, _labels = null!, _mask = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Environment.ProcessorCount);
        torch.manual_seed(1);
        _encoder = Sequential(Linear(784, 1024), BatchNorm1d(1024), ReLU(), Linear(1024, 512), BatchNorm1d(512), ReLU());
        _projector = Sequential(Linear(512, 512), BatchNorm1d(512), ReLU(), Linear(512, 128));
        _adam = optim.Adam(_encoder.parameters().Concat(_projector.parameters()), lr: 1e-3);
        _a = torch.rand(Batch, 784);
        _b = torch.rand(Batch, 784);
        _labels = torch.cat(new[] { torch.arange(Batch, 2 * Batch), torch.arange(0, Batch) });
        _mask = torch.eye(2 * Batch, dtype: ScalarType.Bool);
    }

    [Benchmark]
    public void SimClrStepNoAugment()
    {
        using var scope = torch.NewDisposeScope();
        var z = functional.normalize(torch.cat(new[] { _projector.forward(_encoder.forward(_a)), _projector.forward(_encoder.forward(_b)) }), dim: 1);
        var logits = (z.matmul(z.t()) / 0.5f).masked_fill(_mask, -1e9f);
        var loss = functional.cross_entropy(logits, _labels);
        _adam.zero_grad();
        loss.backward();
        _adam.step();
    }
}
