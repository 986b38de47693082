using GpuGen;
using R = GpuGen.Tests.Kernels.ElementwiseReference;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// Every unary op on cpu and ilgpu-cpu against a double reference on random inputs in the op's
/// domain, at sizes that exercise the vector body and the scalar tail (and the multi-core
/// split on cpu). Tolerance: rel·|ref| + abs, with rel a few float ulps (2⁻²⁴ ≈ 6e-8) for
/// the correctly rounded basics and up to ~1e-6 for the transcendental ones (MathF and the
/// .NET vector math differ from exact by a few ulps), abs where a result crosses zero.
/// </summary>
public class UnaryOpTests
{
    public sealed record Case(string Name, Func<Tensor, Tensor> Op, Func<double, double> Reference, float Lo, float Hi, double Rel, double Abs = 0)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    [
        new("neg", Ops.Neg, x => -x, -4, 4, 0),
        new("exp", Ops.Exp, Math.Exp, -10, 10, 1e-6),
        new("log", Ops.Log, Math.Log, 1e-3f, 100, 1e-6, 1e-7),
        new("log1p", Ops.Log1p, R.Log1p, -0.9f, 4, 1e-6),
        new("expm1", Ops.Expm1, R.Expm1, -4, 4, 1e-6),
        new("sqrt", Ops.Sqrt, Math.Sqrt, 0, 100, 2e-7),
        new("rsqrt", Ops.Rsqrt, x => 1 / Math.Sqrt(x), 1e-3f, 100, 4e-7),
        new("abs", Ops.Abs, Math.Abs, -4, 4, 0),
        new("sign", Ops.Sign, x => Math.Sign(x), -4, 4, 0),
        new("floor", Ops.Floor, Math.Floor, -4, 4, 0),
        new("sigmoid", Ops.Sigmoid, R.Sigmoid, -20, 20, 1e-6),
        new("logSigmoid", Ops.LogSigmoid, x => -R.Softplus(-x), -20, 20, 1e-6, 1e-7),
        new("tanh", Ops.Tanh, Math.Tanh, -6, 6, 1e-6),
        new("tanh near 0", Ops.Tanh, Math.Tanh, -0.4f, 0.4f, 4e-7),
        new("relu", Ops.Relu, x => Math.Max(x, 0), -4, 4, 0),
        new("leakyRelu", x => Ops.LeakyRelu(x, 0.2f), x => x >= 0 ? x : 0.2 * x, -4, 4, 2e-7),
        new("elu", x => Ops.Elu(x, 1.5f), x => x > 0 ? x : 1.5 * R.Expm1(x), -4, 4, 1e-6),
        new("softplus", Ops.Softplus, R.Softplus, -20, 20, 1e-6),
        new("silu", Ops.Silu, x => x * R.Sigmoid(x), -8, 8, 1e-6, 1e-7),
        new("gelu", Ops.Gelu, R.Gelu, -5, 5, 1e-6, 3e-7),
        new("sin", Ops.Sin, Math.Sin, -6, 6, 1e-6, 1e-7),
        new("cos", Ops.Cos, Math.Cos, -6, 6, 1e-6, 1e-7),
        new("square", Ops.Square, x => x * x, -4, 4, 1.2e-7),
        new("clamp", x => Ops.Clamp(x, -1, 0.5f), x => Math.Min(Math.Max(x, -1), 0.5), -4, 4, 0),
        new("pow 2.5", x => Ops.Pow(x, 2.5f), x => Math.Pow(x, 2.5), 0, 4, 1e-6),
        new("add scalar", x => Ops.Add(x, 1.5f), x => x + 1.5f, -4, 4, 1.2e-7, 1e-7),
        new("scalar sub", x => Ops.Sub(1.5f, x), x => 1.5f - x, -4, 4, 1.2e-7, 1e-7),
        new("scalar div", x => Ops.Div(2f, x), x => 2 / x, 0.1f, 4, 1.2e-7),
        new("mul scalar", x => Ops.Mul(x, -3f), x => -3 * x, -4, 4, 1.2e-7),
        new("scalar pow", x => Ops.Pow(2f, x), x => Math.Pow(2, x), -4, 4, 1e-6),
        new("greater scalar", x => Ops.Greater(x, 0.25f), x => x > 0.25f ? 1 : 0, -4, 4, 0),
    ];

    public static IEnumerable<TestCaseData> Runs()
    {
        foreach (var c in Cases)
        {
            foreach (var device in TestSupport.SimulatedGpus)
                yield return new TestCaseData(c, device, 37).SetArgDisplayNames(c.Name, device, "37");
            yield return new TestCaseData(c, "cpu", 1).SetArgDisplayNames(c.Name, "cpu", "1");
            yield return new TestCaseData(c, "cpu", 1000).SetArgDisplayNames(c.Name, "cpu", "1000");
            yield return new TestCaseData(c, "cpu", (1 << 20) + 5).SetArgDisplayNames(c.Name, "cpu", "1M+5");
        }
    }

    [TestCaseSource(nameof(Runs))]
    public void MatchesTheDoubleReference(Case c, string device, int n)
    {
        var rng = new Random(n + c.Name.Length);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = c.Lo + (float)rng.NextDouble() * (c.Hi - c.Lo);
        using var xt = Tensor.FromArray(x, Shape.Of(n), GpuGen.Devices.Get(device));
        using var y = c.Op(xt);
        Assert.That(y.Shape, Is.EqualTo(xt.Shape));
        var got = y.ToArray();
        for (int i = 0; i < n; i++)
        {
            double expected = c.Reference(x[i]);
            double tolerance = c.Rel * Math.Abs(expected) + c.Abs;
            if (!(Math.Abs(got[i] - expected) <= tolerance))
                Assert.Fail($"{c.Name}({x[i]:R}) = {got[i]:R}, expected {expected:R} ± {tolerance:G3} (element {i})");
        }
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void StableFormsStayFiniteAtHundred(string device)
    {
        var d = GpuGen.Devices.Get(device);
        float[] x = [-100f, -30f, 0f, 30f, 100f];
        using var xt = Tensor.FromArray(x, d);
        using var ones = Tensor.Ones(Shape.Of(5), d);
        using var zeros = Tensor.Zeros(Shape.Of(5), d);
        var checks = new (string Name, Tensor Got, Func<double, double> Reference)[]
        {
            ("softplus", Ops.Softplus(xt), R.Softplus),
            ("logSigmoid", Ops.LogSigmoid(xt), v => -R.Softplus(-v)),
            ("sigmoid", Ops.Sigmoid(xt), R.Sigmoid),
            ("bce(x, 1)", Ops.BceWithLogits(xt, ones), v => R.Bce(v, 1)),
            ("bce(x, 0)", Ops.BceWithLogits(xt, zeros), v => R.Bce(v, 0)),
        };
        foreach (var (name, got, reference) in checks)
        {
            var values = got.ToArray();
            got.Dispose();
            for (int i = 0; i < x.Length; i++)
            {
                double expected = reference(x[i]);
                Assert.That(float.IsFinite(values[i]), Is.True, $"{name}({x[i]}) = {values[i]}");
                // A result below float's normal range may be flushed to zero: OpenCL allows a device to flush
                // subnormals (Mesa's llvmpipe does: softplus(−100) = 3.7e-44 comes out 0 there).
                double subnormal = d.Info.Kind == DeviceKind.OpenCL ? 1.1754944e-38 : 1e-44; // the smallest normal float
                Assert.That(values[i], Is.EqualTo(expected).Within(1e-6 * Math.Abs(expected) + subnormal), $"{name}({x[i]})");
            }
        }
    }

    /// <summary>StableMath.Pow (float only, for devices without float64) against IEEE pow in double: the
    /// special cases exactly (NaN where pow is NaN), the rest within 1e-6 relative (and a few subnormal steps),
    /// plus, wherever a float logarithm enters, four ulp for each unit of |y·log x| (its rounding, scaled).</summary>
    [Test]
    public void FloatPowMatchesIeeePow()
    {
        float[] xs = [0f, -0f, 1f, -1f, 2f, -2f, 0.5f, -0.5f, 0.0075764377f, 3.7f, -3.7f, 1.0001f, 0.9999f, 1e-20f, 1e20f, 1e30f, float.PositiveInfinity, float.NegativeInfinity];
        float[] ys = [0f, 1f, -1f, 2f, -2f, 3f, -3f, 0.5f, -0.5f, 2.5f, -2.5f, -1.2f, -1.9f, 7f, 16f, 17f, 63.5f, 65f, 100.25f, 1000f, -1000f, float.PositiveInfinity, float.NegativeInfinity];
        foreach (float x in xs)
            foreach (float y in ys)
            {
                double expected = (float)Math.Pow(x, y);
                float got = GpuGen.Kernels.Elementwise.StableMath.Pow(x, y);
                if (double.IsNaN(expected) || double.IsInfinity(expected) || expected == 0)
                    Assert.That(got, Is.EqualTo(expected), $"pow({x}, {y})");
                else
                {
                    // the documented bound: wherever a float logarithm enters (a fraction, or |y| > 16), its
                    // rounding scaled by |y·log x|; integer powers up to 16 by squaring alone
                    bool squaringAlone = Math.Abs(y) <= 16 && y == MathF.Truncate(y);
                    double bound = 1e-6 + (!squaringAlone && float.IsFinite(y) && x != 1 ? Math.Abs(y * Math.Log(Math.Abs(x))) * Math.Pow(2, -22) : 0);
                    Assert.That(got, Is.EqualTo(expected).Within(bound * Math.Abs(expected) + 1e-44), $"pow({x}, {y})"); // + a few subnormal steps
                }
            }
    }

    [Test]
    public void ClampRejectsAnEmptyRange()
    {
        using var x = Tensor.Ones(Shape.Of(2), TestSupport.Cpu);
        Assert.That(Assert.Throws<ArgumentException>(() => Ops.Clamp(x, 1, 0))!.Message, Does.Contain("clamp"));
    }
}
