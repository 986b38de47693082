using System.Runtime.Intrinsics;

namespace GpuGen.Kernels.Elementwise;

// The binary ops, y = f(a, b), and the comparisons (1 where true, 0 where false).

public struct Add : IBinaryOp
{
    public readonly float Apply(float a, float b) => a + b;
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a + b;
}

public struct Sub : IBinaryOp
{
    public readonly float Apply(float a, float b) => a - b;
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a - b;
}

public struct Mul : IBinaryOp
{
    public readonly float Apply(float a, float b) => a * b;
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a * b;
}

public struct Div : IBinaryOp
{
    public readonly float Apply(float a, float b) => a / b;
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a / b;
}

/// <summary>max(a, b); NaN if either is NaN.</summary>
public struct Max : IBinaryOp
{
    public readonly float Apply(float a, float b) => StableMath.Max(a, b);
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
}

/// <summary>min(a, b); NaN if either is NaN.</summary>
public struct Min : IBinaryOp
{
    public readonly float Apply(float a, float b) => StableMath.Min(a, b);
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);
}

public struct Pow : IBinaryOp
{
    public readonly float Apply(float a, float b) => StableMath.Pow(a, b);
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Lanes.Map(this, a, b);
}

/// <summary>
/// Binary cross-entropy of a logit a against a target b in [0, 1]:
/// −[b·log σ(a) + (1 − b)·log(1 − σ(a))] = max(a, 0) − a·b + log1p(e^−|a|), finite at any a.
/// </summary>
public struct BceWithLogits : IBinaryOp
{
    public readonly float Apply(float a, float b) => MathF.Max(a, 0f) - a * b + StableMath.Log1p(MathF.Exp(-MathF.Abs(a)));
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) =>
        Vector512.Max(a, Vector512<float>.Zero) - a * b + StableMath.Log1p(Vector512.Exp(-Vector512.Abs(a)));
}

public struct Equal : IBinaryOp
{
    public readonly float Apply(float a, float b) => a == b ? 1f : 0f;
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Compare.ToFloat(Vector512.Equals(a, b));
}

public struct NotEqual : IBinaryOp
{
    public readonly float Apply(float a, float b) => a != b ? 1f : 0f;
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512<float>.One - Compare.ToFloat(Vector512.Equals(a, b));
}

public struct Less : IBinaryOp
{
    public readonly float Apply(float a, float b) => a < b ? 1f : 0f;
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Compare.ToFloat(Vector512.LessThan(a, b));
}

public struct LessOrEqual : IBinaryOp
{
    public readonly float Apply(float a, float b) => a <= b ? 1f : 0f;
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Compare.ToFloat(Vector512.LessThanOrEqual(a, b));
}

public struct Greater : IBinaryOp
{
    public readonly float Apply(float a, float b) => a > b ? 1f : 0f;
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Compare.ToFloat(Vector512.GreaterThan(a, b));
}

public struct GreaterOrEqual : IBinaryOp
{
    public readonly float Apply(float a, float b) => a >= b ? 1f : 0f;
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Compare.ToFloat(Vector512.GreaterThanOrEqual(a, b));
}

/// <summary>The gradient gate of ReLU and leaky ReLU: a where b &gt; 0, slope·a elsewhere (a the
/// incoming gradient, b the activation's input): one pass instead of a comparison, a scale and a product.</summary>
public readonly struct PositiveGate(float slope) : IBinaryOp
{
    public readonly float Apply(float a, float b) => b > 0f ? a : slope * a;
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(b, Vector512<float>.Zero), a, a * Vector512.Create(slope));
}

/// <summary>SiLU's gradient gate: a·σ(b)·(1 + b·(1 − σ(b))) = a·d/db[b·σ(b)] (a the incoming gradient,
/// b the activation's input): one pass instead of a sigmoid and four elementwise ops.</summary>
public readonly struct SiluGate : IBinaryOp
{
    public readonly float Apply(float a, float b)
    {
        float s = StableMath.Sigmoid(b);
        return a * s * (1f + b * (1f - s));
    }

    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b)
    {
        var s = StableMath.Sigmoid(b);
        return a * s * (Vector512<float>.One + b * (Vector512<float>.One - s));
    }
}

internal static class Compare
{
    /// <summary>A comparison mask (all bits set where true) as 1.0 / 0.0.</summary>
    public static Vector512<float> ToFloat(Vector512<float> mask) => Vector512.ConditionalSelect(mask, Vector512<float>.One, Vector512<float>.Zero);
}

/// <summary>a, ignoring b: with a broadcast geometry, copies a out to a larger shape (expand).</summary>
public struct First : IBinaryOp
{
    public readonly float Apply(float a, float b) => a;
    public readonly Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a;
}
