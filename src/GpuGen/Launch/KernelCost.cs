namespace GpuGen.Launch;

/// <summary>
/// The work a launch does, as its caller declares it: floating-point operations and bytes
/// moved to and from memory. The profiler divides them by the measured time (GFLOP/s, GB/s).
/// </summary>
public readonly record struct KernelCost(double Flops, double Bytes)
{
    /// <summary>A streaming kernel over <paramref name="elements"/> float32 values that reads
    /// <paramref name="reads"/> and writes <paramref name="writes"/> values and does
    /// <paramref name="flopsPerElement"/> operations per element.</summary>
    public static KernelCost Streaming(long elements, int reads, int writes, int flopsPerElement = 0) =>
        new((double)elements * flopsPerElement, (double)elements * (reads + writes) * sizeof(float));
}
