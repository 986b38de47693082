using GpuGen;
using GpuGen.Models.EnergyBased;

namespace GpuGen.Tests.Models;

/// <summary>The energy-based pieces against double-precision host references: the Langevin step, a
/// chain's stationary law, the contrastive-divergence gradient, the replay buffer, and ISTA.</summary>
public class EnergyBasedTests
{
    private static Tensor Rows(float[] values, int columns) => Tensor.FromArray(values, Shape.Of(values.Length / columns, columns), TestSupport.Cpu);

    /// <summary>E(x) = ½ Σ_j a_j (x_j − m_j)² per row, composed from ops: ∇E = a ⊙ (x − m).</summary>
    private static Func<Tensor, Tensor> Quadratic(float[] a, float[] m) => x =>
        Ops.Mul(Ops.Sum(Ops.Mul(Ops.Square(Ops.Sub(x, Rows(m, m.Length))), Rows(a, a.Length)), 1), 0.5f);

    [Test]
    public void ALangevinStepMatchesTheHostReference()
    {
        using var scope = new TensorScope();
        float[] a = [1.7f, 0.6f], m = [0.3f, -0.8f];
        var start = TestSupport.RandomArray(2 * 50, 11).Select(v => v * 1.2f).ToArray();
        var x = Rows(start, 2);
        var settings = new LangevinSettings(1, 0.3f, 0.2f);
        var domain = SampleDomain.Toy;
        LangevinSampler.Step(Quadratic(a, m), x, settings, domain, new Generator(7, 3));
        var noise = Ops.Normal(Shape.Of(50, 2), new Generator(7, 3), TestSupport.Cpu).ToArray(); // the same draw
        var got = x.ToArray();
        int clamped = 0;
        for (int i = 0; i < start.Length; i++)
        {
            int j = i % 2;
            double expected = start[i] - settings.StepSize / 2.0 * a[j] * (start[i] - m[j]) + settings.Noise * (double)noise[i];
            if (expected < domain.Low || expected > domain.High) clamped++;
            expected = Math.Clamp(expected, domain.Low, domain.High);
            Assert.That(got[i], Is.EqualTo(expected).Within(1e-5), $"element {i}");
        }
        Assert.That(clamped, Is.LessThan(start.Length), "the test exercises the gradient, not only the clamp");
    }

    /// <summary>E = ‖x − μ‖²/(2s²) with σ² = λ: the chain's law approaches N(μ, s²), exactly the
    /// discretised process's stationary variance s²/(1 − λ/(4s²)).</summary>
    [Test]
    public void AChainOnAGaussianEnergyReachesItsMeanAndVariance()
    {
        using var scope = new TensorScope();
        float s = 0.5f, step = 0.01f;
        float[] mu = [0.7f, -0.4f];
        var energy = Quadratic([1 / (s * s), 1 / (s * s)], mu);
        var settings = new LangevinSettings(800, step, MathF.Sqrt(step));
        const int chains = 4000;
        var x = LangevinSampler.FromNoise(energy, chains, settings, new SampleDomain(2, -2.5f, 2.5f), TestSupport.Cpu, new Generator(5)).ToArray();
        double variance = s * s / (1 - step / (4 * s * s));
        for (int j = 0; j < 2; j++)
        {
            var column = Enumerable.Range(0, chains).Select(i => (double)x[2 * i + j]).ToArray();
            double mean = column.Average(), var = column.Select(v => (v - mean) * (v - mean)).Average();
            Assert.That(mean, Is.EqualTo(mu[j]).Within(4 * Math.Sqrt(variance / chains) + 0.01), $"mean {j}");
            Assert.That(var, Is.EqualTo(variance).Within(0.08 * variance), $"variance {j}");
        }
    }

    /// <summary>For a linear energy E(x) = w·x + b the loss's gradient has a closed form:
    /// ∂/∂w = mean x⁺ − mean x⁻ + 2α(mean E⁺x⁺ + mean E⁻x⁻), ∂/∂b = 2α(mean E⁺ + mean E⁻).</summary>
    [Test]
    public void TheContrastiveDivergenceGradientMatchesItsClosedForm()
    {
        using var scope = new TensorScope();
        float[] wValues = [0.8f, -1.3f];
        var w = Tensor.FromArray(wValues, Shape.Of(2, 1), TestSupport.Cpu);
        w.RequiresGrad = true;
        var b = TestSupport.Leaf(TestSupport.Cpu, 0.4f);
        float[] positive = TestSupport.RandomArray(2 * 16, 21), negative = TestSupport.RandomArray(2 * 24, 22);
        const float alpha = 0.3f;
        Tensor Energy(Tensor x) => Ops.Add(Ops.MatMul(x, w).Reshape(x.Shape[0]), b);
        var (loss, _, _) = ContrastiveDivergence.Loss(Energy, Rows(positive, 2), Rows(negative, 2), alpha);
        loss.Backward();
        double[] gw = new double[2];
        double gb = 0, value = 0;
        foreach (var (rows, sign) in new[] { (positive, 1.0), (negative, -1.0) })
        {
            int n = rows.Length / 2;
            double sumE = 0, sumSquares = 0;
            for (int i = 0; i < n; i++)
            {
                double e = wValues[0] * rows[2 * i] + wValues[1] * rows[2 * i + 1] + 0.4;
                sumE += e;
                sumSquares += e * e;
                for (int j = 0; j < 2; j++) gw[j] += (sign + 2 * alpha * e) * rows[2 * i + j] / n;
                gb += (sign + 2 * alpha * e) / n;
            }
            value += sign * sumE / n + alpha * sumSquares / n;
        }
        Assert.That(loss.Item(), Is.EqualTo(value).Within(1e-5));
        var got = w.Grad!.ToArray();
        for (int j = 0; j < 2; j++) Assert.That(got[j], Is.EqualTo(gw[j]).Within(1e-5), $"∂/∂w{j}");
        Assert.That(b.Grad!.ToArray()[0], Is.EqualTo(gb).Within(1e-5), "∂/∂b");
    }

    /// <summary>About 95% of the starts are buffer rows (each exactly one of them), the rest uniform on
    /// the domain; Store writes the ring from the position, wrapping.</summary>
    [Test]
    public void TheReplayBufferMixesNinetyFivePercentStoredRowsAndWritesARing()
    {
        using var scope = new TensorScope();
        const int size = 1000, dim = 3;
        var stored = TestSupport.RandomArray(size * dim, 31).Select(v => 15 + 2 * v).ToArray(); // in [11, 19): outside the domain
        var buffer = new ReplayBuffer(Rows(stored, dim), new SampleDomain(dim, -1f, 1f));
        var known = Enumerable.Range(0, size).Select(r => string.Join(",", stored.Skip(r * dim).Take(dim))).ToHashSet();
        var stream = new Generator(9);
        int fromBuffer = 0, total = 0;
        for (int draw = 0; draw < 20; draw++)
        {
            var x = buffer.Draw(200, stream).ToArray();
            for (int i = 0; i < 200; i++)
            {
                var row = x.Skip(i * dim).Take(dim).ToArray();
                if (row[0] > 5)
                {
                    fromBuffer++;
                    Assert.That(known.Contains(string.Join(",", row)), Is.True, "a stored row, copied exactly");
                }
                else Assert.That(row, Is.All.InRange(-1f, 1f), "fresh noise on the domain");
                total++;
            }
        }
        double fraction = (double)fromBuffer / total, sd = Math.Sqrt(0.95 * 0.05 / total);
        Assert.That(fraction, Is.EqualTo(0.95).Within(4 * sd));

        var samples = TestSupport.RandomArray(5 * dim, 32);
        buffer.Store(Rows(samples, dim), 3 * size - 2); // rows 998, 999, 0, 1, 2
        var after = buffer.Storage.ToArray();
        int[] rows = [998, 999, 0, 1, 2];
        for (int i = 0; i < 5; i++)
            Assert.That(after.Skip(rows[i] * dim).Take(dim), Is.EqualTo(samples.Skip(i * dim).Take(dim)), $"row {rows[i]}");
        Assert.That(after.Skip(3 * dim).Take(dim), Is.EqualTo(stored.Skip(3 * dim).Take(dim)), "other rows untouched");
    }

    [Test]
    public void TheSoftThresholdMatchesItsDefinition()
    {
        using var scope = new TensorScope();
        var v = TestSupport.RandomArray(200, 41);
        var got = Ista.SoftThreshold(Tensor.FromArray(v, TestSupport.Cpu), 0.6f).ToArray();
        for (int i = 0; i < v.Length; i++)
            Assert.That(got[i], Is.EqualTo(Math.Sign(v[i]) * Math.Max(Math.Abs(v[i]) - 0.6, 0)).Within(1e-6), $"element {i}");
    }

    /// <summary>On a tiny lasso problem ISTA with η = 1/L (L by power iteration, against the host's) reaches
    /// the minimiser that cyclic coordinate descent finds in double precision.</summary>
    [Test]
    public void IstaReachesTheLassoSolutionOfCoordinateDescent()
    {
        using var scope = new TensorScope();
        const int p = 6, k = 10, rows = 3;
        const float lambda = 0.15f;
        var d = TestSupport.RandomArray(p * k, 51);
        var x = TestSupport.RandomArray(rows * p, 52);
        var dictionary = Tensor.FromArray(d, Shape.Of(p, k), TestSupport.Cpu);
        var gram = Ops.MatMul(dictionary, dictionary, transA: true);
        var vector = Tensor.FromArray(TestSupport.RandomArray(k, 53), TestSupport.Cpu);
        float l = Ista.LargestEigenvalue(gram, vector, 200);
        Assert.That(l, Is.EqualTo(HostLargestEigenvalue(d, p, k)).Within(1e-4 * l));
        var z = Ista.Codes(Tensor.FromArray(x, Shape.Of(rows, p), TestSupport.Cpu), dictionary, lambda, 1f / l, 5000).ToArray();
        for (int r = 0; r < rows; r++)
        {
            var expected = CoordinateDescent(d, x.Skip(r * p).Take(p).ToArray(), p, k, lambda);
            for (int j = 0; j < k; j++) Assert.That(z[r * k + j], Is.EqualTo(expected[j]).Within(2e-3), $"row {r}, code {j}");
            Assert.That(expected.Count(c => c == 0), Is.GreaterThan(0), "the problem has zeros in its solution");
        }
    }

    private static double[] CoordinateDescent(float[] d, float[] x, int p, int k, double lambda)
    {
        var z = new double[k];
        for (int sweep = 0; sweep < 20000; sweep++)
            for (int j = 0; j < k; j++)
            {
                double rho = 0, norm = 0;
                for (int i = 0; i < p; i++)
                {
                    double residual = x[i];
                    for (int m = 0; m < k; m++) if (m != j) residual -= d[i * k + m] * z[m];
                    rho += d[i * k + j] * residual;
                    norm += d[i * k + j] * d[i * k + j];
                }
                z[j] = Math.Sign(rho) * Math.Max(Math.Abs(rho) - lambda, 0) / norm;
            }
        return z;
    }

    private static double HostLargestEigenvalue(float[] d, int p, int k)
    {
        var v = Enumerable.Repeat(1.0, k).ToArray();
        double l = 0;
        for (int it = 0; it < 5000; it++)
        {
            var dv = new double[p];
            for (int i = 0; i < p; i++) for (int j = 0; j < k; j++) dv[i] += d[i * k + j] * v[j];
            var w = new double[k];
            for (int j = 0; j < k; j++) for (int i = 0; i < p; i++) w[j] += d[i * k + j] * dv[i];
            l = Math.Sqrt(w.Sum(t => t * t));
            for (int j = 0; j < k; j++) v[j] = w[j] / l;
        }
        return l;
    }

    /// <summary>The toy network's input scale multiplies exactly its first layer's initial weights and
    /// biases, and leaves the rest as the same generator draws them.</summary>
    [Test]
    public void TheInputScaleMultipliesOnlyTheFirstLayer()
    {
        using var plain = EnergyNetworks.Toy(new Generator(4), TestSupport.Cpu, 8, 2);
        using var scaled = EnergyNetworks.Toy(new Generator(4), TestSupport.Cpu, 8, 2, inputScale: 15f);
        var a = plain.NamedParameters().ToDictionary(p => p.Path, p => p.Tensor.ToArray());
        var b = scaled.NamedParameters().ToDictionary(p => p.Path, p => p.Tensor.ToArray());
        Assert.That(a.Keys, Is.EquivalentTo(b.Keys));
        foreach (var (name, values) in a)
        {
            float factor = name.StartsWith("0.") ? 15f : 1f;
            Assert.That(values.Any(v => v != 0f), Is.True, name);
            Assert.That(b[name], Is.EqualTo(values.Select(v => v * factor).ToArray()), name);
        }
    }
}
