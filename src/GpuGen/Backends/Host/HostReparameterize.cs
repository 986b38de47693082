using GpuGen.Kernels.Reparameterize;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostReparameterize : IReparameterizeKernels
{
    public void Gaussian(Tensor mu, Tensor logVar, Tensor eps, Tensor z) =>
        Launcher.Host(z.Device, "ReparameterizeKernels.Host", z.Length, KernelCost.Streaming(z.Length, 3, 1, 4),
            (m: mu.Segment(), l: logVar.Segment(), e: eps.Segment(), z: z.Segment()),
            static s => ReparameterizeKernels.Host(s.m, s.l, s.e, s.z));
}
