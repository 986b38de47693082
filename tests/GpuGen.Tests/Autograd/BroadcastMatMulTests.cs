using GpuGen;

namespace GpuGen.Tests.Autograd;

/// <summary>MatMul of any rank with torch.matmul's batch broadcasting, against a double-precision
/// reference on random inputs on every device, and its gradients by finite differences.</summary>
public class BroadcastMatMulTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        // (a shape, b shape, transA, transB, expected result shape)
        object[][] cases =
        [
            [new[] { 2, 1, 3, 4 }, new[] { 5, 4, 2 }, false, false, new[] { 2, 5, 3, 2 }],
            [new[] { 2, 3, 4, 5 }, new[] { 5, 6 }, false, false, new[] { 2, 3, 4, 6 }],
            [new[] { 3, 4 }, new[] { 2, 2, 4, 3 }, false, false, new[] { 2, 2, 3, 3 }],
            [new[] { 1, 3, 5, 4 }, new[] { 2, 1, 6, 5 }, true, true, new[] { 2, 3, 4, 6 }],
            [new[] { 2, 2, 1, 3, 4 }, new[] { 3, 4, 2 }, false, false, new[] { 2, 2, 3, 3, 2 }],
        ];
        foreach (var device in TestSupport.DeviceNames)
            foreach (var c in cases)
                yield return new TestCaseData(device, c[0], c[1], c[2], c[3], c[4])
                    .SetArgDisplayNames(device, $"[{string.Join(",", (int[])c[0])}]{((bool)c[2] ? "ᵀ" : "")}·[{string.Join(",", (int[])c[1])}]{((bool)c[3] ? "ᵀ" : "")}");
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesTheReference(string deviceName, int[] aShape, int[] bShape, bool transA, bool transB, int[] yShape)
    {
        var device = GpuGen.Devices.Get(deviceName);
        var a = TestSupport.RandomArray(aShape.Aggregate(1, (p, d) => p * d), 41);
        var b = TestSupport.RandomArray(bShape.Aggregate(1, (p, d) => p * d), 42);
        using var scope = new TensorScope();
        var y = Ops.MatMul(Tensor.FromArray(a, new Shape(aShape), device), Tensor.FromArray(b, new Shape(bShape), device), transA, transB);
        Assert.That(y.Shape, Is.EqualTo(new Shape(yShape)));
        var got = y.ToArray();
        int m = yShape[^2], n = yShape[^1], k = transA ? aShape[^2] : aShape[^1];
        int[] lead = yShape[..^2];
        int count = lead.Aggregate(1, (p, d) => p * d);
        for (int batch = 0; batch < count; batch++)
        {
            // the batch index in each operand: the broadcast index, with 0 on its size-1 or missing axes
            long Offset(int[] shape)
            {
                int[] own = shape[..^2];
                long offset = 0, rest = batch;
                var digits = new int[lead.Length];
                for (int i = lead.Length - 1; i >= 0; i--) { digits[i] = (int)(rest % lead[i]); rest /= lead[i]; }
                for (int i = 0; i < own.Length; i++)
                {
                    int axis = lead.Length - own.Length + i;
                    offset = offset * own[i] + (own[i] == 1 ? 0 : digits[axis]);
                }
                return offset * shape[^2] * shape[^1];
            }
            long oa = Offset(aShape), ob = Offset(bShape);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int q = 0; q < k; q++)
                        sum += (double)a[oa + (transA ? q * m + i : i * k + q)] * b[ob + (transB ? j * k + q : q * n + j)];
                    Assert.That(got[(batch * m + i) * n + j], Is.EqualTo(sum).Within(1e-5 * (k + 1)), $"batch {batch}, [{i}, {j}] on {deviceName}");
                }
        }
    }

    [Test]
    public void GradientsSumOverTheBroadcastAxes() =>
        GradCheck.FirstOrder("matmul broadcast", x => Ops.MatMul(x[0], x[1]), TestSupport.Cpu, GradCheck.Random(43, -1, 1, [2, 1, 3, 4], [3, 4, 2]));

    [Test]
    public void AxesThatDoNotBroadcastAreAClearError()
    {
        using var scope = new TensorScope();
        var a = Tensor.FromArray(TestSupport.RandomArray(2 * 3 * 2 * 2, 1), Shape.Of(2, 3, 2, 2), TestSupport.Cpu);
        var b = Tensor.FromArray(TestSupport.RandomArray(4 * 2 * 2, 2), Shape.Of(4, 2, 2), TestSupport.Cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.MatMul(a, b))!.Message, Does.Contain("batch axes do not broadcast (3 against 4)"));
    }
}
