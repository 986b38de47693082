using GpuGen.Kernels.Conv;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed unsafe class HostConv : IConvKernels, IConvGemmKernels
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

    public void Forward(Tensor x, Tensor weight, Tensor? bias, Tensor y, in ConvGeometry g, int groups) =>
        Launcher.Host(y.Device, "ConvHostGemm.Forward", y.Length, Cost(g, weight, x, y),
            (x: x.Pointer(), w: weight.Pointer(), b: bias?.Pointer() ?? 0, y: y.Pointer(), g, o: weight.Shape[0], groups),
            static s => ConvHostGemm.Forward((float*)s.x, (float*)s.w, (float*)s.b, (float*)s.y, s.g, s.o, s.groups));

    public void DataGrad(Tensor gy, Tensor weight, Tensor gx, in ConvGeometry g, int groups) =>
        Launcher.Host(gx.Device, "ConvHostGemm.DataGrad", gx.Length, Cost(g, weight, gy, gx),
            (gy: gy.Pointer(), w: weight.Pointer(), gx: gx.Pointer(), g, o: weight.Shape[0], groups),
            static s => ConvHostGemm.DataGrad((float*)s.gy, (float*)s.w, (float*)s.gx, s.g, s.o, s.groups));

    public void WeightGrad(Tensor x, Tensor gy, Tensor gw, in ConvGeometry g, int groups) =>
        Launcher.Host(gw.Device, "ConvHostGemm.WeightGrad", gw.Length, Cost(g, gw, x, gy),
            (x: x.Pointer(), gy: gy.Pointer(), gw: gw.Pointer(), g, o: gw.Shape[0], groups),
            static s => ConvHostGemm.WeightGrad((float*)s.x, (float*)s.gy, (float*)s.gw, s.g, s.o, s.groups));

    /// <summary>2·N·OH·OW·O·(C/groups)·KH·KW FLOPs (one multiply-add per weight per output pixel, the
    /// same for the three products), and the three tensors each moved once.</summary>
    private static KernelCost Cost(in ConvGeometry g, Tensor weight, Tensor a, Tensor b) =>
        new(2.0 * g.N * g.OH * g.OW * weight.Length, ((double)weight.Length + a.Length + b.Length) * sizeof(float));
}
