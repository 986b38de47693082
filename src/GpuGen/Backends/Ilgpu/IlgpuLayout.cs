using GpuGen.Kernels.Layout;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuLayout(IlgpuDevice device) : ILayoutKernels
{
    public void Copy(Tensor x, Tensor y, in BoxCopy box) =>
        Launcher.Device(device, LayoutDevice.Copy, box.Count, new BoxCopyArgs { X = x.View(), Y = y.View(), Box = box },
            KernelCost.Streaming(box.Count, 1, 1));

    public void SelectRows(Tensor x, Tensor indices, Tensor y, int width) =>
        Launcher.Device(device, IndexDevice.SelectRows, y.Length, Rows(x, indices, y, width), KernelCost.Streaming(y.Length, 1, 1));

    public void AddRows(Tensor g, Tensor indices, Tensor y, int width) =>
        Launcher.Device(device, IndexDevice.AddRows, y.Length, Rows(g, indices, y, width), KernelCost.Streaming(g.Length, 1, 1, 1));

    public void GatherColumn(Tensor x, Tensor indices, Tensor y, int columns) =>
        Launcher.Device(device, IndexDevice.GatherColumn, y.Length, new GatherColumnArgs { X = x.View(), Indices = indices.View(), Y = y.View(), Columns = columns },
            KernelCost.Streaming(y.Length, 2, 1));

    public void ScatterColumn(Tensor g, Tensor indices, Tensor y, int columns) =>
        Launcher.Device(device, IndexDevice.ScatterColumn, y.Length, new GatherColumnArgs { X = g.View(), Indices = indices.View(), Y = y.View(), Columns = columns },
            KernelCost.Streaming(y.Length, 0, 1));

    private static IndexRowsArgs Rows(Tensor x, Tensor indices, Tensor y, int width) =>
        new() { X = x.View(), Indices = indices.View(), Y = y.View(), Width = width, Count = indices.Length };
}
