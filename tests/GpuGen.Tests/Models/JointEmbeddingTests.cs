using GpuGen;
using GpuGen.Models.Metrics;
using GpuGen.Models.SelfSupervised;
using GpuGen.Tests.Autograd;

namespace GpuGen.Tests.Models;

/// <summary>
/// The joint-embedding losses against double-precision references of the papers' formulas on random
/// embeddings, their gradients by finite differences, Sinkhorn–Knopp's marginals, the momentum update
/// and MoCo's queue, the probes and the spectrum.
/// </summary>
public class JointEmbeddingTests
{
    private static double[][] Rows(float[] values, int n, int d) =>
        Enumerable.Range(0, n).Select(i => Enumerable.Range(0, d).Select(j => (double)values[i * d + j]).ToArray()).ToArray();

    private static double[] Unit(double[] v)
    {
        double norm = Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    /// <summary>Chen et al.'s ℓ(i, j) = −log exp(sim(z_i, z_j)/τ) / Σ_{k≠i} exp(sim(z_i, z_k)/τ), averaged over all 2N anchors.</summary>
    private static double NtXentReference(float[] a, float[] b, int n, int d, double tau)
    {
        var z = Rows(a, n, d).Concat(Rows(b, n, d)).Select(Unit).ToArray();
        double total = 0;
        for (int i = 0; i < 2 * n; i++)
        {
            int positive = (i + n) % (2 * n);
            double denominator = 0;
            for (int k = 0; k < 2 * n; k++)
                if (k != i) denominator += Math.Exp(Dot(z[i], z[k]) / tau);
            total += -Math.Log(Math.Exp(Dot(z[i], z[positive]) / tau) / denominator);
        }
        return total / (2 * n);
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void NtXentIsChensLoss(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        using var mask = new SelfMask();
        const int n = 6, d = 5;
        var a = TestSupport.RandomArray(n * d, 1);
        var b = TestSupport.RandomArray(n * d, 2);
        foreach (float tau in new[] { 0.1f, 0.5f })
        {
            float loss = SimClr.NtXent(Tensor.FromArray(a, Shape.Of(n, d), device), Tensor.FromArray(b, Shape.Of(n, d), device), tau, mask).Item();
            double expected = NtXentReference(a, b, n, d, tau);
            Assert.That(loss, Is.EqualTo(expected).Within(2e-5 * Math.Max(1, expected)), $"τ {tau} on {deviceName}");
        }
    }

    [Test]
    public void NtXentGradientMatchesFiniteDifferences()
    {
        using var mask = new SelfMask();
        GradCheck.FirstOrder("ntXent", t => SimClr.NtXent(t[0], t[1], 0.5f, mask).Reshape(1), TestSupport.Cpu, GradCheck.Random(3, -1f, 1f, [4, 3], [4, 3]));
    }

    /// <summary>VICReg's three terms as the official code computes them, in double.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void VicRegTermsAreThePapers(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        const int n = 7, d = 4;
        var a = TestSupport.RandomArray(n * d, 4).Select(v => v * 0.4f).ToArray(); // std below 1 in some dimensions: the hinge is active
        var b = TestSupport.RandomArray(n * d, 5);
        var (total, inv, variance, cov) = VicReg.Terms(Tensor.FromArray(a, Shape.Of(n, d), device), Tensor.FromArray(b, Shape.Of(n, d), device), 25f, 25f, 1f);
        var za = Rows(a, n, d);
        var zb = Rows(b, n, d);
        double expectedInv = za.Zip(zb, (x, y) => x.Zip(y, (p, q) => (p - q) * (p - q)).Sum()).Sum() / (n * d);
        double Hinge(double[][] z) => Enumerable.Range(0, d).Select(j =>
        {
            double mean = z.Average(r => r[j]), var = z.Sum(r => (r[j] - mean) * (r[j] - mean)) / (n - 1);
            return Math.Max(0, 1 - Math.Sqrt(var + 1e-4));
        }).Average();
        double OffDiagonal(double[][] z)
        {
            double sum = 0;
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                {
                    if (i == j) continue;
                    double mi = z.Average(r => r[i]), mj = z.Average(r => r[j]);
                    double c = z.Sum(r => (r[i] - mi) * (r[j] - mj)) / (n - 1);
                    sum += c * c;
                }
            return sum / d;
        }
        double expectedVar = (Hinge(za) + Hinge(zb)) / 2, expectedCov = OffDiagonal(za) + OffDiagonal(zb);
        Assert.That(expectedVar, Is.GreaterThan(0.05), "the variance hinge is exercised");
        Assert.That(inv.Item(), Is.EqualTo(expectedInv).Within(1e-5 * expectedInv));
        Assert.That(variance.Item(), Is.EqualTo(expectedVar).Within(1e-5));
        Assert.That(cov.Item(), Is.EqualTo(expectedCov).Within(1e-4 * expectedCov + 1e-6));
        Assert.That(total.Item(), Is.EqualTo(25 * expectedInv + 25 * expectedVar + expectedCov).Within(1e-4 * (25 * expectedInv + 1)));
    }

    [Test]
    public void VicRegGradientMatchesFiniteDifferences() =>
        GradCheck.FirstOrder("vicreg", t => VicReg.Terms(t[0], t[1], 25f, 25f, 1f).Total.Reshape(1), TestSupport.Cpu, GradCheck.Random(6, -0.6f, 0.6f, [5, 3], [5, 3]));

    /// <summary>Sinkhorn–Knopp equalises: every row sums to 1 and every prototype's column to N/K, and it is the
    /// alternating normalisation of exp(S/ε) in double.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void SinkhornEqualisesThePrototypes(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        const int n = 12, k = 4;
        var s = TestSupport.RandomArray(n * k, 7).Select(v => v / 2).ToArray(); // cosine-like scores in [−1, 1)
        var q = SwAV.Sinkhorn(Tensor.FromArray(s, Shape.Of(n, k), device), 0.05f, 3).ToArray();
        var reference = new double[n, k];
        double max = s.Max(), total = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++) total += reference[i, j] = Math.Exp((s[i * k + j] - max) / 0.05);
        for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) reference[i, j] /= total;
        for (int iteration = 0; iteration < 3; iteration++)
        {
            for (int j = 0; j < k; j++)
            {
                double column = 0;
                for (int i = 0; i < n; i++) column += reference[i, j];
                for (int i = 0; i < n; i++) reference[i, j] /= column * k;
            }
            for (int i = 0; i < n; i++)
            {
                double row = 0;
                for (int j = 0; j < k; j++) row += reference[i, j];
                for (int j = 0; j < k; j++) reference[i, j] /= row * n;
            }
        }
        for (int i = 0; i < n; i++)
        {
            Assert.That(Enumerable.Range(0, k).Sum(j => q[i * k + j]), Is.EqualTo(1).Within(1e-5), $"row {i}");
            for (int j = 0; j < k; j++) Assert.That(q[i * k + j], Is.EqualTo(reference[i, j] * n).Within(1e-4), $"q[{i}, {j}] on {deviceName}");
        }
        // iterated to convergence, every prototype's column holds N/K of the batch
        var converged = SwAV.Sinkhorn(Tensor.FromArray(s, Shape.Of(n, k), device), 0.05f, 200).ToArray();
        for (int j = 0; j < k; j++) Assert.That(Enumerable.Range(0, n).Sum(i => converged[i * k + j]), Is.EqualTo((double)n / k).Within(2e-3), $"prototype {j}'s share on {deviceName}");
    }

    /// <summary>After a step: the key network moved to m·θ′ + (1 − m)·θ, and the batch's keys sit in the queue at its
    /// write position, wrapping around the end; the position is a buffer, so a checkpoint keeps it.</summary>
    [Test]
    public void MoCosKeyNetworkFollowsByMomentumAndItsQueueWraps()
    {
        var device = TestSupport.Cpu;
        using var scope = new TensorScope();
        var settings = JointEmbeddingSettings.For(JointEmbeddingMethod.MoCo) with { QueueSize = 10, ProjectionDim = 8, Momentum = 0.9f };
        using var model = (MoCo)JointEmbeddingModels.Create(settings, new Generator(3), device);
        Assert.That(model.TrainedParameters().Any(p => p.Name.StartsWith("key_")), Is.False, "the key network is not trained by the optimizer");
        Assert.That(model.KeyEncoder.NamedParameters().First().Tensor.ToArray(), Is.EqualTo(model.Encoder.NamedParameters().First().Tensor.ToArray()), "the key network starts as a copy");
        var x = Tensor.FromArray(TestSupport.RandomArray(6 * 784, 9).Select(v => Math.Abs(v) / 2).ToArray(), Shape.Of(6, 784), device);
        for (int step = 0; step < 2; step++)
        {
            using var stepScope = new TensorScope();
            var online = model.Encoder.NamedParameters().First().Tensor;
            var key = model.KeyEncoder.NamedParameters().First().Tensor;
            using (var adam = new GpuGen.Optim.Adam(model.TrainedParameters(), 1e-2f))
                GpuGen.Models.Training.Step("moco", adam, model.Loss([x, Ops.Mul(x, 0.9f)]), 1, step + 1);
            var (before, trained) = (key.ToArray(), online.ToArray());
            var queueBefore = model.Queue.ToArray();
            float[] keys;
            using (GpuGen.Autograd.NoGrad())
                keys = MoCo.Normalize(model.KeyProjector.Forward(model.KeyEncoder.Forward(Ops.Mul(x, 0.9f)))).ToArray();
            model.AfterStep();
            var after = key.ToArray();
            for (int i = 0; i < 50; i++) Assert.That(after[i], Is.EqualTo(0.9f * before[i] + 0.1f * trained[i]).Within(1e-6), $"key weight {i}");
            var queue = model.Queue.ToArray();
            int start = step * 6;
            for (int r = 0; r < 10; r++)
            {
                int written = (r - start + 10) % 10; // row r holds key `written` of this batch if written < 6
                var expected = written < 6 ? keys.AsSpan(written * 8, 8).ToArray() : queueBefore.AsSpan(r * 8, 8).ToArray();
                Assert.That(queue.AsSpan(r * 8, 8).ToArray(), Is.EqualTo(expected).Within(1e-6), $"queue row {r} after step {step + 1}");
            }
            Assert.That(model.QueuePointer.Item(), Is.EqualTo((start + 6) % 10));
        }
    }

    [Test]
    public void BadInputIsOneClearError()
    {
        using var scope = new TensorScope();
        using var model = JointEmbeddingModels.Create(JointEmbeddingSettings.For(JointEmbeddingMethod.SimClr), new Generator(1), TestSupport.Cpu);
        var one = Tensor.FromArray(TestSupport.RandomArray(784, 1), Shape.Of(1, 784), TestSupport.Cpu);
        var two = Tensor.FromArray(TestSupport.RandomArray(2 * 784, 2), Shape.Of(2, 784), TestSupport.Cpu);
        Assert.That(Assert.Throws<GpuGenException>(() => model.Loss([two]))!.Message, Does.Contain("at least two views"));
        Assert.That(Assert.Throws<GpuGenException>(() => model.Loss([one, one]))!.Message, Does.Contain("a batch of 1 image has no other image"));
        Assert.That(Assert.Throws<GpuGenException>(() => JointEmbeddingModels.Create(JointEmbeddingSettings.For(JointEmbeddingMethod.SimClr) with { Temperature = 0 }, new Generator(1), TestSupport.Cpu))!.Message,
            Does.Contain("temperature must be positive"));
    }

    /// <summary>The linear probe separates features that carry the label linearly, and cannot beat chance on noise;
    /// the k-NN probe ranks by cosine.</summary>
    [Test]
    public void ProbesSeeWhatTheFeaturesCarry()
    {
        using var scope = new TensorScope();
        var rng = new Random(4);
        byte[] Labels(int n) => Enumerable.Range(0, n).Select(_ => (byte)rng.Next(10)).ToArray();
        var (trainLabels, testLabels) = (Labels(600), Labels(200));
        Tensor Features(byte[] labels, double signal) => Tensor.FromArray(labels.SelectMany(l => Enumerable.Range(0, 12)
            .Select(j => (float)((j == l ? signal : 0) + rng.NextDouble() - 0.5))).ToArray(), Shape.Of(labels.Length, 12), TestSupport.Cpu);
        var informative = RepresentationProbes.Linear(Features(trainLabels, 2), trainLabels, Features(testLabels, 2), testLabels, steps: 200);
        Assert.That(informative.Test, Is.GreaterThan(0.95));
        var noise = RepresentationProbes.Linear(Features(trainLabels, 0), trainLabels, Features(testLabels, 0), testLabels, steps: 200);
        Assert.That(noise.Test, Is.LessThan(0.25));
        Assert.That(RepresentationProbes.Knn(Features(trainLabels, 2), trainLabels, Features(testLabels, 2), testLabels), Is.GreaterThan(0.9));
    }

    /// <summary>The spectrum of features spread over r directions: r singular values of the planted sizes (÷√n), the rest 0.</summary>
    [Test]
    public void TheSpectrumFindsTheDimensionsInUse()
    {
        using var scope = new TensorScope();
        var rng = new Random(8);
        const int n = 400, d = 6;
        double[] scales = [3, 2, 1];
        var values = new float[n * d];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 3; k++) values[i * d + k] = (float)(scales[k] * (rng.Next(2) * 2 - 1)); // ±scale: variance scale²
        var sigma = FeatureSpectrum.SingularValues(Tensor.FromArray(values, Shape.Of(n, d), TestSupport.Cpu));
        for (int k = 0; k < 3; k++) Assert.That(sigma[k], Is.EqualTo(scales[k]).Within(0.15 * scales[k]), $"σ{k + 1}");
        Assert.That(sigma.Skip(3), Is.All.LessThan(1e-3));
        Assert.That(FeatureSpectrum.EffectiveRank(sigma), Is.InRange(2.5, 3.0));
        Assert.That(FeatureSpectrum.EffectiveRank([1, 1, 1, 1]), Is.EqualTo(4).Within(1e-12));
    }
}
