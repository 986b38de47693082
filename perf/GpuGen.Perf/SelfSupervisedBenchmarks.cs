using BenchmarkDotNet.Attributes;
using GpuGen.Data;
using GpuGen.Models.SelfSupervised;
using GpuGen.Optim;

namespace GpuGen.Perf;

/// <summary>
/// One SimCLR training step with the MLP encoder (784-1024-512 and the 512-512-128 projector, BatchNorm
/// after each hidden Linear) at batch 256 on the cpu device: two augmented views of 256 digits, NT-Xent
/// at τ 0.5 over 512 embeddings, backward, Adam — what <c>gpugen train simclr</c> runs per step.
/// <see cref="SimClrStepNoAugment"/> is the same step on views made beforehand (the part libtorch's
/// TorchSimClrBenchmarks does the same work for), <see cref="AugmentTwoViews"/> the views alone.
/// </summary>
public class SelfSupervisedBenchmarks : IDeclaresWork
{
    private const int Batch = 256;
    private JointEmbedding _model = null!;
    private Adam _adam = null!;
    private Tensor _x = null!, _viewA = null!, _viewB = null!;
    private Generator _views = null!;

    [GlobalSetup]
    public void Setup()
    {
        var cpu = Devices.Get("cpu");
        var (train, _) = Mnist.Load();
        _x = train.Images(Enumerable.Range(0, Batch).ToArray(), cpu);
        _model = JointEmbeddingModels.Create(JointEmbeddingSettings.For(JointEmbeddingMethod.SimClr), new Generator(1), cpu);
        _adam = new Adam(_model.TrainedParameters(), 1e-3f);
        _views = new Generator(2);
        _viewA = Ops.Augment(_x, Augmentation.Digits, _views);
        _viewB = Ops.Augment(_x, Augmentation.Digits, _views);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _adam.Dispose();
        _model.Dispose();
        _x.Dispose();
        _viewA.Dispose();
        _viewB.Dispose();
    }

    [Benchmark]
    public void SimClrStepBatch256()
    {
        using var scope = new TensorScope();
        Step(JointEmbeddingPlan.Views(_x, Augmentation.Digits, _views, 2));
    }

    [Benchmark]
    public void SimClrStepNoAugment()
    {
        using var scope = new TensorScope();
        Step([_viewA, _viewB]);
    }

    [Benchmark]
    public void AugmentTwoViews()
    {
        using var scope = new TensorScope();
        JointEmbeddingPlan.Views(_x, Augmentation.Digits, _views, 2);
    }

    /// <summary>The same views without their pixel noise: the resampling alone (the rest is the normal draws).</summary>
    [Benchmark]
    public void AugmentTwoViewsNoNoise()
    {
        using var scope = new TensorScope();
        JointEmbeddingPlan.Views(_x, Augmentation.Digits with { NoiseStd = 0f }, _views, 2);
    }

    private void Step(Tensor[] views)
    {
        var loss = _model.Loss(views);
        _adam.ZeroGrad();
        loss.Backward();
        _adam.Step();
        _model.AfterStep();
    }

    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters) =>
        ProfiledWork.Of(Setup, method switch { nameof(AugmentTwoViews) => AugmentTwoViews, nameof(AugmentTwoViewsNoNoise) => AugmentTwoViewsNoNoise, nameof(SimClrStepNoAugment) => SimClrStepNoAugment, _ => SimClrStepBatch256 }, Cleanup);
}
