namespace GpuGen.Backends.Host;

/// <summary>The cpu device's kernels: host (SIMD C#) kernels from GpuGen.Kernels.</summary>
internal sealed class HostBackend : IBackend
{
    public IBlas1Kernels Blas1 { get; } = new HostBlas1();
}

internal static class HostTensorAccess
{
    /// <summary>The tensor's elements as a segment of its storage's array.</summary>
    public static ArraySegment<float> Segment(this Tensor t) => new(((HostStorage)t.Storage).Array, t.Offset, t.Length);
}
