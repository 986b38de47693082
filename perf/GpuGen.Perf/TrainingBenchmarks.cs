using BenchmarkDotNet.Attributes;
using GpuGen.Data;
using GpuGen.Models.Classifiers;
using GpuGen.Models.Vae;
using GpuGen.Nn;
using GpuGen.Optim;

namespace GpuGen.Perf;

/// <summary>
/// One training step of the 784-400-400-10 MLP classifier at batch 100 on the cpu device:
/// forward, cross-entropy, backward, Adam, inside a scope (so buffers come from the cache).
/// Examples per second = 100 / the median time.
/// </summary>
public class TrainingBenchmarks : IDeclaresWork
{
    private const int Batch = 100;
    private MlpClassifier _model = null!;
    private Adam _adam = null!;
    private Vae _vae = null!;
    private Adam _vaeAdam = null!;
    private Tensor _x = null!, _y = null!;

    [GlobalSetup]
    public void Setup()
    {
        var cpu = Devices.Get("cpu");
        var (train, _) = Mnist.Load();
        var indices = Enumerable.Range(0, Batch).ToArray();
        _x = train.Images(indices, cpu);
        _y = train.LabelTensor(indices, cpu);
        _model = new MlpClassifier([784, 400, 400, 10], new Generator(1), cpu);
        _adam = new Adam(_model.NamedParameters());
        _vae = new Vae(new Generator(2), cpu);
        _vaeAdam = new Adam(_vae.NamedParameters());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _adam.Dispose();
        _model.Dispose();
        _vaeAdam.Dispose();
        _vae.Dispose();
        _x.Dispose();
        _y.Dispose();
    }

    [Benchmark]
    public void MlpTrainStepBatch100()
    {
        using var scope = new TensorScope();
        var loss = Losses.CrossEntropy(_model.Forward(_x), _y);
        _adam.ZeroGrad();
        loss.Backward();
        _adam.Step();
    }

    /// <summary>One VAE 784-400-20 training step at batch 100: encode, reparameterize, decode, −ELBO, backward, Adam.</summary>
    [Benchmark]
    public void VaeTrainStepBatch100()
    {
        using var scope = new TensorScope();
        var loss = _vae.Loss(_x, _x).NegativeElbo;
        _vaeAdam.ZeroGrad();
        loss.Backward();
        _vaeAdam.Step();
    }

    /// <summary>The same VAE step under --detect-anomaly: every op's output and every backward
    /// rule's gradient checked for NaN/infinity (a max-|x| reduction and a one-float read each).
    /// Its time beside <see cref="VaeTrainStepBatch100"/> is the mode's cost.</summary>
    [Benchmark]
    public void VaeTrainStepBatch100DetectAnomaly()
    {
        using var anomaly = Autograd.DetectAnomaly();
        VaeTrainStepBatch100();
    }

    /// <summary>FLOPs of the three GEMMs forward and six backward (dX of the first layer skipped: x needs no gradient).</summary>
    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters)
    {
        if (method is nameof(VaeTrainStepBatch100) or nameof(VaeTrainStepBatch100DetectAnomaly))
        {
            double f = 2.0 * Batch * (784 * 400 + 2 * 400 * 20 + 20 * 400 + 400 * 784);
            return (f + 2 * f - 2.0 * Batch * 784 * 400, 0);
        }
        double forward = 2.0 * Batch * (784 * 400 + 400 * 400 + 400 * 10);
        double backward = 2 * forward - 2.0 * Batch * 784 * 400;
        return (forward + backward, 0);
    }
}
