using GpuGen.Kernels.Elementwise;
using K = GpuGen.Kernels.Elementwise;

namespace GpuGen;

// Unary elementwise ops: a new tensor of x's shape holding f(x). The formulas (and which are
// made stable, and how) are in kernels/GpuGen.Kernels/Elementwise/UnaryOps.cs.
public static partial class Ops
{
    public static Tensor Neg(Tensor x) => Map("neg", x, new K.Neg());
    public static Tensor Exp(Tensor x) => Map("exp", x, new K.Exp());
    public static Tensor Log(Tensor x) => Map("log", x, new K.Log());
    public static Tensor Log1p(Tensor x) => Map("log1p", x, new K.Log1p());
    public static Tensor Expm1(Tensor x) => Map("expm1", x, new K.Expm1());
    public static Tensor Sqrt(Tensor x) => Map("sqrt", x, new K.Sqrt());
    public static Tensor Rsqrt(Tensor x) => Map("rsqrt", x, new K.Rsqrt());
    public static Tensor Abs(Tensor x) => Map("abs", x, new K.Abs());
    public static Tensor Sign(Tensor x) => Map("sign", x, new K.Sign());
    public static Tensor Sigmoid(Tensor x) => Map("sigmoid", x, new K.Sigmoid());
    public static Tensor LogSigmoid(Tensor x) => Map("logSigmoid", x, new K.LogSigmoid());
    public static Tensor Tanh(Tensor x) => Map("tanh", x, new K.Tanh());
    public static Tensor Relu(Tensor x) => Map("relu", x, new K.Relu());
    public static Tensor LeakyRelu(Tensor x, float slope = 0.01f) => Map("leakyRelu", x, new K.LeakyRelu(slope));
    public static Tensor Elu(Tensor x, float alpha = 1f) => Map("elu", x, new K.Elu(alpha));
    public static Tensor Softplus(Tensor x) => Map("softplus", x, new K.Softplus());
    public static Tensor Silu(Tensor x) => Map("silu", x, new K.Silu());
    public static Tensor Gelu(Tensor x) => Map("gelu", x, new K.Gelu());
    public static Tensor Sin(Tensor x) => Map("sin", x, new K.Sin());
    public static Tensor Cos(Tensor x) => Map("cos", x, new K.Cos());
    public static Tensor Square(Tensor x) => Map("square", x, new K.Square());

    public static Tensor Clamp(Tensor x, float min, float max)
    {
        if (!(min <= max)) throw new ArgumentException($"clamp: min {min} must not exceed max {max}");
        return Map("clamp", x, new K.Clamp(min, max));
    }

    /// <summary>xᵖ elementwise for a scalar exponent.</summary>
    public static Tensor Pow(Tensor x, float exponent) => Map("pow", x, new PowScalar(exponent));

    /// <summary>Runs a unary kernel into a new tensor of x's shape.</summary>
    private static Tensor Map<TOp>(string op, Tensor x, TOp f) where TOp : struct, IUnaryOp
    {
        Check.Alive(op, "x", x);
        var y = Tensor.Empty(x.Shape, x.Device);
        x.Device.Backend.Elementwise.Unary(f, x, y);
        return y;
    }
}
