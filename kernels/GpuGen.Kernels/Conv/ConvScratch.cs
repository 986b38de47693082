using System.Runtime.InteropServices;
using GpuGen.Kernels.Host;

namespace GpuGen.Kernels.Conv;

/// <summary>Each thread's buffers for the host convolutions (ConvHostGemm, ConvHostDirect): a patch
/// matrix or padded image, a second buffer, and the weight-gradient partials, 64-byte aligned, grown
/// on demand and kept: a convolution allocates nothing in steady state.</summary>
internal static unsafe class ConvScratch
{
    [ThreadStatic] private static nint _cols;
    [ThreadStatic] private static long _colsCapacity;
    [ThreadStatic] private static nint[]? _partials;
    [ThreadStatic] private static long[]? _partialCapacity;

    [ThreadStatic] private static nint _gathered;
    [ThreadStatic] private static long _gatheredCapacity;

    public static float* Cols(long floats) => Grow(ref _cols, ref _colsCapacity, floats);

    /// <summary>A second buffer: gathered gradients, or a chunk's product before it is scattered.</summary>
    public static float* Gathered(long floats) => Grow(ref _gathered, ref _gatheredCapacity, floats);

    /// <summary>Worker k's partial sum, kept by the calling thread, which waits while
    /// the workers fill them: concurrent convolutions on other threads have their own.</summary>
    public static float* Partial(int worker, long floats)
    {
        _partials ??= new nint[HostParallel.WorkerCount];
        _partialCapacity ??= new long[HostParallel.WorkerCount];
        return Grow(ref _partials[worker], ref _partialCapacity[worker], floats);
    }

    private static float* Grow(ref nint buffer, ref long capacity, long floats)
    {
        if (floats > capacity)
        {
            NativeMemory.AlignedFree((void*)buffer);
            buffer = (nint)NativeMemory.AlignedAlloc((nuint)Math.Max(floats, 1) * sizeof(float), 64);
            capacity = floats;
        }
        return (float*)buffer;
    }
}
