using GpuGen.Kernels.Optim;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostOptim : IOptimKernels
{
    public void Adam(Tensor p, Tensor g, Tensor m, Tensor v, in AdamHyper hyper) =>
        Launcher.Host(p.Device, "OptimHost.Adam", p.Length, KernelCost.Streaming(p.Length, 4, 3, 12),
            (p: p.Segment(), g: g.Segment(), m: m.Segment(), v: v.Segment(), h: hyper),
            static s => OptimHost.Adam(s.p, s.g, s.m, s.v, s.h));

    public void Sgd(Tensor p, Tensor g, Tensor buffer, in SgdHyper hyper) =>
        Launcher.Host(p.Device, "OptimHost.Sgd", p.Length, KernelCost.Streaming(p.Length, 3, 2, 6),
            (p: p.Segment(), g: g.Segment(), b: buffer.Segment(), h: hyper),
            static s => OptimHost.Sgd(s.p, s.g, s.b, s.h));
}
