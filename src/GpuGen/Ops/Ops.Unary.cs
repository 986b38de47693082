using GpuGen.Kernels.Elementwise;
using K = GpuGen.Kernels.Elementwise;

namespace GpuGen;

// Unary elementwise ops: y = f(x), a new tensor of x's shape, with the derivative beside each
// one as dx = rule(g, x, y) for the incoming gradient g (cf. PyTorch's derivatives.yaml). The
// rules are written with ops, so they are differentiable again. The forward formulas (and
// which are made stable, and how) are in kernels/GpuGen.Kernels/Elementwise/UnaryOps.cs.
public static partial class Ops
{
    public static Tensor Neg(Tensor x) => Map("neg", x, new K.Neg(), (g, x, y) => Neg(g));
    public static Tensor Exp(Tensor x) => Map("exp", x, new K.Exp(), (g, x, y) => Mul(g, y));
    public static Tensor Log(Tensor x) => Map("log", x, new K.Log(), (g, x, y) => Div(g, x));
    public static Tensor Log1p(Tensor x) => Map("log1p", x, new K.Log1p(), (g, x, y) => Div(g, Add(x, 1f)));
    public static Tensor Expm1(Tensor x) => Map("expm1", x, new K.Expm1(), (g, x, y) => Mul(g, Add(y, 1f)));
    public static Tensor Sqrt(Tensor x) => Map("sqrt", x, new K.Sqrt(), (g, x, y) => Div(Mul(g, 0.5f), y));
    public static Tensor Rsqrt(Tensor x) => Map("rsqrt", x, new K.Rsqrt(), (g, x, y) => Mul(Mul(g, -0.5f), Div(y, x)));
    public static Tensor Abs(Tensor x) => Map("abs", x, new K.Abs(), (g, x, y) => Mul(g, Sign(x)));
    /// <summary>−1, 0 or 1; piecewise constant, so its output does not track gradients.</summary>
    public static Tensor Sign(Tensor x) => Map("sign", x, new K.Sign(), grad: null);
    /// <summary>⌊x⌋ (binning, indices); piecewise constant, so it carries no gradient.</summary>
    public static Tensor Floor(Tensor x) => Map("floor", x, new K.Floor(), grad: null);
    public static Tensor Sigmoid(Tensor x) => Map("sigmoid", x, new K.Sigmoid(), (g, x, y) => Mul(g, Mul(y, Sub(1f, y))));
    public static Tensor LogSigmoid(Tensor x) => Map("logSigmoid", x, new K.LogSigmoid(), (g, x, y) => Mul(g, Sigmoid(Neg(x))));
    public static Tensor Tanh(Tensor x) => Map("tanh", x, new K.Tanh(), (g, x, y) => Mul(g, Sub(1f, Square(y))));
    public static Tensor Relu(Tensor x) => Map("relu", x, new K.Relu(), (g, x, y) => PositiveGate(g, x, 0f));
    public static Tensor LeakyRelu(Tensor x, float slope = 0.01f) => Map("leakyRelu", x, new K.LeakyRelu(slope),
        (g, x, y) => PositiveGate(g, x, slope)); // 1 where x > 0, slope at 0 and below (PyTorch's convention)

    /// <summary>
    /// The derivative of ReLU (slope 0) and leaky ReLU as one kernel: g where x &gt; 0, slope·g
    /// elsewhere (x = 0 included, as PyTorch). Linear in g, piecewise constant in x, so its own
    /// derivative is the same gate applied to the incoming gradient, and none reaches x: the
    /// second-order pass through an activation costs one kernel, not three.
    /// </summary>
    public static Tensor PositiveGate(Tensor g, Tensor x, float slope)
    {
        const string op = "positiveGate";
        Check.Alive(op, "g", g);
        Check.Alive(op, "x", x);
        Check.SameDevice(op, "g", g, "x", x);
        if (g.Shape != x.Shape)
            throw new ShapeMismatchException($"{op}: the gradient has shape {g.Shape} but the input has {x.Shape}");
        var y = Tensor.Empty(x.Shape, x.Device);
        var (_, geometry) = BroadcastPlan.Create(op, g, x);
        x.Device.Backend.Elementwise.Binary(new K.PositiveGate(slope), g, x, y, geometry);
        return Autograd.Record(op, y, [g, x], (gg, needs) => [needs[0] ? PositiveGate(gg, x, slope) : null, null]);
    }
    public static Tensor Elu(Tensor x, float alpha = 1f) => Map("elu", x, new K.Elu(alpha),
        (g, x, y) => Mul(g, Where(Greater(x, 0f), Ones(x), Add(y, alpha)))); // d/dx α(eˣ − 1) = y + α
    public static Tensor Softplus(Tensor x) => Map("softplus", x, new K.Softplus(), (g, x, y) => Mul(g, Sigmoid(x)));
    public static Tensor Silu(Tensor x) => Map("silu", x, new K.Silu(), (g, x, y) =>
    {
        if (!GradMode.Enabled) return SiluGate(g, x); // a first-order backward: one fused pass
        var s = Sigmoid(x); // d/dx x·σ(x) = σ + x·σ·(1 − σ), recorded so that it can be differentiated again
        return Mul(g, Add(s, Mul(y, Sub(1f, s))));
    });

    /// <summary>g·σ(x)·(1 + x·(1 − σ(x))), SiLU's backward in one kernel; not recorded (the rule
    /// switches to recorded ops under createGraph).</summary>
    private static Tensor SiluGate(Tensor g, Tensor x)
    {
        var y = Tensor.Empty(x.Shape, x.Device);
        var (_, geometry) = BroadcastPlan.Create("siluGate", g, x);
        x.Device.Backend.Elementwise.Binary(new K.SiluGate(), g, x, y, geometry);
        return y;
    }
    public static Tensor Gelu(Tensor x) => Map("gelu", x, new K.Gelu(), (g, x, y) =>
        Mul(g, Add(NormalCdf(x), Mul(x, NormalPdf(x))))); // d/dx x·Φ(x) = Φ(x) + x·φ(x)
    public static Tensor Sin(Tensor x) => Map("sin", x, new K.Sin(), (g, x, y) => Mul(g, Cos(x)));
    public static Tensor Cos(Tensor x) => Map("cos", x, new K.Cos(), (g, x, y) => Neg(Mul(g, Sin(x))));
    public static Tensor Square(Tensor x) => Map("square", x, new K.Square(), (g, x, y) => Mul(g, Mul(x, 2f)));

    /// <summary>Φ(x), the standard normal CDF, ½(1 + erf(x/√2)); dΦ/dx = φ(x).</summary>
    public static Tensor NormalCdf(Tensor x) => Map("normalCdf", x, new K.NormalCdf(), (g, x, y) => Mul(g, NormalPdf(x)));

    /// <summary>φ(x) = e^(−x²/2)/√(2π), composed from differentiable ops.</summary>
    public static Tensor NormalPdf(Tensor x) => Mul(Exp(Mul(Square(x), -0.5f)), 0.3989422804014327f);

    public static Tensor Clamp(Tensor x, float min, float max)
    {
        if (!(min <= max)) throw new ArgumentException($"clamp: min {min} must not exceed max {max}");
        return Map("clamp", x, new K.Clamp(min, max), (g, x, y) => Mul(g, Mul(GreaterEqual(x, min), LessEqual(x, max))));
    }

    /// <summary>xᵖ elementwise for a scalar exponent; d/dx = p·xᵖ⁻¹.</summary>
    public static Tensor Pow(Tensor x, float exponent) => Map("pow", x, new PowScalar(exponent),
        (g, x, y) => Mul(g, Mul(Pow(x, exponent - 1f), exponent)));

    /// <summary>Runs a unary kernel into a new tensor of x's shape, recorded with <paramref name="grad"/>
    /// (dx from g, x, y) unless that is null (a piecewise-constant op).</summary>
    private static Tensor Map<TOp>(string op, Tensor x, TOp f, Func<Tensor, Tensor, Tensor, Tensor>? grad) where TOp : struct, IUnaryOp
    {
        Check.Alive(op, "x", x);
        var y = Tensor.Empty(x.Shape, x.Device);
        x.Device.Backend.Elementwise.Unary(f, x, y);
        return grad is null ? y : Autograd.Record(op, y, [x], (g, _) => [grad(g, x, y)]);
    }

    /// <summary>A tensor of ones shaped and placed like <paramref name="like"/>.</summary>
    private static Tensor Ones(Tensor like) => Tensor.Ones(like.Shape, like.Device);
}
