using GpuGen.Kernels.Layout;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostLayout : ILayoutKernels
{
    public void Copy(Tensor x, Tensor y, in BoxCopy box) =>
        Launcher.Host(y.Device, "LayoutHost.Copy", box.Count, KernelCost.Streaming(box.Count, 1, 1),
            (x: x.Segment(), y: y.Segment(), box), static s => LayoutHost.Copy(s.x, s.y, s.box));
}
