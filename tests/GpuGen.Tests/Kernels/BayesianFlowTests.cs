using GpuGen;
using GpuGen.Diffusion;
using GpuGen.Tests.Autograd;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// Bayesian Flow Networks' continuous-data kernels (the flow distribution's sample, the output x̂
/// and its gradient, the sampler's Bayesian update) on every device against double-precision
/// references that draw the same noise through Ops.Normal; the schedule's quantities against the
/// paper's formulas.
/// </summary>
public class BayesianFlowTests
{
    private static readonly float[] Times = [0f, 1e-7f, 0.003f, 0.2f, 0.5f, 0.77f, 0.999f, 1f];

    private static Tensor Data(Device device, int seed, float scale, params int[] shape) =>
        Tensor.FromArray(TestSupport.RandomArray(shape.Aggregate(1, (p, d) => p * d), seed).Select(v => v * scale).ToArray(), new Shape(shape), device);

    [Test]
    public void TheScheduleIsThePapers()
    {
        var flow = new ContinuousBayesianFlow(0.02);
        foreach (double t in new[] { 1e-9, 1e-4, 0.3, 1.0 })
        {
            Assert.That(flow.Gamma(t), Is.EqualTo(1 - Math.Pow(0.02, 2 * t)).Within(1e-12 + 1e-9 * flow.Gamma(t)), $"γ({t})");
            double beta = Math.Pow(0.02, -2 * t) - 1;
            Assert.That(flow.Gamma(t), Is.EqualTo(beta / (1 + beta)).Within(1e-12 + 1e-9 * flow.Gamma(t)), $"γ = β/(1 + β) at {t}");
        }
        Assert.That(flow.LossWeight(0.5), Is.EqualTo(-Math.Log(0.02) / 0.02).Within(1e-9));
        // the sampler's accuracies add up to the final precision: 1 + Σα_i = σ₁⁻²
        double precision = 1 + Enumerable.Range(1, 25).Sum(i => flow.StepAccuracy(i, 25));
        Assert.That(precision, Is.EqualTo(1 / (0.02 * 0.02)).Within(1e-6));
        Assert.That(Assert.Throws<GpuGenException>(() => new ContinuousBayesianFlow(1.0))!.Message, Does.Contain("σ₁ must be in (0, 1)"));
        Assert.Throws<GpuGenException>(() => new ContinuousBayesianFlow(0));
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void TheFlowSampleIsNormalAroundGammaX(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var flow = new ContinuousBayesianFlow(0.02);
        var x = Data(device, 1, 1f, Times.Length, 3);
        var mu = Ops.ContinuousFlowSample(x, Tensor.FromArray(Times, device), flow, new Generator(5, 6)).ToArray();
        var eps = Ops.Normal(Shape.Of(Times.Length, 3), new Generator(5, 6), TestSupport.Cpu).ToArray();
        var xs = x.ToArray();
        for (int i = 0; i < mu.Length; i++)
        {
            double gamma = flow.Gamma(Times[i / 3]);
            double expected = gamma * xs[i] + Math.Sqrt(gamma * (1 - gamma)) * eps[i];
            Assert.That(mu[i], Is.EqualTo(expected).Within(2e-6 + 2e-5 * Math.Abs(expected)), $"μ[{i}] (t {Times[i / 3]}) on {deviceName}");
        }
    }

    /// <summary>x̂ = clamp(μ/γ − √((1 − γ)/γ)·ε̂, ±clip), 0 below t_min; values past the clip are clamped.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void TheOutputIsTheClippedNoiseEstimate(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var flow = new ContinuousBayesianFlow(0.05, clip: 2f);
        var mu = Data(device, 3, 0.5f, Times.Length, 4);
        var eps = Data(device, 4, 1f, Times.Length, 4);
        var y = Ops.ContinuousFlowOutput(mu, eps, Tensor.FromArray(Times, device), flow).ToArray();
        var (m, e) = (mu.ToArray(), eps.ToArray());
        int clipped = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double t = Times[i / 4], gamma = flow.Gamma(t);
            double raw = t < 1e-6 ? 0 : m[i] / gamma - Math.Sqrt((1 - gamma) / gamma) * e[i];
            if (Math.Abs(raw) > 2) clipped++;
            double expected = Math.Clamp(raw, -2, 2);
            Assert.That(y[i], Is.EqualTo(expected).Within(1e-5 * (1 + Math.Abs(expected))), $"x̂[{i}] (t {t}) on {deviceName}");
        }
        Assert.That(clipped, Is.InRange(4, y.Length - 8), "both clipped and free values are checked");
    }

    /// <summary>∂x̂/∂ε̂ by central differences (a clip wide enough that no value sits at it), and 0 where clipped.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void TheOutputsGradientMatchesFiniteDifferences(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        var wide = new ContinuousBayesianFlow(0.1, clip: 1000f);
        float[] times = [0.2f, 0.5f, 0.9f, 1f];
        var mu = Data(device, 7, 0.5f, 4, 3);
        var t = Tensor.FromArray(times, device);
        GradCheck.FirstOrder("continuousFlowOutput", e => Ops.ContinuousFlowOutput(mu, e[0], t, wide), device, GradCheck.Random(8, -1, 1, [4, 3]));

        using var scope = new TensorScope();
        var narrow = new ContinuousBayesianFlow(0.1, clip: 0.5f);
        var eps = Data(device, 9, 1f, 4, 3);
        eps.RequiresGrad = true;
        var y = Ops.ContinuousFlowOutput(mu, eps, t, narrow);
        var g = GpuGen.Autograd.Grad([Ops.Sum(y)], [eps])[0].ToArray();
        var values = y.ToArray();
        for (int i = 0; i < g.Length; i++)
        {
            double gamma = narrow.Gamma(times[i / 3]);
            double expected = Math.Abs(values[i]) >= 0.5f ? 0 : -Math.Sqrt((1 - gamma) / gamma);
            Assert.That(g[i], Is.EqualTo(expected).Within(1e-5 * (1 + Math.Abs(expected))), $"∂x̂/∂ε̂[{i}] on {deviceName}");
        }
        Assert.That(g.Count(v => v == 0), Is.InRange(1, g.Length - 1), "both clipped and free values");
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void TheUpdateIsAlgorithm3s(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var mu = Data(device, 11, 1f, 5, 7);
        var prediction = Data(device, 12, 1f, 5, 7);
        var y = Ops.ContinuousFlowUpdate(mu, prediction, 3.5, 0.8, new Generator(2, 3)).ToArray();
        var z = Ops.Normal(Shape.Of(5, 7), new Generator(2, 3), TestSupport.Cpu).ToArray();
        var (m, p) = (mu.ToArray(), prediction.ToArray());
        for (int i = 0; i < y.Length; i++)
        {
            double sample = p[i] + z[i] / Math.Sqrt(0.8), expected = (3.5 * m[i] + 0.8 * sample) / 4.3;
            Assert.That(y[i], Is.EqualTo(expected).Within(1e-5 * (1 + Math.Abs(expected))), $"μ'[{i}] on {deviceName}");
        }
    }

    /// <summary>Binary evidence: d = 2a(2x − 1) + 2√a·ε with Ops.Normal's ε, a per example (0 included).</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void BinaryEvidenceIsTheSendersLogit(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        float[] bits = TestSupport.RandomArray(5 * 9, 21).Select(v => v > 0 ? 1f : 0f).ToArray();
        float[] accuracy = [0f, 0.01f, 0.5f, 3f, 12f];
        var d = Ops.BinaryFlowEvidence(Tensor.FromArray(bits, Shape.Of(5, 9), device), Tensor.FromArray(accuracy, device), new Generator(7, 8)).ToArray();
        var eps = Ops.Normal(Shape.Of(5, 9), new Generator(7, 8), TestSupport.Cpu).ToArray();
        for (int i = 0; i < d.Length; i++)
        {
            double a = accuracy[i / 9], expected = 2 * a * (2 * bits[i] - 1) + 2 * Math.Sqrt(a) * eps[i];
            Assert.That(d[i], Is.EqualTo(expected).Within(1e-5 * (1 + Math.Abs(expected))), $"d[{i}] on {deviceName}");
        }
        Assert.That(bits.Distinct().Count(), Is.EqualTo(2));
    }

    /// <summary>The sampler's step: λ + 2α(2k − 1) + 2√α·ε, k from p, computed here from the same Philox
    /// words; every device agrees with the host, and the classes follow p.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void BinaryUpdateDrawsAClassThenAddsItsEvidence(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        const int n = 4000;
        var logits = TestSupport.RandomArray(n, 31);
        var p = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? 0.9f : 0.2f).ToArray();
        var generator = new Generator(3, 4);
        var (seed, offset) = (generator.Seed, generator.Offset);
        var y = Ops.BinaryFlowUpdate(Tensor.FromArray(logits, device), Tensor.FromArray(p, device), 0.7, generator).ToArray();
        int ones = 0;
        for (int i = 0; i < n; i++)
        {
            var block = GpuGen.Kernels.Random.Philox.ForElement(i, seed, offset);
            double k = GpuGen.Kernels.Random.Philox.ToUniform(block.X) < p[i] ? 1 : 0;
            double eps = Math.Sqrt(-2 * Math.Log(GpuGen.Kernels.Random.Philox.ToUniformNonZero(block.Y))) * Math.Cos(2 * Math.PI * GpuGen.Kernels.Random.Philox.ToUniform(block.Z));
            double expected = logits[i] + 2 * 0.7 * (2 * k - 1) + 2 * Math.Sqrt(0.7) * eps;
            Assert.That(y[i], Is.EqualTo(expected).Within(2e-5 * (1 + Math.Abs(expected))), $"λ'[{i}] on {deviceName}");
            if (i % 2 == 0) ones += (int)k;
        }
        Assert.That(ones / (n / 2.0), Is.EqualTo(0.9).Within(0.03), "classes drawn with p");
    }

    /// <summary>Categorical evidence with K = 3 as planes [B, K, D]: a(K·e_x − 1) + √(aK)·ε with Ops.Normal's ε
    /// in the same layout, a per example (0 included).</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void CategoricalEvidenceIsTheSendersSample(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        const int batch = 4, classes = 3, variables = 7;
        float[] x = TestSupport.RandomArray(batch * variables, 22).Select(v => (float)Math.Min(2, Math.Floor(Math.Abs(v) * 2))).ToArray();
        float[] accuracy = [0f, 0.2f, 1.5f, 9f];
        var y = Ops.CategoricalFlowEvidence(Tensor.FromArray(x, Shape.Of(batch, variables), device), Tensor.FromArray(accuracy, device), classes, new Generator(5, 6));
        Assert.That(y.Shape, Is.EqualTo(Shape.Of(batch, classes, variables)));
        var values = y.ToArray();
        var eps = Ops.Normal(Shape.Of(batch, classes, variables), new Generator(5, 6), TestSupport.Cpu).ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            int b = i / (classes * variables), k = i / variables % classes, d = i % variables;
            double a = accuracy[b], expected = a * ((int)x[b * variables + d] == k ? classes - 1 : -1) + Math.Sqrt(a * classes) * eps[i];
            Assert.That(values[i], Is.EqualTo(expected).Within(1e-5 * (1 + Math.Abs(expected))), $"y[{b}, {k}, {d}] on {deviceName}");
        }
        Assert.That(x.Distinct().Count(), Is.EqualTo(3));
    }

    /// <summary>The K-class sampler's step, replayed from the same Philox words: a class per variable from the
    /// cumulative p (the first word of the block of its plane-0 element), then every plane's evidence; the
    /// classes follow p.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void CategoricalUpdateDrawsAClassThenAddsItsEvidence(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        const int n = 3, classes = 4, variables = 500;
        double[] probabilities = [0.1, 0.2, 0.3, 0.4];
        var logits = TestSupport.RandomArray(n * classes * variables, 32);
        var p = Enumerable.Range(0, logits.Length).Select(i => (float)probabilities[i / variables % classes]).ToArray();
        var generator = new Generator(9, 2);
        var (seed, offset) = (generator.Seed, generator.Offset);
        var y = Ops.CategoricalFlowUpdate(Tensor.FromArray(logits, Shape.Of(n, classes, variables), device), Tensor.FromArray(p, Shape.Of(n, classes, variables), device), 0.6, generator).ToArray();
        var counts = new int[classes];
        for (int b = 0; b < n; b++)
            for (int d = 0; d < variables; d++)
            {
                int first = b * classes * variables + d;
                double u = GpuGen.Kernels.Random.Philox.ToUniform(GpuGen.Kernels.Random.Philox.ForElement(first, seed, offset).X), cumulative = 0;
                int drawn = classes - 1;
                for (int k = 0; k < classes - 1; k++)
                    if (u < (cumulative += p[first + k * variables])) { drawn = k; break; }
                counts[drawn]++;
                for (int k = 0; k < classes; k++)
                {
                    int i = first + k * variables;
                    var block = GpuGen.Kernels.Random.Philox.ForElement(i, seed, offset);
                    double eps = Math.Sqrt(-2 * Math.Log(GpuGen.Kernels.Random.Philox.ToUniformNonZero(block.Y))) * Math.Cos(2 * Math.PI * GpuGen.Kernels.Random.Philox.ToUniform(block.Z));
                    double expected = logits[i] + 0.6 * (k == drawn ? classes - 1 : -1) + Math.Sqrt(0.6 * classes) * eps;
                    Assert.That(y[i], Is.EqualTo(expected).Within(2e-5 * (1 + Math.Abs(expected))), $"logits'[{b}, {k}, {d}] on {deviceName}");
                }
            }
        for (int k = 0; k < classes; k++)
            Assert.That(counts[k] / (double)(n * variables), Is.EqualTo(probabilities[k]).Within(0.04), $"class {k} drawn with its p");
    }

    [Test]
    public void BadInputIsAClearError()
    {
        using var scope = new TensorScope();
        var flow = new ContinuousBayesianFlow(0.02);
        var x = Data(TestSupport.Cpu, 1, 1f, 2, 3);
        Assert.That(Assert.Throws<ArgumentException>(() => Ops.ContinuousFlowSample(x, Tensor.FromArray([0.5f, 1.5f], TestSupport.Cpu), flow, new Generator(1)))!.Message,
            Does.StartWith("continuousFlowSample: time 1 is 1.5, outside [0, 1]"));
        Assert.Throws<ShapeMismatchException>(() => Ops.ContinuousFlowSample(x, Tensor.FromArray([0.5f], TestSupport.Cpu), flow, new Generator(1)));
        Assert.Throws<ShapeMismatchException>(() => Ops.ContinuousFlowOutput(x, Data(TestSupport.Cpu, 2, 1f, 3, 2), Tensor.FromArray([0.5f, 0.5f], TestSupport.Cpu), flow));
        Assert.Throws<ArgumentException>(() => Ops.ContinuousFlowUpdate(x, x, 0, 1, new Generator(1)));
        Assert.That(Assert.Throws<ArgumentException>(() => Ops.CategoricalFlowEvidence(Data(TestSupport.Cpu, 2, 0f, 3), Tensor.FromArray([1f, 1f], TestSupport.Cpu), 1, new Generator(1)))!.Message,
            Does.StartWith("categoricalFlowEvidence: discrete data needs at least 2 classes"));
        Assert.Throws<ShapeMismatchException>(() => Ops.CategoricalFlowUpdate(x, x, 0.5, new Generator(1)));
    }
}
