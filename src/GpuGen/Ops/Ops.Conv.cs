using GpuGen.Kernels.Conv;

namespace GpuGen;

/// <summary>A 2-D window: kernel size, stride, padding and dilation, each (height, width).</summary>
public readonly record struct Window2d((int H, int W) Kernel, (int H, int W) Stride, (int H, int W) Padding, (int H, int W) Dilation)
{
    public static Window2d Square(int kernel, int stride = 1, int padding = 0, int dilation = 1) =>
        new((kernel, kernel), (stride, stride), (padding, padding), (dilation, dilation));

    internal ConvGeometry Over(string op, Shape image)
    {
        if (image.Rank != 4) throw new ShapeMismatchException($"{op}: input has shape {image}; expected [N, C, H, W]");
        if (Kernel.H < 1 || Kernel.W < 1 || Stride.H < 1 || Stride.W < 1 || Dilation.H < 1 || Dilation.W < 1 || Padding.H < 0 || Padding.W < 0)
            throw new ArgumentException($"{op}: kernel, stride and dilation must be ≥ 1 and padding ≥ 0, got {this}");
        var g = ConvGeometry.Create(image[0], image[1], image[2], image[3], Kernel.H, Kernel.W, Stride.H, Stride.W,
            Padding.H, Padding.W, Dilation.H, Dilation.W);
        if (g.OH < 1 || g.OW < 1)
            throw new ShapeMismatchException($"{op}: a {Kernel.H}×{Kernel.W} window (dilation {Dilation.H}×{Dilation.W}, padding {Padding.H}×{Padding.W}) does not fit in {image}");
        return g;
    }
}

// The convolution family. Convolution and transposed convolution are the three products of
// Ops.ConvProducts.cs, closed under differentiation. Im2Col and Col2Im are each other's adjoint
// (and so each other's derivative), SwapAxes01 is its own; pooling composes them with reductions,
// and the device's convolutions compose them with MatMul (see CONTRIBUTING.md, "Convolutions").
public static partial class Ops
{
    /// <summary>The im2col matrix [C·KH·KW, N·OH·OW] of x [N, C, H, W] (<see cref="ConvGeometry"/>),
    /// <paramref name="padValue"/> outside the image. Derivative: Col2Im of the gradient.</summary>
    public static Tensor Im2Col(Tensor x, Window2d window, float padValue = 0f)
    {
        const string op = "im2col";
        Check.Alive(op, "x", x);
        var g = window.Over(op, x.Shape);
        var cols = Tensor.Empty(Shape.Of(g.Rows, g.Columns), x.Device);
        x.Device.Backend.Conv.Im2Col(x, cols, g, padValue);
        var imageShape = x.Shape;
        return Autograd.Record(op, cols, [x], (gc, _) => [Col2Im(gc, imageShape, window)]);
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: an image of <paramref name="imageShape"/> whose
    /// pixels sum the cols entries covering them. Derivative: Im2Col of the gradient.</summary>
    public static Tensor Col2Im(Tensor cols, Shape imageShape, Window2d window)
    {
        const string op = "col2im";
        Check.Alive(op, "cols", cols);
        var g = window.Over(op, imageShape);
        if (cols.Shape != Shape.Of(g.Rows, g.Columns))
            throw new ShapeMismatchException($"{op}: cols have shape {cols.Shape} but a {imageShape} image with this window needs [{g.Rows}, {g.Columns}]");
        var x = Tensor.Empty(imageShape, cols.Device);
        cols.Device.Backend.Conv.Col2Im(cols, x, g);
        return Autograd.Record(op, x, [cols], (gx, _) => [Im2Col(gx, window)]);
    }

    /// <summary>Swaps the first two axes: [A, B, …] → [B, A, …] (a copy). Its own derivative.</summary>
    public static Tensor SwapAxes01(Tensor x) => SwapAxes01(x, null);

    /// <summary>
    /// Swaps the first two axes and adds bias[a] to everything that came from row a, in one pass:
    /// how a convolution turns its GEMM output [O, N, P] into [N, O, P] with its bias.
    /// dx = swap(g); dbias = Σ over everything but the channel.
    /// </summary>
    public static Tensor SwapAxes01(Tensor x, Tensor? bias)
    {
        const string op = "swapAxes01";
        Check.Alive(op, "x", x);
        if (x.Rank < 2) throw new ShapeMismatchException($"{op}: x has shape {x.Shape}; needs at least two axes");
        int a = x.Shape[0], b = x.Shape[1], r = x.Length == 0 ? 0 : x.Length / (a * b);
        if (bias is not null)
        {
            Check.Alive(op, "bias", bias);
            if (bias.Shape != Shape.Of(a)) throw new ShapeMismatchException($"{op}: bias has shape {bias.Shape} but x has {a} rows ({x.Shape})");
        }
        var dims = x.Shape.ToArray();
        (dims[0], dims[1]) = (dims[1], dims[0]);
        var y = Tensor.Empty(new Shape(dims), x.Device);
        x.Device.Backend.Conv.SwapAxes01(x, bias, y, a, b, r);
        Tensor[] inputs = bias is null ? [x] : [x, bias];
        return Autograd.Record(op, y, inputs, (g, needs) =>
        [
            needs[0] ? SwapAxes01(g) : null,
            .. bias is null ? Array.Empty<Tensor?>() : [needs[1] ? Sum(Sum(g.Reshape(b, a, r), 2), 0) : null],
        ]);
    }

    /// <summary>
    /// 2-D convolution (cross-correlation, as in PyTorch) of x [N, C, H, W] with weight
    /// [O, C/groups, KH, KW] and optional bias [O]: y [N, O, OH, OW]. Computed as
    /// Wg·Im2Col(x) per group — one batched GEMM of [O/g, C/g·KH·KW] by [C/g·KH·KW, N·OH·OW] —
    /// then [O, N, OH·OW] → [N, O, OH·OW].
    /// </summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv2d(x, weight, bias, new Window2d((weight.Shape[-2], weight.Shape[-1]), (stride, stride), (padding, padding), (dilation, dilation)), groups);

    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, Window2d window, int groups = 1)
    {
        const string op = "conv2d";
        Check.Alive(op, "x", x);
        Check.Alive(op, "weight", weight);
        if (x.Rank != 4 || weight.Rank != 4 || groups < 1 || x.Shape[1] % groups != 0 || weight.Shape[0] % groups != 0
            || weight.Shape[1] * groups != x.Shape[1] || (weight.Shape[2], weight.Shape[3]) != window.Kernel)
            throw new ShapeMismatchException($"{op}: x has shape {x.Shape} and weight {weight.Shape} with {groups} group(s); expected x [N, C, H, W] and weight [O, C/groups, KH, KW], C and O divisible by groups");
        window.Over(op, x.Shape);
        if (bias is not null)
        {
            Check.Alive(op, "bias", bias);
            if (bias.Shape != Shape.Of(weight.Shape[0])) throw new ShapeMismatchException($"{op}: bias has shape {bias.Shape}; the weight {weight.Shape} has {weight.Shape[0]} output channels");
        }
        return ConvForward(x, weight, bias, window, groups); // Ops.ConvProducts.cs
    }

    /// <summary>
    /// Transposed 2-D convolution (the adjoint of <see cref="Conv2d"/> in x; PyTorch's
    /// ConvTranspose2d) of x [N, Cin, H, W] with weight [Cin, Cout/groups, KH, KW]:
    /// y [N, Cout, OH, OW], OH = (H − 1)·SH − 2·PH + DH·(KH − 1) + outputPadding + 1.
    /// Computed as <see cref="ConvDataGrad"/>, Col2Im(Wgᵀ·x) per group.
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0,
        int outputPadding = 0, int dilation = 1, int groups = 1)
    {
        const string op = "convTranspose2d";
        Check.Alive(op, "x", x);
        Check.Alive(op, "weight", weight);
        if (x.Rank != 4 || weight.Rank != 4 || groups < 1 || weight.Shape[0] != x.Shape[1] || x.Shape[1] % groups != 0)
            throw new ShapeMismatchException($"{op}: x has shape {x.Shape} and weight {weight.Shape} with {groups} group(s); expected x [N, Cin, H, W] and weight [Cin, Cout/groups, KH, KW]");
        if (outputPadding < 0 || outputPadding >= Math.Max(stride, dilation))
            throw new ArgumentException($"{op}: outputPadding {outputPadding} must be smaller than the stride or the dilation");
        int n = x.Shape[0], cin = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int kh = weight.Shape[2], kw = weight.Shape[3], cout = weight.Shape[1] * groups;
        int oh = (h - 1) * stride - 2 * padding + dilation * (kh - 1) + outputPadding + 1;
        int ow = (w - 1) * stride - 2 * padding + dilation * (kw - 1) + outputPadding + 1;
        var window = new Window2d((kh, kw), (stride, stride), (padding, padding), (dilation, dilation));
        var outShape = Shape.Of(n, cout, oh, ow);
        var g = window.Over(op, outShape);
        if (g.OH != h || g.OW != w)
            throw new ShapeMismatchException($"{op}: the output {outShape} does not map back onto the input's {h}×{w} (got {g.OH}×{g.OW})");
        var y = ConvDataGrad(x, weight, outShape, window, groups); // the adjoint of a convolution of the output (Ops.ConvProducts.cs)
        return bias is null ? y : Add(y, bias.Reshape(1, cout, 1, 1));
    }

    /// <summary>Max over each window (padding never wins: it is −∞). The gradient goes to the
    /// maximum of each window (shared among ties).</summary>
    public static Tensor MaxPool2d(Tensor x, int kernel, int? stride = null, int padding = 0) =>
        Pool("maxPool2d", x, Window2d.Square(kernel, stride ?? kernel, padding), float.NegativeInfinity, (v, axis) => Max(v, axis));

    /// <summary>Mean over each window, padding counted as zeros (PyTorch's count_include_pad).</summary>
    public static Tensor AvgPool2d(Tensor x, int kernel, int? stride = null, int padding = 0) =>
        Pool("avgPool2d", x, Window2d.Square(kernel, stride ?? kernel, padding), 0f, (v, axis) => Mean(v, axis));

    private static Tensor Pool(string op, Tensor x, Window2d window, float padValue, Func<Tensor, int, Tensor> reduce)
    {
        Check.Alive(op, "x", x);
        var g = window.Over(op, x.Shape);
        if (window.Padding.H * 2 > window.Kernel.H || window.Padding.W * 2 > window.Kernel.W)
            throw new ArgumentException($"{op}: padding {window.Padding} must be at most half the kernel {window.Kernel}");
        var cols = Im2Col(x, window, padValue).Reshape(g.C, window.Kernel.H * window.Kernel.W, g.Columns);
        var pooled = reduce(cols, 1).Reshape(g.C, g.N, g.OH * g.OW);                 // [C, N, P]
        return SwapAxes01(pooled).Reshape(g.N, g.C, g.OH, g.OW);
    }

    /// <summary>Nearest-neighbour upsampling of [N, C, H, W] by an integer factor: each pixel
    /// repeated scale × scale times (an expand; its gradient sums each block).</summary>
    public static Tensor UpsampleNearest(Tensor x, int scale)
    {
        const string op = "upsampleNearest";
        Check.Alive(op, "x", x);
        if (x.Rank != 4) throw new ShapeMismatchException($"{op}: x has shape {x.Shape}; expected [N, C, H, W]");
        if (scale < 1) throw new ArgumentException($"{op}: scale must be ≥ 1, got {scale}");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        return Expand(x.Reshape(n * c * h, 1, w, 1), Shape.Of(n * c * h, scale, w, scale)).Reshape(n, c, h * scale, w * scale);
    }

    /// <summary>
    /// Bilinear upsampling of [N, C, H, W] by an integer factor (PyTorch's align_corners=False:
    /// sample points at (o + ½)/scale − ½, clamped to the image). Bilinear interpolation is
    /// separable, so it is Ah·X·Awᵀ with fixed interpolation matrices: two batched GEMMs, whose
    /// derivatives are GEMMs again.
    /// </summary>
    public static Tensor UpsampleBilinear(Tensor x, int scale)
    {
        const string op = "upsampleBilinear";
        Check.Alive(op, "x", x);
        if (x.Rank != 4) throw new ShapeMismatchException($"{op}: x has shape {x.Shape}; expected [N, C, H, W]");
        if (scale < 1) throw new ArgumentException($"{op}: scale must be ≥ 1, got {scale}");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        var ah = InterpolationMatrix(h, scale, x.Device);   // [H·s, H]; saved by the recorded matmuls: not disposed here
        var aw = InterpolationMatrix(w, scale, x.Device);   // [W·s, W]
        var rows = MatMul(x.Reshape(n * c, h, w), aw, transB: true);   // [NC, H, W·s]
        return MatMul(ah, rows).Reshape(n, c, h * scale, w * scale);    // [NC, H·s, W·s]
    }

    /// <summary>The [size·scale, size] matrix of 1-D linear interpolation, align_corners=False.</summary>
    private static Tensor InterpolationMatrix(int size, int scale, Device device)
    {
        var m = new float[size * scale * size];
        for (int o = 0; o < size * scale; o++)
        {
            float source = Math.Max(0f, (o + 0.5f) / scale - 0.5f);
            int i0 = Math.Min((int)source, size - 1), i1 = Math.Min(i0 + 1, size - 1);
            float t = source - i0;
            m[o * size + i0] += 1f - t;
            m[o * size + i1] += t;
        }
        return Tensor.FromArray(m, Shape.Of(size * scale, size), device);
    }
}
