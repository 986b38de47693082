using GpuGen.Kernels.Conv;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuConv(IlgpuDevice device) : IConvKernels
{
    public void Im2Col(Tensor x, Tensor cols, in ConvGeometry g, float padValue) =>
        Launcher.Device(device, ConvDevice.Im2Col, cols.Length,
            new Im2ColArgs { X = x.View(), Cols = cols.View(), G = g, PadValue = padValue }, ElementwiseCost.Of(cols, x));

    public void Col2Im(Tensor cols, Tensor x, in ConvGeometry g) =>
        Launcher.Device(device, ConvDevice.Col2Im, x.Length,
            new Col2ImArgs { Cols = cols.View(), X = x.View(), G = g }, ElementwiseCost.Of(x, cols));

    public void SwapAxes01(Tensor x, Tensor? bias, Tensor y, int a, int b, int r) =>
        Launcher.Device(device, ConvDevice.SwapAxes01, y.Length,
            new SwapArgs { X = x.View(), Y = y.View(), Bias = (bias ?? x).View(), HasBias = bias is null ? 0 : 1, A = a, B = b, R = r },
            ElementwiseCost.Of(y, x));
}
