using System.Runtime.Intrinsics;
using GpuGen.Kernels.Host;

namespace GpuGen.Kernels.Optim;

/// <summary>The fused updates on the host: Vector512 over the parameter, the scalar formula for the tail.</summary>
public static class OptimHost
{
    public static void Adam(ArraySegment<float> p, ArraySegment<float> g, ArraySegment<float> m, ArraySegment<float> v, AdamHyper h) =>
        HostParallel.For(p.Count, (p, g, m, v, h), static (start, count, s) =>
        {
            var ps = s.p.AsSpan(start, count);
            var gs = s.g.AsSpan(start, count);
            var ms = s.m.AsSpan(start, count);
            var vs = s.v.AsSpan(start, count);
            int i = 0, w = Vector512<float>.Count;
            if (Vector512.IsHardwareAccelerated)
                for (; i <= count - w; i += w)
                {
                    var pv = Vector512.Create(ps.Slice(i, w));
                    var mv = Vector512.Create(ms.Slice(i, w));
                    var vv = Vector512.Create(vs.Slice(i, w));
                    OptimMath.Adam(ref pv, Vector512.Create(gs.Slice(i, w)), ref mv, ref vv, s.h);
                    pv.CopyTo(ps.Slice(i, w));
                    mv.CopyTo(ms.Slice(i, w));
                    vv.CopyTo(vs.Slice(i, w));
                }
            for (; i < count; i++) OptimMath.Adam(ref ps[i], gs[i], ref ms[i], ref vs[i], s.h);
        }, elementsPerItem: 4);

    public static void Sgd(ArraySegment<float> p, ArraySegment<float> g, ArraySegment<float> buffer, SgdHyper h) =>
        HostParallel.For(p.Count, (p, g, buffer, h), static (start, count, s) =>
        {
            var ps = s.p.AsSpan(start, count);
            var gs = s.g.AsSpan(start, count);
            var bs = s.buffer.AsSpan(start, count);
            for (int i = 0; i < count; i++) OptimMath.Sgd(ref ps[i], gs[i], ref bs[i], s.h);
        }, elementsPerItem: 3);
}
