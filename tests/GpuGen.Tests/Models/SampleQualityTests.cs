using GpuGen.Models.Metrics;

namespace GpuGen.Tests.Models;

/// <summary>The image-sample scores against closed forms.</summary>
public class SampleQualityTests
{
    private static float[] Gaussian(int n, int dim, int seed, double[] mean, double[] std)
    {
        var rng = new Random(seed);
        var x = new float[n * dim];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < dim; k++)
            {
                double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
                x[i * dim + k] = (float)(mean[k] + std[k] * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }
        return x;
    }

    private static (double[] Mean, double[] Var) Diagonal(float[] x, int dim)
    {
        int n = x.Length / dim;
        var mean = new double[dim];
        var var = new double[dim];
        for (int k = 0; k < dim; k++)
        {
            mean[k] = Enumerable.Range(0, n).Average(i => (double)x[i * dim + k]);
            var[k] = Enumerable.Range(0, n).Sum(i => Math.Pow(x[i * dim + k] - mean[k], 2)) / (n - 1);
        }
        return (mean, var);
    }

    /// <summary>In one dimension the Fréchet distance is (μ₁ − μ₂)² + (σ₁ − σ₂)²; with independent
    /// coordinates it is that summed (the sample covariances' small off-diagonal terms allowed for).</summary>
    [Test]
    public void FrechetDistanceHasItsClosedFormForIndependentCoordinates()
    {
        var a = Gaussian(4000, 1, 1, [0.5], [1.0]);
        var b = Gaussian(4000, 1, 2, [-1.0], [2.0]);
        var (ma, va) = Diagonal(a, 1);
        var (mb, vb) = Diagonal(b, 1);
        double expected = Math.Pow(ma[0] - mb[0], 2) + Math.Pow(Math.Sqrt(va[0]) - Math.Sqrt(vb[0]), 2);
        Assert.That(SampleQuality.FrechetDistance(a, b, 1), Is.EqualTo(expected).Within(1e-9 * (1 + expected)));

        var c = Gaussian(20000, 3, 3, [0, 1, 2], [1, 0.5, 2]);
        var d = Gaussian(20000, 3, 4, [1, 1, 0], [1, 1.5, 0.5]);
        double population = 1 + 0 + 4 + 0 + 1 + 2.25; // Σ(Δμ)² + Σ(σ₁ − σ₂)²
        Assert.That(SampleQuality.FrechetDistance(c, d, 3), Is.EqualTo(population).Within(0.1));
    }

    [Test]
    public void FrechetDistanceIsZeroForOneSetAndSymmetric()
    {
        var rng = new Random(5);
        var mix = new float[600 * 4];
        for (int i = 0; i < 600; i++) // correlated coordinates
        {
            double z = rng.NextDouble(), w = rng.NextDouble();
            mix[i * 4] = (float)z; mix[i * 4 + 1] = (float)(z + 0.1 * w); mix[i * 4 + 2] = (float)(w * w); mix[i * 4 + 3] = (float)(z - w);
        }
        var other = mix.Select((v, i) => v * (i % 4 == 1 ? 2f : 1f) + (i % 4 == 0 ? 0.3f : 0f)).ToArray();
        Assert.That(SampleQuality.FrechetDistance(mix, mix, 4), Is.EqualTo(0).Within(1e-6));
        double ab = SampleQuality.FrechetDistance(mix, other, 4), ba = SampleQuality.FrechetDistance(other, mix, 4);
        Assert.That(ab, Is.GreaterThan(0.05));
        Assert.That(ba, Is.EqualTo(ab).Within(1e-7 * ab)); // a singular Σ (the 4th coordinate is a mix of the first two): eigenvalue round-off
    }

    [Test]
    public void ConfidenceAndLabelEntropy()
    {
        Assert.That(SampleQuality.MeanMaxProbability([0.7f, 0.3f, 0.1f, 0.9f], 2), Is.EqualTo(0.8).Within(1e-7));
        Assert.That(SampleQuality.LabelEntropy(Enumerable.Range(0, 1000).Select(i => i % 10), 10), Is.EqualTo(Math.Log(10)).Within(1e-12));
        Assert.That(SampleQuality.LabelEntropy(Enumerable.Repeat(3, 50), 10), Is.EqualTo(0));
    }

    /// <summary>One sample: the log-density of N(s, σ²I) at x. Two samples: the log of their mixture's
    /// density, written out. The σ chosen on validation points is the candidate that scores best.</summary>
    [Test]
    public void ParzenLogLikelihoodIsTheMixtureDensity()
    {
        float[] x = [1f, 2f], s = [0.5f, 2.5f], t = [3f, 0f];
        double sigma = 0.7;
        Assert.That(SampleQuality.ParzenLogLikelihood(x, s, 2, sigma), Is.EqualTo(-0.5 / (2 * sigma * sigma) - Math.Log(2 * Math.PI * sigma * sigma)).Within(1e-12));
        double Density(float[] c) => Math.Exp(-(Math.Pow(x[0] - c[0], 2) + Math.Pow(x[1] - c[1], 2)) / (2 * sigma * sigma)) / (2 * Math.PI * sigma * sigma);
        Assert.That(SampleQuality.ParzenLogLikelihood(x, [.. s, .. t], 2, sigma), Is.EqualTo(Math.Log((Density(s) + Density(t)) / 2)).Within(1e-12));
        var candidates = new[] { 0.05, 0.3, 0.7, 3.0 };
        var (best, ll) = SampleQuality.ChooseParzenSigma(x, [.. s, .. t], 2, candidates);
        Assert.That(ll, Is.EqualTo(candidates.Max(c => SampleQuality.ParzenLogLikelihood(x, [.. s, .. t], 2, c))));
        Assert.That(SampleQuality.ParzenLogLikelihood(x, [.. s, .. t], 2, best), Is.EqualTo(ll));
    }

    /// <summary>The device Parzen window (distances from one GEMM, blocks of points) against the
    /// double-precision host reference on random digit-sized data, more points than one block, on
    /// every device; the σ it picks is the validation set's best.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void TheDeviceParzenWindowMatchesTheReference(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        const int dim = 49;
        var points = TestSupport.RandomArray(300 * dim, 31).Select(v => 0.5f + 0.5f * v).ToArray();
        var samples = TestSupport.RandomArray(120 * dim, 32).Select(v => 0.5f + 0.5f * v).ToArray();
        using var scope = new TensorScope();
        var p = Tensor.FromArray(points, Shape.Of(300, dim), device);
        var q = Tensor.FromArray(samples, Shape.Of(120, dim), device);
        double[] sigmas = [0.1, 0.3, 1.0];
        var got = GpuGen.Models.Metrics.ParzenWindow.LogLikelihoods(p, q, sigmas);
        for (int k = 0; k < sigmas.Length; k++)
        {
            double expected = SampleQuality.ParzenLogLikelihood(points, samples, dim, sigmas[k]);
            Assert.That(got[k], Is.EqualTo(expected).Within(1e-4 * Math.Abs(expected) + 1e-3), $"σ = {sigmas[k]} on {deviceName}");
        }
        var (sigma, validation, test) = GpuGen.Models.Metrics.ParzenWindow.Evaluate(q, p[0..150], p[150..300], sigmas);
        Assert.That(sigma, Is.EqualTo(SampleQuality.ChooseParzenSigma(points.AsSpan(0, 150 * dim), samples, dim, sigmas).Sigma));
        Assert.That(test, Is.EqualTo(SampleQuality.ParzenLogLikelihood(points.AsSpan(150 * dim), samples, dim, sigma)).Within(1e-4 * Math.Abs(test) + 1e-3));
        Assert.That(validation, Is.Not.EqualTo(test));
    }
}
