using GpuGen;
using GpuGen.Nn;

namespace GpuGen.Tests.Autograd;

/// <summary>
/// The fused training-mode batch normalisation (Ops.BatchNorm on BatchNormKernels): forward, the
/// batch moments and all three gradients against a double-precision host reference on every
/// device, outputs poisoned first; first-order finite differences through the fused backward;
/// second order (a gradient penalty through a batch-normalised critic) through the recorded
/// rule it switches to under createGraph; and the modules' running estimates.
/// </summary>
public class FusedBatchNormTests
{
    private const float Eps = 1e-5f;

    /// <summary>y, mean, biased variance and the three gradients for upstream u, in double.</summary>
    private static (double[] Y, double[] Mean, double[] Var, double[] Gx, double[] Gg, double[] Gb) Reference(
        float[] x, float[] gamma, float[] beta, float[] u, int n, int c, int s)
    {
        double m = n * s;
        var (mean, variance) = (new double[c], new double[c]);
        var (y, gx, gg, gb) = (new double[x.Length], new double[x.Length], new double[c], new double[c]);
        for (int ch = 0; ch < c; ch++)
        {
            var idx = Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(0, s).Select(p => (i * c + ch) * s + p)).ToArray();
            mean[ch] = idx.Average(i => (double)x[i]);
            variance[ch] = idx.Average(i => (x[i] - mean[ch]) * (x[i] - mean[ch]));
            double r = 1 / Math.Sqrt(variance[ch] + Eps);
            foreach (int i in idx) y[i] = gamma[ch] * (x[i] - mean[ch]) * r + beta[ch];
            gb[ch] = idx.Sum(i => (double)u[i]);
            gg[ch] = idx.Sum(i => u[i] * (x[i] - mean[ch]) * r);
            foreach (int i in idx) gx[i] = gamma[ch] * r * (u[i] - (gb[ch] + (x[i] - mean[ch]) * r * gg[ch]) / m);
        }
        return (y, mean, variance, gx, gg, gb);
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesTheDoubleReference(string deviceName, int n, int c, int s)
    {
        var device = Devices.Get(deviceName);
        using var scope = new TensorScope();
        // an offset and a spread per channel, so that the centring matters
        var x = TestSupport.RandomArray(n * c * s, 21).Select((v, i) => 3f + (i / s % c) + v * (1 + i / s % c)).ToArray();
        var gamma = TestSupport.RandomArray(c, 22).Select(v => 1f + 0.5f * v).ToArray();
        var beta = TestSupport.RandomArray(c, 23);
        var u = TestSupport.RandomArray(n * c * s, 24);
        var expected = Reference(x, gamma, beta, u, n, c, s);
        var xt = Tensor.FromArray(x, Shape.Of(n, c, s), device);
        var gt = Tensor.FromArray(gamma, Shape.Of(c), device);
        var bt = Tensor.FromArray(beta, Shape.Of(c), device);
        foreach (var t in new[] { xt, gt, bt }) t.RequiresGrad = true;
        var y = Ops.BatchNorm(xt, gt, bt, Eps, out var mean, out var variance);
        var grads = GpuGen.Autograd.Grad([y], [xt, gt, bt], [Tensor.FromArray(u, y.Shape, device)]);
        Close("y", y.ToArray(), expected.Y, 1e-5);
        Close("mean", mean.ToArray(), expected.Mean, 1e-5);
        Close("variance", variance.ToArray(), expected.Var, 1e-5);
        Close("∂x", grads[0].ToArray(), expected.Gx, 1e-4);
        Close("∂γ", grads[1].ToArray(), expected.Gg, 1e-4);
        Close("∂β", grads[2].ToArray(), expected.Gb, 1e-4);
    }

    private static IEnumerable<object[]> Cases() =>
        TestSupport.DeviceNames.SelectMany(d => new[] { new object[] { d, 5, 3, 7 }, new object[] { d, 8, 2, 1 }, new object[] { d, 2, 17, 33 },
            new object[] { d, 9, 37, 1 }, new object[] { d, 260, 259, 1 } }); // features: whole vectors of channels and a tail; the last split over two host workers (≥ 2 × 2¹⁵ elements)

    private static void Close(string what, float[] got, double[] expected, double relative)
    {
        double scale = expected.Max(Math.Abs);
        Assert.That(scale, Is.GreaterThan(1e-3), $"{what} not trivially zero");
        for (int i = 0; i < got.Length; i++)
            Assert.That(got[i], Is.EqualTo(expected[i]).Within(relative * (scale + 1)), $"{what}[{i}]");
    }

    [Test]
    public void FirstOrderByFiniteDifferences()
    {
        var inputs = GradCheck.Random(31, -1f, 1f, [3, 2, 4], [2], [2]);
        GradCheck.FirstOrder("batchNorm", t => Ops.BatchNorm(t[0], t[1], t[2], Eps, out _, out _), Devices.Get("cpu"), inputs);
    }

    /// <summary>A critic with batch normalisation between two linear maps: the penalty's gradient in
    /// the parameters needs the backward of the batch norm's backward.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void SecondOrderThroughAPenalty(string deviceName)
    {
        var inputs = GradCheck.Random(32, -1f, 1f, [4, 3], [5, 3], [5], [5], [1, 5]);
        GradCheck.PenaltyGradient("batchNorm critic", t =>
        {
            var h = Ops.Linear(t[0], t[1]);                                  // [4, 5]
            var normalized = Ops.BatchNorm(h.Reshape(4, 5, 1), t[2], t[3], Eps, out _, out _).Reshape(4, 5);
            return Ops.Linear(Ops.Tanh(normalized), t[4]);
        }, Devices.Get(deviceName), inputs[0], inputs[1..]);
    }

    [Test]
    public void TheModuleKeepsItsRunningEstimates()
    {
        var cpu = Devices.Get("cpu");
        using var scope = new TensorScope();
        var bn = new BatchNorm2d(3, cpu, momentum: 0.25f);
        var x = TestSupport.RandomArray(4 * 3 * 5, 41).Select(v => 2f + 3f * v).ToArray();
        bn.Forward(Tensor.FromArray(x, Shape.Of(4, 3, 5, 1), cpu));
        var r = Reference(x, [1f, 1f, 1f], [0f, 0f, 0f], new float[x.Length], 4, 3, 5);
        var runningMean = bn.RunningMean.ToArray();
        var runningVar = bn.RunningVar.ToArray();
        for (int c = 0; c < 3; c++)
        {
            Assert.That(runningMean[c], Is.EqualTo(0.25 * r.Mean[c]).Within(1e-5), $"running mean {c}");
            Assert.That(runningVar[c], Is.EqualTo(0.75 + 0.25 * r.Var[c] * 20 / 19).Within(1e-5), $"running variance {c} (unbiased)");
        }
    }

    [Test]
    public void BadShapesAreRejected()
    {
        var cpu = Devices.Get("cpu");
        using var scope = new TensorScope();
        var x = Tensor.Zeros(Shape.Of(2, 3, 4), cpu);
        var ex = Assert.Throws<ShapeMismatchException>(() => Ops.BatchNorm(x, Tensor.Ones(Shape.Of(2), cpu), Tensor.Zeros(Shape.Of(3), cpu), Eps, out _, out _));
        Assert.That(ex!.Message, Does.Contain("batchNorm"));
        Assert.Throws<ShapeMismatchException>(() => Ops.BatchNorm(Tensor.Zeros(Shape.Of(1, 3, 1), cpu), Tensor.Ones(Shape.Of(3), cpu), Tensor.Zeros(Shape.Of(3), cpu), Eps, out _, out _));
    }
}
