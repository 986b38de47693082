using GpuGen.Kernels.Elementwise;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostElementwise : IElementwiseKernels
{
    public void Unary<TOp>(TOp op, Tensor x, Tensor y) where TOp : struct, IUnaryOp =>
        Launcher.Host(y.Device, HostKernelName.Of<TOp>("ElementwiseHost.Unary"), y.Length, ElementwiseCost.Of(y, x),
            (op, x: x.Segment(), y: y.Segment()), static s => ElementwiseHost.Unary(s.op, s.x, s.y));

    public void Binary<TOp>(TOp op, Tensor a, Tensor b, Tensor y, in Broadcast shape) where TOp : struct, IBinaryOp =>
        Launcher.Host(y.Device, HostKernelName.Of<TOp>("ElementwiseHost.Binary"), y.Length, ElementwiseCost.Of(y, a, b),
            (op, a: a.Segment(), b: b.Segment(), y: y.Segment(), g: shape), static s => ElementwiseHost.Binary(s.op, s.a, s.b, s.y, s.g));

    public void Where(Tensor condition, Tensor a, Tensor b, Tensor y, in Broadcast shape) =>
        Launcher.Host(y.Device, "ElementwiseHost.Where", y.Length, ElementwiseCost.Of(y, condition, a, b),
            (c: condition.Segment(), a: a.Segment(), b: b.Segment(), y: y.Segment(), g: shape),
            static s => ElementwiseHost.Where(s.c, s.a, s.b, s.y, s.g));
}

/// <summary>Profiler names of generic host kernels, built once per op type.</summary>
internal static class HostKernelName
{
    public static string Of<TOp>(string kernel) => Cache<TOp>.Names.GetOrAdd(kernel, static k => $"{k}<{typeof(TOp).Name}>");

    private static class Cache<TOp>
    {
        public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Names = new();
    }
}
