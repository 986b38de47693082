using GpuGen.Kernels.Conv;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostConv : IConvKernels
{
    public void Im2Col(Tensor x, Tensor cols, in ConvGeometry g, float padValue) =>
        Launcher.Host(cols.Device, "ConvHost.Im2Col", cols.Length, ElementwiseCost.Of(cols, x),
            (x: x.Segment(), c: cols.Segment(), g, padValue), static s => ConvHost.Im2Col(s.x, s.c, s.g, s.padValue));

    public void Col2Im(Tensor cols, Tensor x, in ConvGeometry g) =>
        Launcher.Host(x.Device, "ConvHost.Col2Im", cols.Length, ElementwiseCost.Of(x, cols),
            (c: cols.Segment(), x: x.Segment(), g), static s => ConvHost.Col2Im(s.c, s.x, s.g));

    public void SwapAxes01(Tensor x, Tensor? bias, Tensor y, int a, int b, int r) =>
        Launcher.Host(y.Device, "ConvHost.SwapAxes01", y.Length, ElementwiseCost.Of(y, x),
            (x: x.Segment(), y: y.Segment(), bias: bias?.Segment() ?? default, has: bias is not null, a, b, r),
            static s => ConvHost.SwapAxes01(s.x, s.y, s.bias, s.has, s.a, s.b, s.r));
}
