using System.Runtime.Intrinsics;

namespace GpuGen.Kernels.Elementwise;

// The unary ops, y = f(x). Each gives its scalar formula (used by the device kernel and the
// host's scalar tail) and its Vector512 formula (Lanes.Map, lane by lane, only for pow).

public struct Neg : IUnaryOp
{
    public readonly float Apply(float x) => -x;
    public readonly Vector512<float> Apply(Vector512<float> x) => -x;
}

public struct Exp : IUnaryOp
{
    public readonly float Apply(float x) => MathF.Exp(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => Vector512.Exp(x);
}

public struct Log : IUnaryOp
{
    public readonly float Apply(float x) => MathF.Log(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => Vector512.Log(x);
}

/// <summary>log(1 + x), accurate near 0.</summary>
public struct Log1p : IUnaryOp
{
    public readonly float Apply(float x) => StableMath.Log1p(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => StableMath.Log1p(x);
}

/// <summary>exp(x) − 1, accurate near 0.</summary>
public struct Expm1 : IUnaryOp
{
    public readonly float Apply(float x) => StableMath.Expm1(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => StableMath.Expm1(x);
}

public struct Sqrt : IUnaryOp
{
    public readonly float Apply(float x) => MathF.Sqrt(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => Vector512.Sqrt(x);
}

/// <summary>1 / √x.</summary>
public struct Rsqrt : IUnaryOp
{
    public readonly float Apply(float x) => 1f / MathF.Sqrt(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => Vector512<float>.One / Vector512.Sqrt(x);
}

public struct Abs : IUnaryOp
{
    public readonly float Apply(float x) => MathF.Abs(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => Vector512.Abs(x);
}

/// <summary>−1, 0 or 1 (±0 and NaN pass through).</summary>
/// <summary>⌊x⌋, the largest whole number not above x.</summary>
public struct Floor : IUnaryOp
{
    public readonly float Apply(float x) => MathF.Floor(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => Vector512.Floor(x);
}

public struct Sign : IUnaryOp
{
    public readonly float Apply(float x) => x > 0f ? 1f : x < 0f ? -1f : x;
    public readonly Vector512<float> Apply(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), Vector512<float>.One,
            Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512.Create(-1f), x));
}

/// <summary>1 / (1 + e⁻ˣ), stable for any x.</summary>
public struct Sigmoid : IUnaryOp
{
    public readonly float Apply(float x) => StableMath.Sigmoid(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => StableMath.Sigmoid(x);
}

/// <summary>log σ(x) = −softplus(−x): no overflow, no log(0), at any x.</summary>
public struct LogSigmoid : IUnaryOp
{
    public readonly float Apply(float x) => -StableMath.Softplus(-x);
    public readonly Vector512<float> Apply(Vector512<float> x) => -StableMath.Softplus(-x);
}

/// <summary>tanh, series near 0 and exponential form beyond (see <see cref="StableMath.Tanh(float)"/>).</summary>
public struct Tanh : IUnaryOp
{
    public readonly float Apply(float x) => StableMath.Tanh(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => StableMath.Tanh(x);
}

/// <summary>max(x, 0); NaN passes through.</summary>
public struct Relu : IUnaryOp
{
    public readonly float Apply(float x) => x < 0f ? 0f : x;
    public readonly Vector512<float> Apply(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512<float>.Zero, x);
}

/// <summary>x for x ≥ 0, slope·x below.</summary>
public struct LeakyRelu(float slope) : IUnaryOp
{
    public float Slope = slope;
    public readonly float Apply(float x) => x >= 0f ? x : Slope * x;
    public readonly Vector512<float> Apply(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), x, Vector512.Create(Slope) * x);
}

/// <summary>x for x &gt; 0, α·(eˣ − 1) below.</summary>
public struct Elu(float alpha) : IUnaryOp
{
    public float Alpha = alpha;
    public readonly float Apply(float x) => x > 0f ? x : Alpha * StableMath.Expm1(x);
    public readonly Vector512<float> Apply(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, Vector512.Create(Alpha) * StableMath.Expm1(x));
}

/// <summary>log(1 + eˣ), stable for any x.</summary>
public struct Softplus : IUnaryOp
{
    public readonly float Apply(float x) => StableMath.Softplus(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => StableMath.Softplus(x);
}

/// <summary>x·σ(x) (swish).</summary>
public struct Silu : IUnaryOp
{
    public readonly float Apply(float x) => x * StableMath.Sigmoid(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => x * StableMath.Sigmoid(x);
}

/// <summary>x·Φ(x) = ½x·(1 + erf(x/√2)): the exact GELU (not the tanh approximation).</summary>
public struct Gelu : IUnaryOp
{
    public readonly float Apply(float x) => 0.5f * x * (1f + StableMath.Erf(x * 0.70710678118654752f));
    public readonly Vector512<float> Apply(Vector512<float> x) =>
        Vector512.Create(0.5f) * x * (Vector512<float>.One + StableMath.Erf(x * Vector512.Create(0.70710678118654752f)));
}

public struct Sin : IUnaryOp
{
    public readonly float Apply(float x) => MathF.Sin(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => Vector512.Sin(x);
}

public struct Cos : IUnaryOp
{
    public readonly float Apply(float x) => MathF.Cos(x);
    public readonly Vector512<float> Apply(Vector512<float> x) => Vector512.Cos(x);
}

public struct Square : IUnaryOp
{
    public readonly float Apply(float x) => x * x;
    public readonly Vector512<float> Apply(Vector512<float> x) => x * x;
}

/// <summary>min(max(x, lo), hi).</summary>
public struct Clamp(float lo, float hi) : IUnaryOp
{
    public float Lo = lo, Hi = hi;
    public readonly float Apply(float x) => StableMath.Min(StableMath.Max(x, Lo), Hi);
    public readonly Vector512<float> Apply(Vector512<float> x) => Vector512.Min(Vector512.Max(x, Vector512.Create(Lo)), Vector512.Create(Hi));
}

/// <summary>xᵖ for a scalar p.</summary>
public struct PowScalar(float exponent) : IUnaryOp
{
    public float Exponent = exponent;
    public readonly float Apply(float x) => StableMath.Pow(x, Exponent);
    public readonly Vector512<float> Apply(Vector512<float> x) => Lanes.Map(this, x);
}

/// <summary>A binary op with one operand fixed to a scalar: f(x, s), or f(s, x) when <see cref="ScalarFirst"/>.</summary>
public struct WithScalar<TOp>(TOp op, float scalar, bool scalarFirst) : IUnaryOp where TOp : struct, IBinaryOp
{
    public TOp Op = op;
    public float Scalar = scalar;
    public int ScalarFirst = scalarFirst ? 1 : 0;
    public readonly float Apply(float x) => ScalarFirst != 0 ? Op.Apply(Scalar, x) : Op.Apply(x, Scalar);
    public readonly Vector512<float> Apply(Vector512<float> x) =>
        ScalarFirst != 0 ? Op.Apply(Vector512.Create(Scalar), x) : Op.Apply(x, Vector512.Create(Scalar));
}

/// <summary>Φ(x) = ½(1 + erf(x/√2)), the standard normal CDF (GELU's derivative needs it).</summary>
public struct NormalCdf : IUnaryOp
{
    public readonly float Apply(float x) => 0.5f * (1f + StableMath.Erf(x * 0.70710678118654752f));
    public readonly Vector512<float> Apply(Vector512<float> x) =>
        Vector512.Create(0.5f) * (Vector512<float>.One + StableMath.Erf(x * Vector512.Create(0.70710678118654752f)));
}
