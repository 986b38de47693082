using GpuGen;
using R = GpuGen.Tests.Kernels.ElementwiseReference;

namespace GpuGen.Tests.Kernels;

/// <summary>Binary ops, comparisons and where with numpy broadcasting, on cpu and ilgpu-cpu,
/// against <see cref="ElementwiseReference.Broadcast"/>.</summary>
public class BinaryOpTests
{
    /// <param name="Scale">What the rounding error is relative to; by default |result|, for a
    /// sum of terms that may cancel (BCE) the sum of their magnitudes.</param>
    public sealed record Op(string Name, Func<Tensor, Tensor, Tensor> Run, Func<double, double, double> Reference, double Rel,
        Func<double, double, double>? Scale = null)
    {
        public override string ToString() => Name;
    }

    public static readonly Op[] Ops_ =
    [
        new("add", Ops.Add, (a, b) => a + b, 1.2e-7),
        new("sub", Ops.Sub, (a, b) => a - b, 1.2e-7),
        new("mul", Ops.Mul, (a, b) => a * b, 1.2e-7),
        new("div", Ops.Div, (a, b) => a / b, 1.2e-7),
        new("maximum", Ops.Maximum, Math.Max, 0),
        new("minimum", Ops.Minimum, Math.Min, 0),
        new("pow", (a, b) => Ops.Pow(Ops.Abs(a), b), (a, b) => Math.Pow(Math.Abs(a), b), 1e-6),
        new("bceWithLogits", Ops.BceWithLogits, R.Bce, 1e-6,
            (x, z) => Math.Max(x, 0) + Math.Abs(x * z) + R.Log1p(Math.Exp(-Math.Abs(x)))),
        new("equal", Ops.Equal, (a, b) => a == b ? 1 : 0, 0),
        new("notEqual", Ops.NotEqual, (a, b) => a != b ? 1 : 0, 0),
        new("less", Ops.Less, (a, b) => a < b ? 1 : 0, 0),
        new("lessEqual", Ops.LessEqual, (a, b) => a <= b ? 1 : 0, 0),
        new("greater", Ops.Greater, (a, b) => a > b ? 1 : 0, 0),
        new("greaterEqual", Ops.GreaterEqual, (a, b) => a >= b ? 1 : 0, 0),
    ];

    /// <summary>Shape pairs: same shape, row and column broadcasts, scalars, size-1 in both, rank mismatch.</summary>
    private static readonly (int[] A, int[] B)[] ShapePairs =
    [
        ([3, 37], [3, 37]), ([3, 37], [37]), ([3, 1], [1, 37]), ([], [2, 3]), ([2, 3], []),
        ([5, 1, 3], [4, 1]), ([2, 3, 4, 5], [3, 1, 5]), ([1], [7]),
    ];

    public static IEnumerable<TestCaseData> Runs()
    {
        foreach (var op in Ops_)
            foreach (var device in TestSupport.DeviceNames)
                foreach (var (a, b) in ShapePairs)
                    yield return new TestCaseData(op, device, a, b)
                        .SetArgDisplayNames(op.Name, device, $"[{string.Join(",", a)}]", $"[{string.Join(",", b)}]");
    }

    [TestCaseSource(nameof(Runs))]
    public void BroadcastsLikeNumpy(Op op, string device, int[] aShape, int[] bShape)
    {
        var d = GpuGen.Devices.Get(device);
        var a = Values(aShape, 1);
        var b = Values(bShape, 2);
        using var at = Tensor.FromArray(a, new Shape(aShape), d);
        using var bt = Tensor.FromArray(b, new Shape(bShape), d);
        using var y = op.Run(at, bt);
        int rank = Math.Max(aShape.Length, bShape.Length);
        var outShape = Enumerable.Range(0, rank).Select(i =>
        {
            int da = i - (rank - aShape.Length) >= 0 ? aShape[i - (rank - aShape.Length)] : 1;
            int db = i - (rank - bShape.Length) >= 0 ? bShape[i - (rank - bShape.Length)] : 1;
            return Math.Max(da, db);
        }).ToArray();
        Assert.That(y.Shape, Is.EqualTo(new Shape(outShape)));
        var expected = ElementwiseReference.Broadcast(outShape, v => op.Reference(v[0], v[1]), (a, aShape), (b, bShape));
        var scale = ElementwiseReference.Broadcast(outShape, v => op.Scale?.Invoke(v[0], v[1]) ?? Math.Abs(op.Reference(v[0], v[1])),
            (a, aShape), (b, bShape));
        var got = y.ToArray();
        for (int i = 0; i < got.Length; i++)
            Assert.That(got[i], Is.EqualTo(expected[i]).Within(op.Rel * scale[i] + 1e-30), $"element {i}");
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void WhereSelectsWithThreeWayBroadcasting(string device)
    {
        var d = GpuGen.Devices.Get(device);
        float[] condition = [1, 0, 1];
        var a = Values([1, 4], 3);
        using var ct = Tensor.FromArray(condition, Shape.Of(3, 1), d);
        using var at = Tensor.FromArray(a, Shape.Of(1, 4), d);
        using var bt = Tensor.FromArray([-7f], Shape.Scalar, d);
        using var y = Ops.Where(ct, at, bt);
        Assert.That(y.Shape, Is.EqualTo(Shape.Of(3, 4)));
        var expected = ElementwiseReference.Broadcast([3, 4], v => v[0] != 0 ? v[1] : v[2],
            (condition, [3, 1]), (a, [1, 4]), ([-7f], []));
        Assert.That(y.ToArray().Select(v => (double)v), Is.EqualTo(expected));
    }

    [Test]
    public void ComparisonsSeeTiesAndNaN()
    {
        using var a = Tensor.FromArray([1f, 2f, float.NaN], TestSupport.Cpu);
        using var b = Tensor.FromArray([1f, 3f, float.NaN], TestSupport.Cpu);
        using var eq = Ops.Equal(a, b);
        using var ne = Ops.NotEqual(a, b);
        using var le = Ops.LessEqual(a, b);
        Assert.That(eq.ToArray(), Is.EqualTo(new float[] { 1, 0, 0 }));
        Assert.That(ne.ToArray(), Is.EqualTo(new float[] { 0, 1, 1 }));
        Assert.That(le.ToArray(), Is.EqualTo(new float[] { 1, 1, 0 }));
    }

    [Test]
    public void IncompatibleShapesNameTheOpAndTheShapes()
    {
        using var a = Tensor.Ones(Shape.Of(2, 3), TestSupport.Cpu);
        using var b = Tensor.Ones(Shape.Of(4), TestSupport.Cpu);
        var e = Assert.Throws<ShapeMismatchException>(() => Ops.Add(a, b))!;
        Assert.That(e.Message, Is.EqualTo("add: shapes [2, 3] and [4] cannot be broadcast together (dimension 1 of the result: 3 vs 4)"));
        using var c = Tensor.Ones(Shape.Of(3, 1), TestSupport.Cpu);
        Assert.Throws<ShapeMismatchException>(() => Ops.Where(c, a, b));
    }

    /// <summary>Random values with a few exact ties and sign changes, so comparisons see every case.</summary>
    private static float[] Values(int[] shape, int seed)
    {
        int n = shape.Aggregate(1, (p, d) => p * d);
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)Math.Round(rng.NextDouble() * 4 - 2, 1) + 0.05f).ToArray();
    }
}
