using GpuGen.Kernels.Blas1;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuBlas1(IlgpuDevice device) : IBlas1Kernels
{
    public void Fill(Tensor y, float value) =>
        Launcher.Device(device, Blas1Device.Fill, y.Length, new FillArgs { Y = y.View(), Value = value },
            KernelCost.Streaming(y.Length, 0, 1));

    public void Ramp(Tensor y, float start, float step) =>
        Launcher.Device(device, Blas1Device.Ramp, y.Length, new RampArgs { Y = y.View(), Start = start, Step = step },
            KernelCost.Streaming(y.Length, 0, 1, 2));

    public void Copy(Tensor x, Tensor y) =>
        Launcher.Device(device, Blas1Device.Copy, y.Length, new CopyArgs { X = x.View(), Y = y.View() },
            KernelCost.Streaming(y.Length, 1, 1));

    public void Scale(Tensor y, float alpha) =>
        Launcher.Device(device, Blas1Device.Scale, y.Length, new ScaleArgs { Y = y.View(), Alpha = alpha },
            KernelCost.Streaming(y.Length, 1, 1, 1));

    public void Axpy(float alpha, Tensor x, Tensor y) =>
        Launcher.Device(device, Blas1Device.Axpy, y.Length, new AxpyArgs { X = x.View(), Y = y.View(), Alpha = alpha },
            KernelCost.Streaming(y.Length, 2, 1, 2));
}
