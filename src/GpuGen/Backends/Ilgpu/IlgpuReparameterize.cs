using GpuGen.Kernels.Reparameterize;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuReparameterize(IlgpuDevice device) : IReparameterizeKernels
{
    public void Gaussian(Tensor mu, Tensor logVar, Tensor eps, Tensor z) =>
        Launcher.Device(device, ReparameterizeKernels.Device, z.Length,
            new ReparameterizeArgs { Mu = mu.View(), LogVar = logVar.View(), Eps = eps.View(), Z = z.View() },
            KernelCost.Streaming(z.Length, 3, 1, 4));
}
