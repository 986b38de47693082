using GpuGen.Kernels.Reparameterize;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostReparameterize : IReparameterizeKernels
{
    public void Gaussian(Tensor mu, Tensor logVar, Tensor eps, Tensor z) =>
        Launcher.Host(z.Device, "ReparameterizeKernels.Host", z.Length, KernelCost.Streaming(z.Length, 3, 1, 4),
            (m: mu.Segment(), l: logVar.Segment(), e: eps.Segment(), z: z.Segment()),
            static s => ReparameterizeKernels.Host(s.m, s.l, s.e, s.z));

    public void GumbelSoftmax(Tensor logits, Tensor y, int classes, float temperature, ulong seed, ulong offset) =>
        Launcher.Host(y.Device, "GumbelSoftmaxKernels.Host", y.Length, KernelCost.Streaming(y.Length, 1, 1, 30),
            (l: logits.Segment(), y: y.Segment(), classes, inv: 1f / temperature, seed, offset),
            static s => GumbelSoftmaxKernels.Host(s.l, s.y, s.classes, s.inv, s.seed, s.offset));
}
