using GpuGen;

namespace GpuGen.Tests.Autograd;

/// <summary>
/// The fused gradient-penalty kernels (GradientPenaltyKernels) against the same penalty composed
/// from plain ops (Uniform, Add, Mul, Norm, Square, Mean), and the penalty term's own derivatives
/// by finite differences: first order through the fused backward kernel, second order through the
/// recorded rule it switches to under createGraph.
/// </summary>
public class FusedPenaltyTests
{
    /// <summary>The penalty as it was composed before the fused kernels: the reference.</summary>
    private static Tensor Composed(Func<Tensor, Tensor> critic, Tensor real, Tensor fake, Generator noise, float lambda)
    {
        int batch = real.Shape[0];
        var perExample = Enumerable.Repeat(1, real.Rank).ToArray();
        perExample[0] = batch;
        Tensor mixed;
        using (GpuGen.Autograd.NoGrad())
            mixed = Ops.Add(fake, Ops.Mul(Ops.Uniform(new Shape(perExample), noise, real.Device), Ops.Sub(real, fake)));
        mixed.RequiresGrad = true;
        var gradient = GpuGen.Autograd.Grad([Ops.Sum(critic(mixed))], [mixed], createGraph: true)[0];
        var norms = Ops.Norm(gradient.Reshape(batch, -1), 1);
        return Ops.Mul(Ops.Mean(Ops.Square(Ops.Sub(norms, 1f))), lambda);
    }

    private static Tensor Parameter(int seed, float scale, Device device, params int[] shape)
    {
        var t = Tensor.FromArray(TestSupport.RandomArray(shape.Aggregate(1, (p, d) => p * d), seed).Select(v => v * scale).ToArray(), new Shape(shape), device);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>A convolutional critic (conv stride 2 → leaky ReLU → conv → linear) and an MLP one
    /// (linear → tanh → linear), the penalty and every parameter's gradient, fused against composed,
    /// on every device (b1 is left out: with a leaky ReLU ∇ₓD does not depend on it). The mix draws
    /// the same a_i, so the two agree to float rounding.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void FusedMatchesComposed(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var w1 = Parameter(1, 0.5f, device, 4, 1, 3, 3);
        var b1 = Parameter(2, 0.3f, device, 4);
        var w2 = Parameter(3, 0.3f, device, 3, 4, 3, 3);
        var w3 = Parameter(4, 0.3f, device, 1, 3 * 3 * 3);
        var m1 = Parameter(5, 0.4f, device, 6, 36);
        var m2 = Parameter(6, 0.4f, device, 1, 6);
        Tensor Conv(Tensor x) => Ops.Linear(Ops.Conv2d(Ops.LeakyRelu(Ops.Conv2d(x.Reshape(-1, 1, 6, 6), w1, b1, stride: 2, padding: 1), 0.2f), w2, padding: 1).Reshape(-1, 27), w3);
        Tensor Mlp(Tensor x) => Ops.Linear(Ops.Tanh(Ops.Linear(x, m1)), m2);
        var real = Tensor.FromArray(TestSupport.RandomArray(5 * 36, 7), Shape.Of(5, 36), device);
        var fake = Tensor.FromArray(TestSupport.RandomArray(5 * 36, 8), Shape.Of(5, 36), device);
        foreach (var (name, critic, parameters) in new[] { ("conv", (Func<Tensor, Tensor>)Conv, new[] { w1, w2, w3 }), ("mlp", Mlp, new[] { m1, m2 }) })
        {
            var fused = Ops.GradientPenalty(critic, real, fake, new Generator(9, 2), 10f);
            var grads = GpuGen.Autograd.Grad([fused], parameters).Select(g => g.ToArray()).ToArray();
            var composed = Composed(critic, real, fake, new Generator(9, 2), 10f);
            var expected = GpuGen.Autograd.Grad([composed], parameters).Select(g => g.ToArray()).ToArray();
            Assert.That(composed.Item(), Is.GreaterThan(0.5f), $"{name}: a penalty far from zero");
            Assert.That(fused.Item(), Is.EqualTo(composed.Item()).Within(1e-5 * composed.Item()), $"{name} penalty on {deviceName}");
            for (int k = 0; k < grads.Length; k++)
            {
                double scale = expected[k].Max(v => Math.Abs((double)v));
                Assert.That(scale, Is.GreaterThan(1e-3), $"{name}: ∂P/∂θ{k} not trivially zero");
                for (int i = 0; i < grads[k].Length; i++)
                    Assert.That(grads[k][i], Is.EqualTo(expected[k][i]).Within(1e-4 * scale), $"{name} ∂P/∂θ{k}[{i}] on {deviceName}");
            }
        }
    }

    /// <summary>x̂ is the mix of the same a_i that Ops.Uniform([B, 1]) draws from the same state, bit for bit.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void TheMixDrawsOnePointPerExample(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var real = Tensor.FromArray(TestSupport.RandomArray(7 * 3, 11), Shape.Of(7, 3), device);
        var fake = Tensor.FromArray(TestSupport.RandomArray(7 * 3, 12), Shape.Of(7, 3), device);
        var mixed = Ops.PenaltyMix(real, fake, new Generator(4, 1)).ToArray();
        var a = Ops.Uniform(Shape.Of(7, 1), new Generator(4, 1), TestSupport.Cpu).ToArray();
        var (x, f) = (real.ToArray(), fake.ToArray());
        for (int k = 0; k < mixed.Length; k++)
            Assert.That(mixed[k], Is.EqualTo(f[k] + a[k / 3] * (x[k] - f[k])), $"element {k}");
        Assert.That(a.Distinct().Count(), Is.EqualTo(7), "one draw per example");
    }

    /// <summary>P(g) = λ·mean(‖g_i‖ − 1)²: its gradient (the fused backward kernel) by central
    /// differences on every device, and its second derivative (the rule recorded under createGraph)
    /// through the gradient-penalty check.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void ThePenaltyTermsDerivativesMatchFiniteDifferences(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        GradCheck.FirstOrder("gradientPenaltyTerm", x => Ops.GradientPenaltyTerm(x[0], 3f), device, GradCheck.Random(21, -1, 1, [4, 5]));
        if (deviceName == "cpu")
            GradCheck.PenaltyGradient("gradientPenaltyTerm of a product", t => Ops.GradientPenaltyTerm(Ops.Mul(t[0], t[1]), 3f), device,
                GradCheck.Random(22, -1, 1, [3, 4])[0], GradCheck.Random(23, 0.5f, 1.5f, [3, 4])[0]);
    }

    [Test]
    public void BadInputIsAClearError()
    {
        using var scope = new TensorScope();
        var g = Tensor.FromArray(TestSupport.RandomArray(6, 1), Shape.Of(6), TestSupport.Cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.GradientPenaltyTerm(g, 1f))!.Message, Does.StartWith("gradientPenalty: the gradient has shape [6]"));
        Assert.Throws<ArgumentException>(() => Ops.GradientPenaltyTerm(g.Reshape(2, 3), float.NaN));
    }
}
