using GpuGen.Kernels.Layout;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostLayout : ILayoutKernels
{
    public void Copy(Tensor x, Tensor y, in BoxCopy box) =>
        Launcher.Host(y.Device, "LayoutHost.Copy", box.Count, KernelCost.Streaming(box.Count, 1, 1),
            (x: x.Segment(), y: y.Segment(), box), static s => LayoutHost.Copy(s.x, s.y, s.box));

    public void SelectRows(Tensor x, Tensor indices, Tensor y, int width) =>
        Launcher.Host(y.Device, "IndexHost.SelectRows", y.Length, KernelCost.Streaming(y.Length, 1, 1),
            (x: x.Segment(), i: indices.Segment(), y: y.Segment(), width), static s => IndexHost.SelectRows(s.x, s.i, s.y, s.width));

    public void AddRows(Tensor g, Tensor indices, Tensor y, int width) =>
        Launcher.Host(y.Device, "IndexHost.AddRows", g.Length, KernelCost.Streaming(g.Length, 1, 1, 1),
            (g: g.Segment(), i: indices.Segment(), y: y.Segment(), width), static s => IndexHost.AddRows(s.g, s.i, s.y, s.width));

    public void GatherColumn(Tensor x, Tensor indices, Tensor y, int columns) =>
        Launcher.Host(y.Device, "IndexHost.GatherColumn", y.Length, KernelCost.Streaming(y.Length, 2, 1),
            (x: x.Segment(), i: indices.Segment(), y: y.Segment(), columns), static s => IndexHost.GatherColumn(s.x, s.i, s.y, s.columns));

    public void ScatterColumn(Tensor g, Tensor indices, Tensor y, int columns) =>
        Launcher.Host(y.Device, "IndexHost.ScatterColumn", y.Length, KernelCost.Streaming(y.Length, 0, 1),
            (g: g.Segment(), i: indices.Segment(), y: y.Segment(), columns), static s => IndexHost.ScatterColumn(s.g, s.i, s.y, s.columns));
}
