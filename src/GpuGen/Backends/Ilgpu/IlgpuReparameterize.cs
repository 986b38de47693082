using GpuGen.Kernels.Reparameterize;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuReparameterize(IlgpuDevice device) : IReparameterizeKernels
{
    public void Gaussian(Tensor mu, Tensor logVar, Tensor eps, Tensor z) =>
        Launcher.Device(device, ReparameterizeKernels.Device, z.Length,
            new ReparameterizeArgs { Mu = mu.View(), LogVar = logVar.View(), Eps = eps.View(), Z = z.View() },
            KernelCost.Streaming(z.Length, 3, 1, 4));

    public void GumbelSoftmax(Tensor logits, Tensor y, int classes, float temperature, ulong seed, ulong offset) =>
        Launcher.Device(device, GumbelSoftmaxKernels.Device, y.Length / classes,
            new GumbelSoftmaxArgs { Logits = logits.View(), Y = y.View(), Classes = classes, InverseTemperature = 1f / temperature, Seed = seed, Offset = offset },
            KernelCost.Streaming(y.Length, 1, 1, 30));
}
