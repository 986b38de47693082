using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GpuGen;

/// <summary>
/// The machine's FP32 peak: every core runs 12 independent chains of Vector512 FMAs (enough to
/// cover the FMA latency on both pipes), 2 FLOPs per lane. Shared (linked) by GpuGen.Perf's
/// PeakBenchmarks and GpuGen.Perf.Torch's TorchPeakBenchmarks, so that a libtorch run measures
/// the peak it ran beside: this VM's speed moves by ±10% between runs, and a time means little
/// without the peak of its own run. <c>gpugen bench-device</c> measures the cpu device's peak with it
/// (<see cref="DevicePeaks"/>). No dependency on the rest of GpuGen, so that the libtorch benchmarks can
/// link this one file.
/// </summary>
public static class FmaPeak
{
    public const long Iterations = 20_000_000;

    /// <summary>FLOPs of one <see cref="AllCores"/> of <paramref name="iterations"/>.</summary>
    public static double FlopsOf(long iterations) => Environment.ProcessorCount * iterations * 12.0 * Vector512<float>.Count * 2;

    /// <summary>FLOPs of one <see cref="AllCores"/> with the default iterations.</summary>
    public static double Flops => FlopsOf(Iterations);

    public static void AllCores(long iterations = Iterations) => Parallel.For(0, Environment.ProcessorCount, _ => Chains(iterations));

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
}
