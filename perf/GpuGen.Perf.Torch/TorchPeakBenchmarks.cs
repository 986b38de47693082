using BenchmarkDotNet.Attributes;
using GpuGen.Perf;

namespace GpuGen.Perf.Torch;

/// <summary>
/// The FP32 FMA peak (GpuGen's <see cref="FmaPeak"/>, the same code) measured in the libtorch
/// run itself, so that libtorch's times can be read as fractions of the peak they ran beside:
/// GFLOP/s = 15.36 GFLOP (on 2 cores: <see cref="FmaPeak.Flops"/>) / the median time.
/// </summary>
public class TorchPeakBenchmarks
{
    [Benchmark]
    public void FmaPeakAllCores() => FmaPeak.AllCores();
}
