using BenchmarkDotNet.Attributes;

namespace GpuGen.Perf;

/// <summary>The machine's FP32 FMA peak (<see cref="FmaPeak"/>), measured in every run that reports
/// fractions of it.</summary>
public class PeakBenchmarks : IDeclaresWork
{
    [Benchmark]
    public void FmaPeakAllCores() => FmaPeak.AllCores();

    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters) => (FmaPeak.Flops, 0);
}
