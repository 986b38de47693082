using System.Runtime.Intrinsics;
using GpuGen;
using GpuGen.Kernels.Random;
using MathNet.Numerics.Distributions;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// Philox4x32-10 against the published known-answer vectors (Random123's kat_vectors);
/// identical bits on cpu and ilgpu-cpu and for any launch shape; and each distribution's
/// moments and Kolmogorov–Smirnov statistic on 200,000 draws. Seeds are fixed, so these
/// tests cannot flake; the thresholds are the α = 0.001 critical values, which a correct
/// sampler passes for all but one seed in a thousand.
/// </summary>
public class RandomTests
{
    [TestCase(0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [TestCase(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [TestCase(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void PhiloxKnownAnswers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint r0, uint r1, uint r2, uint r3)
    {
        var block = Philox.Block(new UInt4(c0, c1, c2, c3), k0, k1);
        Assert.That(new[] { block.X, block.Y, block.Z, block.W }, Is.EqualTo(new[] { r0, r1, r2, r3 }));
    }

    [TestCase(0)]
    [TestCase(37)]
    [TestCase(1 << 20)]
    [TestCase(int.MaxValue - 15)]
    public void VectorPhiloxGivesTheScalarBlocks(int start)
    {
        Assert.That(PhiloxVector.IsSupported, Is.EqualTo(System.Runtime.Intrinsics.X86.Avx512F.IsSupported));
        if (!PhiloxVector.IsSupported) return; // without AVX-512 the host uses the scalar blocks only (checked by the parity tests)
        PhiloxVector.Blocks(start, 0x0123456789abcdefUL, 0xfedcba9876543210UL, out var x, out var y, out var z, out var w);
        for (int lane = 0; lane < 16; lane++)
        {
            var b = Philox.ForElement(start + lane, 0x0123456789abcdefUL, 0xfedcba9876543210UL);
            Assert.That((x.GetElement(lane), y.GetElement(lane), z.GetElement(lane), w.GetElement(lane)), Is.EqualTo((b.X, b.Y, b.Z, b.W)), $"lane {lane}");
        }
    }

    [Test]
    public void UniformConversionsStayInsideTheirIntervalsAtTheExtremes()
    {
        foreach (uint bits in new[] { 0u, 1u, 0xFFu, 0x1FFu, 0xFFFFFF00u, 0xFFFFFFFEu, 0xFFFFFFFFu })
        {
            Assert.That(Philox.ToUniform(bits), Is.GreaterThanOrEqualTo(0f).And.LessThan(1f), $"[0, 1) at {bits:x8}");
            Assert.That(Philox.ToUniformNonZero(bits), Is.GreaterThan(0f).And.LessThanOrEqualTo(1f), $"(0, 1] at {bits:x8}");
            Assert.That(Philox.ToUniformOpen(bits), Is.GreaterThan(0f).And.LessThan(1f), $"(0, 1) at {bits:x8}");
            Assert.That(float.IsFinite(-MathF.Log(-MathF.Log(Philox.ToUniformOpen(bits)))), Is.True, "a finite Gumbel at every extreme");
        }
    }

    /// <summary>[low, high) holds after the affine map too: on [1, 2) the largest u, 1 − 2⁻²⁴,
    /// maps to 2 − 2⁻²⁴, which rounds to exactly 2 in float.</summary>
    [TestCase(1f, 2f)]
    [TestCase(-3f, 1e-3f)]
    [TestCase(100f, 100.5f)]
    public void UniformNeverReturnsHigh(float low, float high)
    {
        var top = new UInt4(0xFFFFFFFFu, 0, 0, 0);
        var d = new UniformDistribution(low, high);
        Assert.That(d.Sample(top), Is.GreaterThanOrEqualTo(low).And.LessThan(high));
        Assert.That(d.Sample(new UInt4(0u, 0, 0, 0)), Is.EqualTo(low));
        if (low == 1f) Assert.That(low + (high - low) * Philox.ToUniform(top.X), Is.EqualTo(high), "this case does reach high unguarded");
    }

    private static readonly Func<Generator, Device, int, Tensor>[] Draws =
    [
        (g, d, n) => Ops.Uniform(Shape.Of(n), g, d, -2f, 3f),
        (g, d, n) => Ops.Normal(Shape.Of(n), g, d, 1f, 2f),
        (g, d, n) => Ops.Gumbel(Shape.Of(n), g, d),
        (g, d, n) =>
        {
            using var p = Ops.Uniform(Shape.Of(n), new Generator(99), d);
            return Ops.Bernoulli(p, g);
        },
        (g, d, n) =>
        {
            using var w = Ops.Uniform(Shape.Of(n, 5), new Generator(98), d);
            return Ops.Categorical(w, g);
        },
    ];
    private static readonly string[] DrawNames = ["uniform", "normal", "gumbel", "bernoulli", "categorical"];

    public static IEnumerable<TestCaseData> EachDraw() => DrawNames.Select((name, i) => new TestCaseData(i).SetArgDisplayNames(name));

    [TestCaseSource(nameof(EachDraw))]
    public void CpuAndIlgpuCpuGiveIdenticalBits(int draw)
    {
        const int n = 1003;
        using var host = Draws[draw](new Generator(1234, 7), TestSupport.Cpu, n);
        foreach (var simulated in TestSupport.SimulatedGpus)
        {
            var d = GpuGen.Devices.Get(simulated);
            using var device = Draws[draw](new Generator(1234, 7), d, n);
            TestSupport.AssertSameBitsOrUlps(device.ToArray(), host.ToArray(), d, simulated);
        }
    }

    [TestCaseSource(nameof(EachDraw))]
    public void ElementsDependOnlyOnTheirIndexNotOnTheLaunch(int draw)
    {
        // The first 37 numbers of a 1000-element call equal a 37-element call with the same
        // state, on both devices (different sizes mean different grids and worker splits).
        foreach (var d in TestSupport.DeviceNames.Select(GpuGen.Devices.Get))
        {
            using var big = Draws[draw](new Generator(5, 3), d, 1000);
            using var small = Draws[draw](new Generator(5, 3), d, 37);
            Assert.That(big.ToArray()[..37], Is.EqualTo(small.ToArray()), d.Name);
        }
    }

    [Test]
    public void TheGeneratorAdvancesOneOffsetPerCall()
    {
        var g = new Generator(42);
        using var a = Ops.Uniform(Shape.Of(100), g, TestSupport.Cpu);
        Assert.That(g.Offset, Is.EqualTo(1UL));
        using var b = Ops.Uniform(Shape.Of(100), g, TestSupport.Cpu);
        Assert.That(g.Offset, Is.EqualTo(2UL));
        Assert.That(a.ToArray(), Is.Not.EqualTo(b.ToArray()), "successive calls draw fresh numbers");
        using var replay = Ops.Uniform(Shape.Of(100), new Generator(42, 1), TestSupport.Cpu);
        Assert.That(replay.ToArray(), Is.EqualTo(b.ToArray()), "the same (seed, offset) replays a call");
        using var other = Ops.Uniform(Shape.Of(100), new Generator(43), TestSupport.Cpu);
        Assert.That(other.ToArray(), Is.Not.EqualTo(a.ToArray()), "another seed, other numbers");
    }

    private const int N = 200_000;
    private static readonly double KsCritical = 1.95 / Math.Sqrt(N); // α = 0.001

    private static double Ks(float[] sample, Func<double, double> cdf)
    {
        var sorted = sample.Select(v => (double)v).Order().ToArray();
        double d = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            double f = cdf(sorted[i]);
            d = Math.Max(d, Math.Max(Math.Abs((i + 1.0) / sorted.Length - f), Math.Abs(f - (double)i / sorted.Length)));
        }
        return d;
    }

    private static void AssertMoments(float[] v, double mean, double variance, string what)
    {
        double m = v.Average(x => (double)x);
        double s2 = v.Sum(x => (x - m) * (x - m)) / (v.Length - 1);
        Assert.That(m, Is.EqualTo(mean).Within(4.5 * Math.Sqrt(variance / v.Length)), $"{what} mean");
        // the variance of s² is about 2σ⁴/n for these light-tailed laws; Gumbel's is larger (excess kurtosis 2.4)
        Assert.That(s2, Is.EqualTo(variance).Within(4.5 * variance * Math.Sqrt(4.4 / v.Length)), $"{what} variance");
    }

    [Test]
    public void UniformMomentsAndKs()
    {
        using var t = Ops.Uniform(Shape.Of(N), new Generator(2026), TestSupport.Cpu, -2f, 3f);
        var v = t.ToArray();
        Assert.That(v.Min(), Is.GreaterThanOrEqualTo(-2f));
        Assert.That(v.Max(), Is.LessThan(3f));
        AssertMoments(v, 0.5, 25.0 / 12, "uniform");
        Assert.That(Ks(v, x => (x + 2) / 5), Is.LessThan(KsCritical));
    }

    [Test]
    public void NormalMomentsAndKs()
    {
        using var t = Ops.Normal(Shape.Of(N), new Generator(2027), TestSupport.Cpu, 1f, 2f);
        var v = t.ToArray();
        Assert.That(v.All(float.IsFinite), Is.True);
        AssertMoments(v, 1, 4, "normal");
        Assert.That(Ks(v, x => MathNet.Numerics.Distributions.Normal.CDF(1, 2, x)), Is.LessThan(KsCritical));
    }

    [Test]
    public void GumbelMomentsAndKs()
    {
        using var t = Ops.Gumbel(Shape.Of(N), new Generator(2028), TestSupport.Cpu);
        var v = t.ToArray();
        Assert.That(v.All(float.IsFinite), Is.True);
        AssertMoments(v, 0.5772156649, Math.PI * Math.PI / 6, "gumbel");
        Assert.That(Ks(v, x => Math.Exp(-Math.Exp(-x))), Is.LessThan(KsCritical));
    }

    [Test]
    public void BernoulliFollowsEachElementsProbability()
    {
        var p = Enumerable.Range(0, N).Select(i => new[] { 0f, 0.1f, 0.5f, 0.9f, 1f }[i % 5]).ToArray();
        using var pt = Tensor.FromArray(p, TestSupport.Cpu);
        using var t = Ops.Bernoulli(pt, new Generator(2029));
        var v = t.ToArray();
        Assert.That(v.All(x => x is 0f or 1f), Is.True);
        for (int k = 0; k < 5; k++)
        {
            var group = v.Where((_, i) => i % 5 == k).ToArray();
            double q = p[k], mean = group.Average(x => (double)x);
            Assert.That(mean, Is.EqualTo(q).Within(4.5 * Math.Sqrt(q * (1 - q) / group.Length) + 1e-12), $"p = {q}");
        }
    }

    [Test]
    public void CategoricalFrequenciesPassChiSquare()
    {
        float[] row = [1, 2, 0, 3, 4]; // unnormalised; class 2 has no weight
        var weights = Enumerable.Range(0, N).SelectMany(_ => row).ToArray();
        using var w = Tensor.FromArray(weights, Shape.Of(N, 5), TestSupport.Cpu);
        using var t = Ops.Categorical(w, new Generator(2030));
        var counts = new int[5];
        foreach (var c in t.ToArray()) counts[(int)c]++;
        Assert.That(counts[2], Is.Zero, "a zero-weight class is never drawn");
        double chi2 = 0;
        foreach (int k in new[] { 0, 1, 3, 4 })
        {
            double expected = N * row[k] / 10.0;
            chi2 += (counts[k] - expected) * (counts[k] - expected) / expected;
        }
        Assert.That(chi2, Is.LessThan(ChiSquared.InvCDF(3, 0.999)));
    }

    [Test]
    public void BadParametersAreClearErrors()
    {
        var g = new Generator(1);
        Assert.That(Assert.Throws<ArgumentException>(() => Ops.Uniform(Shape.Of(2), g, TestSupport.Cpu, 1, 1))!.Message, Does.StartWith("uniform:"));
        Assert.That(Assert.Throws<ArgumentException>(() => Ops.Normal(Shape.Of(2), g, TestSupport.Cpu, 0, -1))!.Message, Does.StartWith("normal:"));
        Assert.That(Assert.Throws<ArgumentException>(() => Ops.Gumbel(Shape.Of(2), g, TestSupport.Cpu, 0, 0))!.Message, Does.StartWith("gumbel:"));
        using var w = Tensor.Ones(Shape.Of(3), TestSupport.Cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Categorical(w, g))!.Message, Does.StartWith("categorical: weights have shape [3]"));
        Assert.That(g.Offset, Is.Zero, "a refused call does not consume the stream");
    }
}
