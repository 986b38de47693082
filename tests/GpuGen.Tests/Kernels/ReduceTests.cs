using GpuGen;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// Reductions on cpu and ilgpu-cpu against double references over every axis and over all
/// axes, with and without keepDim, including lengths that need several levels of chunks.
/// Sums are held to the bound for blocked recursive summation (Higham §4.2): at most
/// (chunk length + number of partials + 2) roundings of u = 2⁻²⁴, relative to Σ|terms|.
/// </summary>
public class ReduceTests
{
    private const double U = 5.960464477539063e-8;

    public sealed record Reduction(string Name, Func<Tensor, int?, bool, Tensor> Run, Func<double[], double> Reference,
        Func<double[], double> Scale, bool Exact = false)
    {
        public override string ToString() => Name;
    }

    private static double SumAbs(double[] v) => v.Sum(Math.Abs);
    private static double Mean(double[] v) => v.Average();
    private static double Var(double[] v, int c) { double m = Mean(v); return v.Sum(x => (x - m) * (x - m)) / (v.Length - c); }

    public static readonly Reduction[] Reductions =
    [
        new("sum", (x, a, k) => Ops.Sum(x, a, k), v => v.Sum(), SumAbs),
        new("mean", (x, a, k) => Ops.Mean(x, a, k), Mean, v => SumAbs(v) / v.Length),
        new("max", (x, a, k) => Ops.Max(x, a, k), v => v.Max(), _ => 0, Exact: true),
        new("min", (x, a, k) => Ops.Min(x, a, k), v => v.Min(), _ => 0, Exact: true),
        new("argMax", (x, a, k) => Ops.ArgMax(x, a, k), v => Array.IndexOf(v, v.Max()), _ => 0, Exact: true),
        new("norm", (x, a, k) => Ops.Norm(x, a, k), v => Math.Sqrt(v.Sum(t => t * t)), v => Math.Sqrt(v.Sum(t => t * t))),
        new("variance", (x, a, k) => Ops.Variance(x, a, k), v => Var(v, 0), v => 3 * Var(v, 0) + SumAbs(v) / v.Length * 1e-3),
        new("variance unbiased", (x, a, k) => Ops.Variance(x, a, k, correction: 1), v => Var(v, 1), v => 3 * Var(v, 1) + SumAbs(v) / v.Length * 1e-3),
        new("logSumExp", (x, a, k) => Ops.LogSumExp(x, a ?? -1, k), v => { double m = v.Max(); return m + Math.Log(v.Sum(t => Math.Exp(t - m))); },
            v => Math.Abs(v.Max()) + 1),
    ];

    private static readonly int[][] Shapes = [[7], [3, 5], [2, 3, 4], [4, 2500]];

    public static IEnumerable<TestCaseData> Runs()
    {
        foreach (var r in Reductions)
            foreach (var device in TestSupport.DeviceNames)
                foreach (var shape in Shapes)
                {
                    if (device == "ilgpu-cpu" && shape.Aggregate(1, (p, d) => p * d) > 1000) continue;
                    var axes = Enumerable.Range(0, shape.Length).Select(a => (int?)a).Append(null);
                    if (r.Name == "logSumExp") axes = axes.Where(a => a is not null); // always along an axis
                    foreach (var axis in axes)
                        foreach (bool keep in new[] { false, true })
                            yield return new TestCaseData(r, device, shape, axis, keep)
                                .SetArgDisplayNames(r.Name, device, $"[{string.Join(",", shape)}]", $"axis={axis?.ToString() ?? "all"}", $"keep={keep}");
                }
        foreach (var r in Reductions.Where(r => r.Name is "sum" or "max" or "argMax" or "variance"))
            yield return new TestCaseData(r, "cpu", new[] { 3 << 20 }, null, false).SetArgDisplayNames(r.Name, "cpu", "3M (three levels)", "all", "keep=False");
    }

    [TestCaseSource(nameof(Runs))]
    public void MatchesTheDoubleReference(Reduction r, string device, int[] shape, int? axis, bool keepDim)
    {
        int n = shape.Aggregate(1, (p, d) => p * d);
        var values = TestSupport.RandomArray(n, n + shape.Length);
        using var x = Tensor.FromArray(values, new Shape(shape), GpuGen.Devices.Get(device));
        using var y = r.Run(x, axis, keepDim);

        int a = axis ?? 0;
        int outer = axis is null ? 1 : shape[..a].Aggregate(1, (p, d) => p * d);
        int length = axis is null ? n : shape[a];
        int inner = axis is null ? 1 : shape[(a + 1)..].Aggregate(1, (p, d) => p * d);
        var expectedShape = axis is null
            ? (keepDim ? shape.Select(_ => 1).ToArray() : [])
            : keepDim ? shape.Select((d, i) => i == a ? 1 : d).ToArray() : shape.Where((_, i) => i != a).ToArray();
        Assert.That(y.Shape, Is.EqualTo(new Shape(expectedShape)));

        var got = y.ToArray();
        double roundings = Math.Min(length, Ops.ReduceChunk) + Math.Ceiling(length / (double)Ops.ReduceChunk) + 2;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                var slice = Enumerable.Range(0, length).Select(l => (double)values[(o * length + l) * inner + i]).ToArray();
                double expected = r.Reference(slice);
                double tolerance = r.Exact ? 0 : roundings * U * r.Scale(slice);
                float actual = got[o * inner + i];
                if (!(Math.Abs(actual - expected) <= tolerance))
                    Assert.Fail($"output ({o}, {i}): got {actual:R}, expected {expected:R} ± {tolerance:G3}");
            }
    }

    // [3, 50, 40] on cpu takes the vector paths: along 2000- and 40-wide rows, and along the axis itself.
    [TestCase("cpu", new[] { 3, 4, 5 })]
    [TestCase("ilgpu-cpu", new[] { 3, 4, 5 })]
    [TestCase("cpu", new[] { 3, 50, 40 })]
    public void SoftmaxAndLogSoftmaxAreStableAlongEveryAxis(string device, int[] shape)
    {
        var d = GpuGen.Devices.Get(device);
        int n = shape.Aggregate(1, (q, t) => q * t);
        var values = TestSupport.RandomArray(n, 21).Select((v, i) => v * (i % 7 == 0 ? 400f : 3f)).ToArray(); // logits up to ±800
        using var x = Tensor.FromArray(values, new Shape(shape), d);
        for (int axis = -1; axis < 3; axis++)
        {
            int a = axis < 0 ? axis + 3 : axis;
            using var sm = Ops.Softmax(x, axis);
            using var lsm = Ops.LogSoftmax(x, axis);
            var p = sm.ToArray();
            var lp = lsm.ToArray();
            int outer = shape[..a].Aggregate(1, (q, t) => q * t), length = shape[a], inner = shape[(a + 1)..].Aggregate(1, (q, t) => q * t);
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    var idx = Enumerable.Range(0, length).Select(l => (o * length + l) * inner + i).ToArray();
                    double m = idx.Max(j => (double)values[j]);
                    double lse = m + Math.Log(idx.Sum(j => Math.Exp(values[j] - m)));
                    foreach (int j in idx)
                    {
                        double logp = values[j] - lse;
                        Assert.That(lp[j], Is.EqualTo(logp).Within(1e-6 * (Math.Abs(values[j]) + Math.Abs(lse)) + 1e-6), $"logSoftmax axis {axis} element {j}");
                        // exp amplifies the rounding of x − max (≤ u·|x − max|) into a relative error of the same size
                        double relative = 2e-6 + 2 * U * (Math.Abs(values[j]) + Math.Abs(m));
                        Assert.That(p[j], Is.EqualTo(Math.Exp(logp)).Within(relative * Math.Exp(logp) + 1e-38), $"softmax axis {axis} element {j}");
                        Assert.That(float.IsFinite(p[j]) && float.IsFinite(lp[j]), Is.True);
                    }
                }
        }
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void ResultsAreBitIdenticalRunAfterRun(string device)
    {
        var d = GpuGen.Devices.Get(device);
        int n = device == "cpu" ? (2 << 20) + 17 : 3000; // several chunks, and several workers on cpu
        using var x = Tensor.FromArray(TestSupport.RandomArray(n, 77), Shape.Of(n), d);
        int[] Bits(Tensor t) { var v = t.ToArray(); t.Dispose(); return v.Select(BitConverter.SingleToInt32Bits).ToArray(); }
        var first = Bits(Ops.Sum(x));
        var firstVar = Bits(Ops.Variance(x));
        for (int run = 0; run < 3; run++)
        {
            Assert.That(Bits(Ops.Sum(x)), Is.EqualTo(first));
            Assert.That(Bits(Ops.Variance(x)), Is.EqualTo(firstVar));
        }
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void EdgeCases(string device)
    {
        var d = GpuGen.Devices.Get(device);
        using var empty = Tensor.Zeros(Shape.Of(3, 0), d);
        using (var s = Ops.Sum(empty, 1)) Assert.That(s.ToArray(), Is.EqualTo(new float[3]));
        using (var m = Ops.Mean(empty, 1)) Assert.That(m.ToArray(), Is.All.NaN);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Max(empty, 1))!.Message, Does.Contain("max: cannot reduce an empty axis of [3, 0]"));

        using var x = Tensor.FromArray([1f, float.NaN, 3f, 3f], d);
        using (var mx = Ops.Max(x)) Assert.That(mx.Item(), Is.NaN);
        using (var am = Ops.ArgMax(x)) Assert.That(am.Item(), Is.EqualTo(1f));
        using var ties = Tensor.FromArray([2f, 5f, 5f, -1f], d);
        using (var am = Ops.ArgMax(ties)) Assert.That(am.Item(), Is.EqualTo(1f), "the first of equal maxima");
        using var minusInf = Tensor.Full(Shape.Of(2, 3), float.NegativeInfinity, d);
        using (var lse = Ops.LogSumExp(minusInf, 1)) Assert.That(lse.ToArray(), Is.All.EqualTo(float.NegativeInfinity));
    }

    /// <summary>The device kernels' compensated float sum: near double's accuracy where a plain float sum drifts,
    /// and an infinity stays an infinity (∞ − ∞ in the carry would make it NaN).</summary>
    [Test]
    public void KahanSumKeepsTheLowBitsAndItsInfinities()
    {
        var sum = new GpuGen.Kernels.Reduce.KahanSum();
        float plain = 0f;
        double exact = 0;
        for (int i = 0; i < 100_000; i++)
        {
            float v = 0.1f + i * 1e-7f;
            sum.Add(v);
            plain += v;
            exact += v;
        }
        Assert.That(Math.Abs(sum.Sum - exact), Is.LessThan(Math.Abs(plain - exact) / 100), "at least a hundred times closer than a plain float sum");
        Assert.That(sum.Sum, Is.EqualTo(exact).Within(1e-6 * exact));
        var infinite = new GpuGen.Kernels.Reduce.KahanSum();
        infinite.Add(1f);
        infinite.Add(float.PositiveInfinity);
        infinite.Add(2f);
        Assert.That(infinite.Sum, Is.EqualTo(float.PositiveInfinity));
    }

    [Test]
    public void BadAxesAndCorrectionsAreClearErrors()
    {
        using var x = Tensor.Ones(Shape.Of(2, 3), TestSupport.Cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Sum(x, 2))!.Message, Is.EqualTo("sum: axis 2 is out of range for shape [2, 3]"));
        Assert.Throws<ShapeMismatchException>(() => Ops.Softmax(x, -3));
        Assert.That(Assert.Throws<ArgumentException>(() => Ops.Variance(x, 0, correction: 2))!.Message, Does.Contain("correction 2"));
    }
}
