using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GpuGen.Kernels.Elementwise;

/// <summary>
/// Scalar functions that MathF lacks or computes unstably, built from exp, log and arithmetic
/// so that they compile for every ILGPU backend and run on the host alike.
/// </summary>
public static class StableMath
{
    /// <summary>max(a, b), NaN if either is NaN, otherwise MathF.Max (so +0 over −0, as the host's vectors). MathF.Max
    /// alone compiles to OpenCL's fmax and PTX's max.f32, which return the other operand of a NaN: a NaN would
    /// vanish from a max on a GPU.</summary>
    public static float Max(float a, float b) => float.IsNaN(a) ? a : float.IsNaN(b) ? b : MathF.Max(a, b);

    /// <summary>min(a, b), NaN if either is NaN, otherwise MathF.Min (see <see cref="Max"/>).</summary>
    public static float Min(float a, float b) => float.IsNaN(a) ? a : float.IsNaN(b) ? b : MathF.Min(a, b);

    /// <summary>
    /// xʸ in float alone (ILGPU compiles MathF.Pow through float64, which a device without fp64 refuses and
    /// most GPUs run at 1/32–1/64 speed). IEEE pow's special cases: y = 0 or x = 1 give 1; an infinite y
    /// gives 0, 1 or ∞ by |x|; x = ±0 or ±∞ gives 0 or ∞, signed for odd integer y; a negative x needs an
    /// integer y (else NaN) and takes the sign of an odd one. For |y| ≤ 16, y = n + f with n = trunc(y):
    /// xⁿ by repeated squaring (at most four squarings, so x² is exactly x·x as MathF.Pow rounds it) times
    /// exp(f·log x) with |f| &lt; 1 (n truncated toward zero, so xⁿ does not overflow where xʸ is finite);
    /// beyond, exp(y·log|x|) with the product's rounding error put back (Dekker). Where a logarithm enters,
    /// the relative error is a few ulp per unit of |y·log x| (the float logarithm's rounding, scaled), as
    /// FloatPowMatchesIeeePow checks.
    /// </summary>
    public static float Pow(float x, float y)
    {
        if (y == 0f || x == 1f) return 1f;
        if (float.IsNaN(x) || float.IsNaN(y)) return float.NaN;
        float ax = MathF.Abs(x), ay = MathF.Abs(y);
        if (float.IsInfinity(y)) return ax == 1f ? 1f : (ax > 1f) == (y > 0f) ? float.PositiveInfinity : 0f;
        float whole = MathF.Truncate(y), fraction = y - whole;
        bool oddInteger = fraction == 0f && ay < 16777216f && ((int)ay & 1) == 1; // every float from 2²⁴ up is even
        if (x == 0f || float.IsInfinity(x)) // 0 and ∞ (with their signs, for odd integers), as IEEE pow
        {
            float magnitude = (x == 0f) == (y > 0f) ? 0f : float.PositiveInfinity;
            return oddInteger && x < 0f || oddInteger && x == 0f && 1f / x < 0f ? -magnitude : magnitude;
        }
        if (x < 0f && fraction != 0f) return float.NaN;
        if (ay <= 16f)
        {
            // x⁻ⁿ as (1/x)ⁿ, not 1/xⁿ: xⁿ may overflow where x⁻ⁿ is still a (subnormal) float
            float power = 1f, square = whole < 0f ? 1f / x : x;
            for (int n = (int)MathF.Abs(whole); n > 0; n >>= 1)
            {
                if ((n & 1) != 0) power *= square;
                square *= square;
            }
            return fraction == 0f ? power : power * MathF.Exp(fraction * MathF.Log(x));
        }
        float logX = MathF.Log(ax), product = y * logX;
        float result = MathF.Exp(product) * (1f + ProductError(y, logX, product));
        return x < 0f && oddInteger ? -result : result;
    }

    /// <summary>a·b − p exactly, for p the float product of a and b (Dekker's two-product, by splitting each into
    /// 12-bit halves: no FMA, which ILGPU's OpenCL backend does not build). 0 where a split would overflow.</summary>
    private static float ProductError(float a, float b, float p)
    {
        const float Split = 4097f; // 2¹² + 1
        if (!(MathF.Abs(a) < 1e30f && MathF.Abs(b) < 1e30f && float.IsFinite(p))) return 0f;
        float ca = Split * a, aHigh = ca - (ca - a), aLow = a - aHigh;
        float cb = Split * b, bHigh = cb - (cb - b), bLow = b - bHigh;
        return ((aHigh * bHigh - p) + aHigh * bLow + aLow * bHigh) + aLow * bLow;
    }

    /// <summary>log(1 + x), accurate for small |x| (Kahan: log(u)·x/(u − 1) with u = 1 + x
    /// cancels the rounding of u; Goldberg 1991, thm. 4).</summary>
    public static float Log1p(float x)
    {
        float u = 1f + x;
        if (u == 1f) return x;
        if (float.IsInfinity(u)) return MathF.Log(u);
        return MathF.Log(u) * (x / (u - 1f));
    }

    /// <summary>exp(x) − 1, accurate for small |x| (Kahan: (u − 1)·x/log(u) with u = exp(x)).</summary>
    public static float Expm1(float x)
    {
        float u = MathF.Exp(x);
        if (u == 1f) return x;
        float um1 = u - 1f;
        if (um1 == -1f) return -1f;
        if (float.IsInfinity(u)) return u;
        return um1 * (x / MathF.Log(u));
    }

    /// <summary>log(1 + exp(x)) = max(x, 0) + log1p(exp(−|x|)): no overflow at any x.</summary>
    public static float Softplus(float x) => MathF.Max(x, 0f) + Log1p(MathF.Exp(-MathF.Abs(x)));

    /// <summary>1 / (1 + exp(−x)), with exp only of a non-positive argument.</summary>
    public static float Sigmoid(float x)
    {
        float e = MathF.Exp(-MathF.Abs(x));
        float r = 1f / (1f + e);
        return x >= 0f ? r : e * r;
    }

    /// <summary>
    /// erf(x) by Abramowitz &amp; Stegun 7.1.26 (absolute error ≤ 1.5·10⁻⁷, below float's
    /// resolution of values near 1), odd-extended to negative x.
    /// </summary>
    public static float Erf(float x)
    {
        float ax = MathF.Abs(x);
        float t = 1f / (1f + 0.3275911f * ax);
        float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
        float y = 1f - poly * MathF.Exp(-ax * ax);
        return x < 0f ? -y : y;
    }

    // Vector forms of the same formulas, for the host loops.

    public static Vector512<float> Log1p(Vector512<float> x)
    {
        var u = Vector512<float>.One + x;
        var r = Vector512.Log(u) * (x / (u - Vector512<float>.One));
        var exact = Vector512.Equals(u, Vector512<float>.One);
        var inf = Vector512.Equals(u, Vector512.Create(float.PositiveInfinity));
        return Vector512.ConditionalSelect(exact, x, Vector512.ConditionalSelect(inf, u, r));
    }

    /// <summary>exp(x) − 1 by Kahan's trick, lane-wise.</summary>
    public static Vector512<float> Expm1(Vector512<float> x)
    {
        var u = Vector512.Exp(x);
        var um1 = u - Vector512<float>.One;
        var r = um1 * (x / Vector512.Log(u));
        var exact = Vector512.Equals(u, Vector512<float>.One);
        var saturated = Vector512.Equals(um1, Vector512.Create(-1f)) | Vector512.Equals(u, Vector512.Create(float.PositiveInfinity));
        return Vector512.ConditionalSelect(exact, x, Vector512.ConditionalSelect(saturated, um1, r));
    }

    // tanh, piecewise so that it is accurate everywhere and cheap: for |x| < 0.3 the odd
    // Taylor series x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925 (the next term is
    // below 2·10⁻⁹ relative there); above, (1 − e)/(1 + e) with e = exp(−2|x|), where 1 − e ≥ 0.45
    // leaves no cancellation, and the sign of x restored. Scalar and vector forms are the same formula.
    private const float TanhSeriesLimit = 0.3f;
    private const float T3 = -1f / 3f, T5 = 2f / 15f, T7 = -17f / 315f, T9 = 62f / 2835f, T11 = -1382f / 155925f;

    public static float Tanh(float x)
    {
        float ax = MathF.Abs(x);
        if (ax < TanhSeriesLimit)
        {
            float z = x * x;
            return x + x * z * (T3 + z * (T5 + z * (T7 + z * (T9 + z * T11))));
        }
        float e = MathF.Exp(-2f * ax);
        return MathF.CopySign((1f - e) / (1f + e), x);
    }

    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var ax = Vector512.Abs(x);
        var z = x * x;
        var series = x + x * z * (Vector512.Create(T3) + z * (Vector512.Create(T5) + z * (Vector512.Create(T7)
            + z * (Vector512.Create(T9) + z * Vector512.Create(T11)))));
        var e = Vector512.Exp(Vector512.Create(-2f) * ax);
        var large = Vector512.CopySign((Vector512<float>.One - e) / (Vector512<float>.One + e), x);
        return Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(TanhSeriesLimit)), series, large);
    }

    /// <summary><see cref="Erf(float)"/>, lane-wise.</summary>
    public static Vector512<float> Erf(Vector512<float> x)
    {
        var ax = Vector512.Abs(x);
        var t = Vector512<float>.One / (Vector512<float>.One + Vector512.Create(0.3275911f) * ax);
        var poly = t * (Vector512.Create(0.254829592f) + t * (Vector512.Create(-0.284496736f) + t * (Vector512.Create(1.421413741f)
            + t * (Vector512.Create(-1.453152027f) + t * Vector512.Create(1.061405429f)))));
        var y = Vector512<float>.One - poly * Vector512.Exp(-ax * ax);
        return Vector512.CopySign(y, x);
    }

    public static Vector512<float> Softplus(Vector512<float> x) =>
        Vector512.Max(x, Vector512<float>.Zero) + Log1p(Vector512.Exp(-Vector512.Abs(x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
    {
        var e = ExpNonPositive(-Vector512.Abs(x));
        var r = Vector512<float>.One / (Vector512<float>.One + e);
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), r, e * r);
    }

    /// <summary>
    /// exp(x) for x ≤ 0 in float arithmetic: n = round(x·log₂e), r = x − n·ln 2 (ln 2 split in two
    /// so r is exact), e^r by Cephes's expf polynomial (|r| ≤ ½ln 2, error about 1 ulp), scaled by 2ⁿ
    /// through the exponent bits. Below −87.3 (where e^x is subnormal) it returns e^−87.3 ≈ 1.2·10⁻³⁸.
    /// .NET's Vector512.Exp of floats widens to double and narrows back (VectorMath.Narrow was 8% of a
    /// DDPM toy run's profile); a sigmoid, which needs only x ≤ 0, is the hot user (SiLU networks, BCE).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call passes the vectors through memory
    public static Vector512<float> ExpNonPositive(Vector512<float> x)
    {
        x = Vector512.Max(x, Vector512.Create(-87.33654f));
        // round to nearest by the 1.5·2²³ shifter: one FMA, and t's low mantissa bits are n as an integer
        var t = Vector512.FusedMultiplyAdd(x, Vector512.Create(1.44269504088896341f), Vector512.Create(12582912f));
        var n = t - Vector512.Create(12582912f);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        var e = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        return (e.AsInt32() + ((t.AsInt32() - Vector512.Create(0x4B400000)) << 23)).AsSingle();
    }
}
