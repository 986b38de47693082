using GpuGen.Kernels.Augment;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostAugment : IAugmentKernels
{
    // per pixel: four reads and a bilinear blend, and a normal draw (about as much as 8 streamed floats)
    public void Views(Tensor images, Tensor views, in AugmentSettings settings, ulong seed, ulong offset) =>
        Launcher.Host(views.Device, "AugmentKernels.AugmentHost", views.Length, KernelCost.Streaming(views.Length, 1, 1, 24),
            (x: images.Segment(), y: views.Segment(), settings, seed, offset),
            static s => AugmentKernels.AugmentHost(s.x, s.y, s.settings, s.seed, s.offset));
}
