using GpuGen;
using GpuGen.Kernels.Random;
using GpuGen.Tests.Autograd;
using MathNet.Numerics.Distributions;
using static GpuGen.Tests.Autograd.GradCheck;

namespace GpuGen.Tests.Kernels;

public class GumbelSoftmaxTests
{
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void MatchesTheDefinitionWithTheSamePhiloxNoise(string device)
    {
        var d = GpuGen.Devices.Get(device);
        const int rows = 7, classes = 10;
        var logits = TestSupport.RandomArray(rows * classes, 1).Select(v => v * 3).ToArray();
        using var scope = new TensorScope();
        var y = Ops.GumbelSoftmax(Tensor.FromArray(logits, Shape.Of(rows, classes), d), 0.5f, new Generator(11, 4)).ToArray();
        for (int r = 0; r < rows; r++)
        {
            var v = Enumerable.Range(0, classes).Select(k =>
            {
                double u = Philox.ToUniformOpen(Philox.ForElement(r * classes + k, 11, 4).X);
                return (logits[r * classes + k] - Math.Log(-Math.Log(u))) / 0.5;
            }).ToArray();
            double max = v.Max(), sum = v.Sum(t => Math.Exp(t - max));
            for (int k = 0; k < classes; k++)
                Assert.That(y[r * classes + k], Is.EqualTo(Math.Exp(v[k] - max) / sum).Within(2e-6), $"row {r} class {k}");
        }
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.SimulatedGpus))]
    public void CpuAndIlgpuCpuGiveIdenticalBits(string simulated)
    {
        var logits = TestSupport.RandomArray(13 * 10, 2);
        using var scope = new TensorScope();
        var host = Ops.GumbelSoftmax(Tensor.FromArray(logits, Shape.Of(13, 10), TestSupport.Cpu), 0.7f, new Generator(5)).ToArray();
        var device = Ops.GumbelSoftmax(Tensor.FromArray(logits, Shape.Of(13, 10), GpuGen.Devices.Get(simulated)), 0.7f, new Generator(5)).ToArray();
        TestSupport.AssertSameBitsOrUlps(device, host, GpuGen.Devices.Get(simulated), simulated);
    }

    [Test]
    public void ItsArgmaxIsACategoricalDrawFromTheSoftmax()
    {
        // The Gumbel-max trick: argmax(logits + g) ~ softmax(logits), whatever τ.
        const int rows = 100_000;
        float[] row = [0f, 1f, -1f, 2f];
        using var scope = new TensorScope();
        var logits = Tensor.FromArray(Enumerable.Range(0, rows).SelectMany(_ => row).ToArray(), Shape.Of(rows, 4), TestSupport.Cpu);
        var picks = Ops.ArgMax(Ops.GumbelSoftmax(logits, 2f, new Generator(8)), 1).ToArray();
        double z = row.Sum(v => Math.Exp(v));
        double chi2 = Enumerable.Range(0, 4).Sum(k =>
        {
            double expected = rows * Math.Exp(row[k]) / z, observed = picks.Count(p => p == k);
            return (observed - expected) * (observed - expected) / expected;
        });
        Assert.That(chi2, Is.LessThan(ChiSquared.InvCDF(3, 0.999)));
    }

    [Test]
    public void GradientsSoftAndStraightThrough()
    {
        // a fresh generator with the same state in every evaluation: the same noise
        GradCheck.FirstOrder("gumbelSoftmax", x => Ops.GumbelSoftmax(x[0], 0.8f, new Generator(3)), TestSupport.Cpu, Random(4, -1, 1, [3, 5]));
        using var scope = new TensorScope();
        var logits = Tensor.FromArray(TestSupport.RandomArray(15, 5), Shape.Of(3, 5), TestSupport.Cpu);
        logits.RequiresGrad = true;
        var hard = Ops.GumbelSoftmax(logits, 0.8f, new Generator(3), hard: true);
        var values = hard.ToArray();
        Assert.That(values.All(v => v is 0f or 1f) && values.Sum() == 3f, Is.True, "one-hot rows forward");
        var w = Tensor.FromArray(TestSupport.RandomArray(15, 6), Shape.Of(3, 5), TestSupport.Cpu);
        var gHard = GpuGen.Autograd.Grad([Ops.Sum(Ops.Mul(hard, w))], [logits])[0].ToArray();
        var gSoft = GpuGen.Autograd.Grad([Ops.Sum(Ops.Mul(Ops.GumbelSoftmax(logits, 0.8f, new Generator(3)), w))], [logits])[0].ToArray();
        Assert.That(gHard, Is.EqualTo(gSoft).Within(1e-6), "the straight-through gradient is the soft sample's");
    }
}
