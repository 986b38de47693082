using GpuGen.Kernels.Augment;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuAugment(IlgpuDevice device) : IAugmentKernels
{
    public void Views(Tensor images, Tensor views, in AugmentSettings settings, ulong seed, ulong offset) =>
        Launcher.Device(device, AugmentKernels.AugmentDevice, views.Length,
            new AugmentArgs { Images = images.View(), Views = views.View(), S = settings, Seed = seed, Offset = offset },
            KernelCost.Streaming(views.Length, 1, 1, 24));
}
