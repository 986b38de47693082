using GpuGen;
using GpuGen.Tests.Autograd;
using static GpuGen.Tests.Autograd.GradCheck;

namespace GpuGen.Tests.Kernels;

public class ReparameterizeTests
{
    public static IEnumerable<TestCaseData> Sizes()
    {
        foreach (var device in TestSupport.SimulatedGpus) yield return new TestCaseData(device, 37);
        yield return new TestCaseData("cpu", 37);
        yield return new TestCaseData("cpu", (1 << 20) + 3);
    }

    [TestCaseSource(nameof(Sizes))]
    public void FusedKernelMatchesTheDefinition(string device, int n)
    {
        var d = GpuGen.Devices.Get(device);
        var mu = TestSupport.RandomArray(n, 1);
        var logVar = TestSupport.RandomArray(n, 2);
        var eps = TestSupport.RandomArray(n, 3);
        using var scope = new TensorScope();
        var z = Ops.Reparameterize(Tensor.FromArray(mu, d), Tensor.FromArray(logVar, d), Tensor.FromArray(eps, d)).ToArray();
        for (int i = 0; i < n; i += Math.Max(1, n / 5000))
        {
            double expected = mu[i] + Math.Exp(0.5 * logVar[i]) * eps[i];
            Assert.That(z[i], Is.EqualTo(expected).Within(4e-7 * (Math.Abs(mu[i]) + Math.Abs(expected - mu[i])) + 1e-7), $"element {i}");
        }
    }

    [Test]
    public void DrawsItsOwnNoiseFromTheGenerator()
    {
        using var scope = new TensorScope();
        var mu = Tensor.Full(Shape.Of(50000), 2f, TestSupport.Cpu);
        var logVar = Tensor.Full(Shape.Of(50000), MathF.Log(9f), TestSupport.Cpu); // σ = 3
        var z = Ops.Reparameterize(mu, logVar, new Generator(4)).ToArray();
        double mean = z.Average(v => (double)v), sd = Math.Sqrt(z.Sum(v => (v - mean) * (v - mean)) / z.Length);
        Assert.That(mean, Is.EqualTo(2).Within(4.5 * 3 / Math.Sqrt(z.Length)));
        Assert.That(sd, Is.EqualTo(3).Within(0.05));
        var again = Ops.Reparameterize(mu, logVar, new Generator(4)).ToArray();
        Assert.That(again, Is.EqualTo(z), "the same generator state, the same z");
    }

    private static readonly float[] Noise = TestSupport.RandomArray(6, 9);

    [Test]
    public void FirstAndSecondOrderGradients()
    {
        Tensor F(Tensor[] x) => Ops.Reparameterize(x[0], x[1], Tensor.FromArray(Noise, Shape.Of(2, 3), x[0].Device));
        GradCheck.FirstOrder("reparameterize", F, TestSupport.Cpu, Random(5, -1, 1, [2, 3], [2, 3]));
        GradCheck.FirstOrder("reparameterize", F, TestSupport.IlgpuCpu, Random(5, -1, 1, [2, 3], [2, 3]));
        // second order: a penalty on the gradient in μ of Σ tanh(z)·w, varying logσ²
        GradCheck.PenaltyGradient("reparameterize", x => Ops.Tanh(F(x)), TestSupport.Cpu, Random(6, -1, 1, [2, 3])[0], Random(7, -1, 1, [2, 3])[0]);
    }
}
