using GpuGen.Backends;
using GpuGen.Kernels.Conv;

namespace GpuGen;

// The convolution's three products, each one recorded op whose backward rules are the other two:
//
//   conv              y  = Conv(x, W) + b           ∂x = ConvDataGrad(gy, W)   ∂W = ConvWeightGrad(x, gy)   ∂b = Σ gy
//   convDataGrad      gx = ConvDataGrad(gy, W)      ∂gy = Conv(g, W)           ∂W = ConvWeightGrad(g, gy)
//   convWeightGrad    gW = ConvWeightGrad(x, gy)    ∂x = ConvDataGrad(gy, g)   ∂gy = Conv(x, g)
//
// Each is bilinear, and ConvDataGrad and ConvWeightGrad are Conv's adjoints in x and in W
// (⟨Conv(x, W), gy⟩ = ⟨x, ConvDataGrad(gy, W)⟩ = ⟨W, ConvWeightGrad(x, gy)⟩), so the set is closed
// under differentiation: derivatives of every order (a WGAN-GP critic's penalty) stay in it.
// A transposed convolution is ConvDataGrad with its input in the gradient's place.
//
// The host computes each as per-image GEMMs over an in-cache im2col (ConvHostGemm); other
// backends compose Im2Col, a batched GEMM and SwapAxes01 (ConvDevice's kernels), unrecorded.
public static partial class Ops
{
    /// <summary>Conv(x, W) + bias: y [N, O, OH, OW] from x [N, C, H, W] and W [O, C/groups, KH, KW].</summary>
    internal static Tensor ConvForward(Tensor x, Tensor weight, Tensor? bias, Window2d window, int groups)
    {
        var g = window.Over("conv2d", x.Shape);
        int o = weight.Shape[0];
        Tensor y;
        if (x.Device.Backend.Conv is IConvGemmKernels direct)
        {
            y = Tensor.Empty(Shape.Of(g.N, o, g.OH, g.OW), x.Device);
            direct.Forward(x, weight, bias, y, g, groups);
        }
        else
        {
            using var noGrad = Autograd.NoGrad();
            using var scope = new TensorScope();
            var products = MatMul(weight.Reshape(groups, o / groups, g.Rows / groups), GroupedPatches(x, window, g, groups)); // [G, O/G, N·P]
            y = scope.Keep(SwapAxes01(products.Reshape(o, g.N, g.OH * g.OW), bias).Reshape(g.N, o, g.OH, g.OW));
        }
        var xShape = x.Shape;
        var wShape = weight.Shape;
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Autograd.Record("conv2d", y, inputs, (gy, needs) =>
        [
            needs[0] ? ConvDataGrad(gy, weight, xShape, window, groups) : null,
            needs[1] ? ConvWeightGrad(x, gy, wShape, window, groups) : null,
            .. bias is null ? Array.Empty<Tensor?>() : [needs[2] ? Sum(Sum(gy.Reshape(g.N, o, g.OH * g.OW), 2), 0) : null],
        ]);
    }

    /// <summary>The adjoint of Conv in x: gx [imageShape] from gy [N, O, OH, OW] and W [O, C/groups, KH, KW].</summary>
    internal static Tensor ConvDataGrad(Tensor gy, Tensor weight, Shape imageShape, Window2d window, int groups)
    {
        var g = window.Over("convDataGrad", imageShape);
        int o = weight.Shape[0];
        CheckGradientShape("convDataGrad", gy, g, o, weight.Shape, imageShape);
        Tensor gx;
        if (gy.Device.Backend.Conv is IConvGemmKernels direct)
        {
            gx = Tensor.Empty(imageShape, gy.Device);
            direct.DataGrad(gy, weight, gx, g, groups);
        }
        else
        {
            using var noGrad = Autograd.NoGrad();
            using var scope = new TensorScope();
            var cols = MatMul(weight.Reshape(groups, o / groups, g.Rows / groups), GroupedGradient(gy, g, o, groups), transA: true); // [G, CK, N·P]
            gx = scope.Keep(Col2Im(cols.Reshape(g.Rows, g.Columns), imageShape, window));
        }
        var wShape = weight.Shape;
        return Autograd.Record("convDataGrad", gx, [gy, weight], (gg, needs) =>
        [
            needs[0] ? ConvForward(gg, weight, null, window, groups) : null,
            needs[1] ? ConvWeightGrad(gg, gy, wShape, window, groups) : null,
        ]);
    }

    /// <summary>The adjoint of Conv in W: gW [weightShape] = Σₙ gy[n]·cols(x[n])ᵀ per group.</summary>
    internal static Tensor ConvWeightGrad(Tensor x, Tensor gy, Shape weightShape, Window2d window, int groups)
    {
        var g = window.Over("convWeightGrad", x.Shape);
        int o = weightShape[0];
        CheckGradientShape("convWeightGrad", gy, g, o, weightShape, x.Shape);
        Tensor gw;
        if (x.Device.Backend.Conv is IConvGemmKernels direct)
        {
            gw = Tensor.Empty(weightShape, x.Device);
            direct.WeightGrad(x, gy, gw, g, groups);
        }
        else
        {
            using var noGrad = Autograd.NoGrad();
            using var scope = new TensorScope();
            var products = MatMul(GroupedGradient(gy, g, o, groups), GroupedPatches(x, window, g, groups), transB: true); // [G, O/G, CK]
            gw = scope.Keep(products.Reshape(weightShape.ToArray()));
        }
        var xShape = x.Shape;
        return Autograd.Record("convWeightGrad", gw, [x, gy], (gg, needs) =>
        [
            needs[0] ? ConvDataGrad(gy, gg, xShape, window, groups) : null,
            needs[1] ? ConvForward(x, gg, null, window, groups) : null,
        ]);
    }

    /// <summary>The composed paths' patch matrix of x per group: Im2Col(x) as [G, CK, N·P].</summary>
    private static Tensor GroupedPatches(Tensor x, Window2d window, ConvGeometry g, int groups) =>
        Im2Col(x, window).Reshape(groups, g.Rows / groups, g.Columns);

    /// <summary>The composed paths' gradient per group: gy [N, O, P] as [G, O/G, N·P].</summary>
    private static Tensor GroupedGradient(Tensor gy, ConvGeometry g, int o, int groups) =>
        SwapAxes01(gy.Reshape(g.N, o, g.OH * g.OW)).Reshape(groups, o / groups, g.Columns);

    private static void CheckGradientShape(string op, Tensor gy, ConvGeometry g, int o, Shape weightShape, Shape imageShape)
    {
        if (gy.Shape != Shape.Of(g.N, o, g.OH, g.OW))
            throw new ShapeMismatchException($"{op}: gy has shape {gy.Shape}; a {weightShape} weight over {imageShape} gives [{g.N}, {o}, {g.OH}, {g.OW}]");
    }
}
