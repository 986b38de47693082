using GpuGen.Kernels.Optim;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuOptim(IlgpuDevice device) : IOptimKernels
{
    public void Adam(Tensor p, Tensor g, Tensor m, Tensor v, in AdamHyper hyper) =>
        Launcher.Device(device, OptimDevice.Adam, p.Length,
            new AdamArgs { P = p.View(), G = g.View(), M = m.View(), V = v.View(), Hyper = hyper },
            KernelCost.Streaming(p.Length, 4, 3, 12));

    public void Sgd(Tensor p, Tensor g, Tensor buffer, in SgdHyper hyper) =>
        Launcher.Device(device, OptimDevice.Sgd, p.Length,
            new SgdArgs { P = p.View(), G = g.View(), Buffer = buffer.View(), Hyper = hyper },
            KernelCost.Streaming(p.Length, 3, 2, 6));
}
