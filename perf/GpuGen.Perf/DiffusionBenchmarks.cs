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
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _adam.Dispose();
        _data.Dispose();
        _schedule.Dispose();
        _network.Dispose();
    }

    [Benchmark]
    public void DdpmToyStep() => Step(_ddpm.Loss);

    [Benchmark]
    public void BfnToyStep() => Step(_bfn.Loss);

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
        ProfiledWork.Of(Setup, method == nameof(BfnToyStep) ? BfnToyStep : DdpmToyStep, Cleanup);
}
