using GpuGen.Kernels.Layout;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuLayout(IlgpuDevice device) : ILayoutKernels
{
    public void Copy(Tensor x, Tensor y, in BoxCopy box) =>
        Launcher.Device(device, LayoutDevice.Copy, box.Count, new BoxCopyArgs { X = x.View(), Y = y.View(), Box = box },
            KernelCost.Streaming(box.Count, 1, 1));
}
