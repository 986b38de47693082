using GpuGen.Kernels.Reduce;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostReduce : IReduceKernels
{
    public void Chunks<TOp>(TOp op, Tensor x, Tensor? center, Tensor y, in ReduceHost.Layout layout) where TOp : struct, IReduceOp =>
        Launcher.Host(y.Device, HostKernelName.Of<TOp>("ReduceHost.Chunks"), x.Length, ElementwiseCost.Of(y, x),
            (op, x: x.Segment(), y: y.Segment(), c: center?.Segment() ?? default, has: center is not null, l: layout),
            static s => ReduceHost.Chunks(s.op, s.x, s.y, s.c, s.has, s.l));

    public void Normalize(Tensor x, Tensor max, Tensor sumExp, Tensor y, int outer, int length, int inner, bool log) =>
        Launcher.Host(y.Device, "ReduceHost.Normalize", y.Length, ElementwiseCost.Of(y, x, max, sumExp),
            (x: x.Segment(), y: y.Segment(), m: max.Segment(), s: sumExp.Segment(), outer, length, inner, log),
            static a => ReduceHost.Normalize(a.x, a.y, a.m, a.s, a.outer, a.length, a.inner, a.log));

    public void ArgMax(Tensor x, Tensor y, int outer, int length, int inner) =>
        Launcher.Host(y.Device, "ReduceHost.ArgMax", x.Length, ElementwiseCost.Of(y, x),
            (x: x.Segment(), y: y.Segment(), outer, length, inner),
            static a => ReduceHost.ArgMax(a.x, a.y, a.outer, a.length, a.inner));
}
