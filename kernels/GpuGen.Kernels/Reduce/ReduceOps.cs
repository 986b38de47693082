using System.Runtime.Intrinsics;
using GpuGen.Kernels.Elementwise;

namespace GpuGen.Kernels.Reduce;

/// <summary>
/// A reduction as a fold: acc = Identity; acc = Combine(acc, Map(x, c)) over the reduced
/// elements in a fixed order; result = Finish(acc, c). <c>c</c> is a per-output centre (the
/// mean for a variance, the max for a log-sum-exp; 0 when unused). Combine must be
/// associative (partials of chunks are combined at a higher level).
/// </summary>
public interface IReduceOp
{
    float Identity { get; }
    float Map(float x, float center);
    float Combine(float a, float b);
    float Finish(float acc, float center);
    Vector512<float> Map(Vector512<float> x, Vector512<float> center);
    Vector512<float> Combine(Vector512<float> a, Vector512<float> b);
}

/// <summary>Σx·Scale: the sum (Scale 1) or the mean (Scale 1/n).</summary>
public struct SumReduce(float scale) : IReduceOp
{
    public float Scale = scale;
    public readonly float Identity => 0f;
    public readonly float Map(float x, float center) => x;
    public readonly float Combine(float a, float b) => a + b;
    public readonly float Finish(float acc, float center) => acc * Scale;
    public readonly Vector512<float> Map(Vector512<float> x, Vector512<float> center) => x;
    public readonly Vector512<float> Combine(Vector512<float> a, Vector512<float> b) => a + b;
}

/// <summary>Σ(x − c)²·Scale, square-rooted when asked: the variance about the mean c with
/// Scale 1/(n − correction) (two passes: no cancellation), or the L2 norm with c = 0.</summary>
public struct SquaredDeviationReduce(float scale, bool takeRoot) : IReduceOp
{
    public float Scale = scale;
    public int TakeRoot = takeRoot ? 1 : 0;
    public readonly float Identity => 0f;
    public readonly float Map(float x, float center) => (x - center) * (x - center);
    public readonly float Combine(float a, float b) => a + b;
    public readonly float Finish(float acc, float center) => TakeRoot != 0 ? MathF.Sqrt(acc * Scale) : acc * Scale;
    public readonly Vector512<float> Map(Vector512<float> x, Vector512<float> center) => (x - center) * (x - center);
    public readonly Vector512<float> Combine(Vector512<float> a, Vector512<float> b) => a + b;
}

/// <summary>The largest element; NaN if any element is NaN.</summary>
public struct MaxReduce : IReduceOp
{
    public readonly float Identity => float.NegativeInfinity;
    public readonly float Map(float x, float center) => x;
    public readonly float Combine(float a, float b) => StableMath.Max(a, b);
    public readonly float Finish(float acc, float center) => acc;
    public readonly Vector512<float> Map(Vector512<float> x, Vector512<float> center) => x;
    public readonly Vector512<float> Combine(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
}

/// <summary>The smallest element; NaN if any element is NaN.</summary>
public struct MinReduce : IReduceOp
{
    public readonly float Identity => float.PositiveInfinity;
    public readonly float Map(float x, float center) => x;
    public readonly float Combine(float a, float b) => StableMath.Min(a, b);
    public readonly float Finish(float acc, float center) => acc;
    public readonly Vector512<float> Map(Vector512<float> x, Vector512<float> center) => x;
    public readonly Vector512<float> Combine(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);
}

/// <summary>Σ exp(x − c) with c the maximum (so no term exceeds 1 and nothing overflows);
/// finished as log(Σ) + c (log-sum-exp) or left as the sum (a softmax denominator).
/// An infinite maximum (a row of −∞, or one +∞) is replaced by 0 as the shift, so that
/// exp(x − c) never sees ∞ − ∞.</summary>
public struct SumExpReduce(bool takeLog) : IReduceOp
{
    public int TakeLog = takeLog ? 1 : 0;
    public readonly float Identity => 0f;
    public readonly float Map(float x, float center) => MathF.Exp(x - Shift(center));
    public readonly float Combine(float a, float b) => a + b;
    public readonly float Finish(float acc, float center) => TakeLog != 0 ? MathF.Log(acc) + Shift(center) : acc;
    public readonly Vector512<float> Map(Vector512<float> x, Vector512<float> center) =>
        Vector512.Exp(x - Vector512.ConditionalSelect(Vector512.Equals(Vector512.Abs(center), Vector512.Create(float.PositiveInfinity)), Vector512<float>.Zero, center));
    public readonly Vector512<float> Combine(Vector512<float> a, Vector512<float> b) => a + b;

    private static float Shift(float center) => float.IsInfinity(center) ? 0f : center;
}
