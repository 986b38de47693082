using BenchmarkDotNet.Attributes;
using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Diffusion;
using GpuGen.Optim;

namespace GpuGen.Perf;

/// <summary>
/// One training step of the toy chains on cpu, as <c>gpugen train ddpm|bfn</c> runs it: a fresh batch of
/// 256 swiss-roll points, the MLP (2 + 32 → 128 × 3 SiLU → 2), backward and Adam(1e-3). DDPM: t and ε
/// drawn, x_t by the fused kernel, the mean squared error of ε̂. BFN (σ₁ 0.02): t and the flow sample μ,
/// x̂ from ε̂ by the fused output kernel, the continuous-time loss. Small ops, where per-op overhead
/// decides. The libtorch baselines are perf/GpuGen.Perf.Torch's TorchDiffusionBenchmarks.
/// </summary>
public class DiffusionBenchmarks : IDeclaresWork
{
    private ToyDenoiser _network = null!;
    private NoiseSchedule _schedule = null!;
    private Ddpm _ddpm = null!;
    private ContinuousBfn _bfn = null!;
    private UNet _unet = null!;
    private NoiseSchedule _unetSchedule = null!;
    private Ddpm _unetDdpm = null!;
    private Adam _unetAdam = null!;
    private Tensor _digits = null!;
    private Adam _adam = null!;
    private ToySampler _data = null!;
    private Generator _noise = null!;

    [GlobalSetup]
    public void Setup()
    {
        var cpu = Devices.Get("cpu");
        _network = new ToyDenoiser(new Generator(1), cpu);
        _schedule = NoiseSchedule.Linear(100, 1e-4, 0.05);
        _ddpm = new Ddpm(_network, _schedule);
        _bfn = new ContinuousBfn(_network, new ContinuousBayesianFlow(0.02, BfnToy.Clip));
        _adam = new Adam(_network.NamedParameters(), 1e-3f);
        _data = new ToySampler(ToySet.DiffusionSwissRoll, 256, cpu, new Generator(2));
        _noise = new Generator(3);
        _unet = new UNet(new Generator(4), cpu);
        _unetSchedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
        _unetDdpm = new Ddpm(_unet, _unetSchedule);
        _unetAdam = new Adam(_unet.NamedParameters(), 2e-4f);
        var (_, test) = Mnist.Load(null);
        using var scope = new TensorScope();
        _digits = scope.Keep(Ops.Sub(Ops.Mul(test.Images(Enumerable.Range(0, 64).ToArray(), cpu).Reshape(64, 1, 28, 28), 2f), 1f));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _digits.Dispose();
        _unetAdam.Dispose();
        _unetSchedule.Dispose();
        _unet.Dispose();
        _adam.Dispose();
        _data.Dispose();
        _schedule.Dispose();
        _network.Dispose();
    }

    [Benchmark]
    public void DdpmToyStep() => Step(_ddpm.Loss);

    [Benchmark]
    public void BfnToyStep() => Step(_bfn.Loss);

    /// <summary>One DDPM training step of the U-Net (C = 32, 583,713 parameters) on 64 digits in [−1, 1]
    /// with T = 1000: GFLOP/s from the FLOPs its kernels declare, against the FMA peak of the same run.</summary>
    [Benchmark]
    public void UNetStep()
    {
        using var scope = new TensorScope();
        var loss = _unetDdpm.Loss(_digits, _noise);
        _unetAdam.ZeroGrad();
        loss.Backward();
        _unetAdam.Step();
        _ = loss.Item();
    }

    private void Step(Func<Tensor, Generator, Tensor> lossOf)
    {
        using var scope = new TensorScope();
        var loss = lossOf(_data.Next(), _noise);
        _adam.ZeroGrad();
        loss.Backward();
        _adam.Step();
        _ = loss.Item(); // as the runner reads each step's loss
    }

    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters) =>
        ProfiledWork.Of(Setup, method switch { nameof(BfnToyStep) => BfnToyStep, nameof(UNetStep) => UNetStep, _ => DdpmToyStep }, Cleanup);
}
