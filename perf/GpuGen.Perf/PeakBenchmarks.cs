using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace GpuGen.Perf;

/// <summary>
/// The machine's FP32 peak: every core runs 12 independent chains of Vector512 FMAs (enough
/// to cover the FMA latency on both pipes), 2 FLOPs per lane. Vector256 where AVX-512 is absent.
/// </summary>
public class PeakBenchmarks : IDeclaresWork
{
    private const long Iterations = 20_000_000;

    [Benchmark]
    public void FmaPeakAllCores() => Parallel.For(0, Environment.ProcessorCount, _ => Chains(Iterations));

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains(long iterations)
    {
        var m = Vector512.Create(0.9999999f);
        var x = Vector512.Create(1e-7f);
        Vector512<float> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, x); a1 = Vector512.FusedMultiplyAdd(a1, m, x);
            a2 = Vector512.FusedMultiplyAdd(a2, m, x); a3 = Vector512.FusedMultiplyAdd(a3, m, x);
            a4 = Vector512.FusedMultiplyAdd(a4, m, x); a5 = Vector512.FusedMultiplyAdd(a5, m, x);
            a6 = Vector512.FusedMultiplyAdd(a6, m, x); a7 = Vector512.FusedMultiplyAdd(a7, m, x);
            a8 = Vector512.FusedMultiplyAdd(a8, m, x); a9 = Vector512.FusedMultiplyAdd(a9, m, x);
            a10 = Vector512.FusedMultiplyAdd(a10, m, x); a11 = Vector512.FusedMultiplyAdd(a11, m, x);
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).GetElement(0);
    }

    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters) =>
        (Environment.ProcessorCount * Iterations * 12.0 * Vector512<float>.Count * 2, 0);
}
