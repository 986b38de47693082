using GpuGen.Kernels.Blas1;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostBlas1 : IBlas1Kernels
{
    public void Fill(Tensor y, float value) =>
        Launcher.Host(y.Device, "Blas1Host.Fill", y.Length, KernelCost.Streaming(y.Length, 0, 1),
            (y: y.Segment(), value), static s => Blas1Host.Fill(s.y, s.value));

    public void Ramp(Tensor y, float start, float step) =>
        Launcher.Host(y.Device, "Blas1Host.Ramp", y.Length, KernelCost.Streaming(y.Length, 0, 1, 2),
            (y: y.Segment(), start, step), static s => Blas1Host.Ramp(s.y, s.start, s.step));

    public void Copy(Tensor x, Tensor y) =>
        Launcher.Host(y.Device, "Blas1Host.Copy", y.Length, KernelCost.Streaming(y.Length, 1, 1),
            (x: x.Segment(), y: y.Segment()), static s => Blas1Host.Copy(s.x, s.y));

    public void Scale(Tensor y, float alpha) =>
        Launcher.Host(y.Device, "Blas1Host.Scale", y.Length, KernelCost.Streaming(y.Length, 1, 1, 1),
            (y: y.Segment(), alpha), static s => Blas1Host.Scale(s.y, s.alpha));

    public void Axpy(float alpha, Tensor x, Tensor y) =>
        Launcher.Host(y.Device, "Blas1Host.Axpy", y.Length, KernelCost.Streaming(y.Length, 2, 1, 2),
            (alpha, x: x.Segment(), y: y.Segment()), static s => Blas1Host.Axpy(s.alpha, s.x, s.y));
}
