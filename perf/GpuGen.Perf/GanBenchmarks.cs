using BenchmarkDotNet.Attributes;
using GpuGen.Data;
using GpuGen.Models.Gan;
using GpuGen.Optim;

namespace GpuGen.Perf;

/// <summary>
/// One WGAN-GP iteration on 8 Gaussians as `gpugen train wgan-gp` runs it on the cpu device: five
/// critic steps (each: a fresh batch of 256 real points, G(z) detached, D on real, fake and x̂, the
/// gradient penalty through a gradient of a gradient, backward, Adam) and one generator step; G and
/// D three 256-wide ReLU layers. The libtorch program doing the same is
/// perf/GpuGen.Perf.Torch's TorchGanBenchmarks.WganGpToyIteration.
/// </summary>
public class GanBenchmarks : IDeclaresWork
{
    private ToyGan _model = null!;
    private Adam _critic = null!, _generator = null!;
    private ToySampler _data = null!;
    private GanObjective _game = null!;

    [GlobalSetup]
    public void Setup()
    {
        var cpu = Devices.Get("cpu");
        _model = new ToyGan(new Generator(1), cpu, 256, 3);
        _critic = new Adam(_model.Critic.NamedParameters(), 1e-4f, 0.5f, 0.9f);
        _generator = new Adam(_model.Generator.NamedParameters(), 1e-4f, 0.5f, 0.9f);
        _data = new ToySampler(ToySet.EightGaussians, 5 * 256, cpu, new Generator(2));
        _game = new GanObjective(new GanSettings(GanKind.WganGp, 5, Lambda: 0.1f), _model.Critic, _model.Sample, _critic, _generator, new Generator(3));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _critic.Dispose();
        _generator.Dispose();
        _data.Dispose();
        _model.Dispose();
    }

    [Benchmark]
    public void WganGpToyIteration()
    {
        using var scope = new TensorScope();
        _game.Iterate(_data.Next());
    }

    /// <summary>The FLOPs the kernels of one iteration declare (GEMMs and elementwise work),
    /// counted by running one under the profiler.</summary>
    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters) =>
        ProfiledWork.Of(Setup, WganGpToyIteration, Cleanup);
}
