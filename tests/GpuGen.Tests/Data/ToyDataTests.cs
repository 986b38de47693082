using GpuGen;
using GpuGen.Data;
using GpuGen.Models.Metrics;

namespace GpuGen.Tests.Data;

/// <summary>The WGAN-GP paper's toy sets, as its gan_toy.py makes them, and the metrics on them.</summary>
public class ToyDataTests
{
    private const int N = 20000;

    /// <summary>Every mode of a mixture gets its share (1/8 or 1/25 within 4 standard errors),
    /// 1 − e^(−4.5) ≈ 98.9% of the points lie within 3σ of a centre, and the division by 1.414 or
    /// 2.828 (gan_toy.py's "# stdev") makes each coordinate's standard deviation 1, so √E‖x‖² = √2.</summary>
    [TestCase(ToySet.EightGaussians, 8)]
    [TestCase(ToySet.TwentyFiveGaussians, 25)]
    public void MixturesHaveTheirModesInEqualShares(ToySet set, int modes)
    {
        var points = ToyData.Sample(set, N, new Generator(11));
        Assert.That(ToyData.Modes(set), Has.Count.EqualTo(modes));
        var (within, covered) = ToyMetrics.ModeCoverage(points, set);
        Assert.That(within, Is.EqualTo(1 - Math.Exp(-4.5)).Within(0.005));
        Assert.That(covered, Is.EqualTo(modes));
        var counts = new int[modes];
        var centres = ToyData.Modes(set);
        for (int i = 0; i < N; i++)
            counts[Enumerable.Range(0, modes).MinBy(m => Math.Pow(points[2 * i] - centres[m].X, 2) + Math.Pow(points[2 * i + 1] - centres[m].Y, 2))]++;
        double p = 1.0 / modes, se = Math.Sqrt(N * p * (1 - p));
        Assert.That(counts, Is.All.InRange(N * p - 4 * se, N * p + 4 * se));
        double rms = Math.Sqrt(points.Select(v => (double)v * v).Sum() / N); // √E‖x‖²
        Assert.That(rms, Is.EqualTo(Math.Sqrt(2)).Within(0.02));
    }

    /// <summary>make_swiss_roll's (x, z): t ∈ [1.5π, 4.5π], radius t / scale up to the noise σ / scale
    /// (WGAN-GP's roll: σ 0.25, / 7.5; DDPM's: σ 0.5, / 10).</summary>
    [TestCase(ToySet.SwissRoll, 0.25, 7.5)]
    [TestCase(ToySet.DiffusionSwissRoll, 0.5, 10)]
    public void TheSwissRollLiesOnItsSpiral(ToySet set, double noise, double scale)
    {
        var points = ToyData.Sample(set, N, new Generator(12));
        double radialSpread = 0;
        for (int i = 0; i < N; i++)
        {
            double x = points[2 * i] * scale, y = points[2 * i + 1] * scale, r = Math.Sqrt(x * x + y * y);
            Assert.That(r, Is.InRange(1.5 * Math.PI - 6 * noise, 4.5 * Math.PI + 6 * noise), $"point {i}"); // ±6 noise σ
            // the roll's angle is its radius (t = r): the distance to the noiseless curve point at that t
            double t = Math.Atan2(y, x), best = double.PositiveInfinity;
            for (int k = 0; k < 3; k++)
            {
                double tk = t + 2 * Math.PI * k;
                while (tk < 1.5 * Math.PI - 1) tk += 2 * Math.PI;
                best = Math.Min(best, Math.Abs(r - tk));
            }
            radialSpread += best * best;
        }
        Assert.That(Math.Sqrt(radialSpread / N), Is.EqualTo(noise).Within(0.35 * noise), "the noise's σ across the spiral");
    }

    [Test]
    public void ADrawDependsOnlyOnTheStreamAndAdvancesIt()
    {
        var g = new Generator(5, 3);
        var a = ToyData.Sample(ToySet.EightGaussians, 100, g);
        Assert.That(g.Offset, Is.EqualTo(4UL));
        var b = ToyData.Sample(ToySet.EightGaussians, 100, new Generator(5, 3));
        Assert.That(b, Is.EqualTo(a));
        Assert.That(ToyData.Sample(ToySet.EightGaussians, 100, g), Is.Not.EqualTo(a));
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void TheSamplerFillsItsOwnTensorOnAnyDevice(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var sampler = new ToySampler(ToySet.TwentyFiveGaussians, 10, device, new Generator(7));
        var first = sampler.Next();
        Assert.That(first.Shape, Is.EqualTo(Shape.Of(10, 2)));
        Assert.That(first.ToArray(), Is.EqualTo(ToyData.Sample(ToySet.TwentyFiveGaussians, 10, new Generator(7))));
        var before = device.MemoryStats;
        Assert.That(sampler.Next(), Is.SameAs(first), "the same tensor, refilled");
        Assert.That(device.MemoryStats.DeviceAllocations, Is.EqualTo(before.DeviceAllocations));
    }

    /// <summary>Two one-point samples: 2‖a − b‖ (no distinct pairs within); the same distribution
    /// twice: near zero; shifted by 0.5: clearly positive.</summary>
    [Test]
    public void EnergyDistanceIsZeroForOneDistributionAndGrowsWithAShift()
    {
        Assert.That(ToyMetrics.EnergyDistance([0f, 0f], [3f, 4f]), Is.EqualTo(10).Within(1e-12));
        var a = ToyData.Sample(ToySet.EightGaussians, 1500, new Generator(1));
        var b = ToyData.Sample(ToySet.EightGaussians, 1500, new Generator(2));
        double floor = ToyMetrics.EnergyDistance(a, b);
        Assert.That(Math.Abs(floor), Is.LessThan(0.01));
        var shifted = b.Select((v, i) => i % 2 == 0 ? v + 0.5f : v).ToArray();
        Assert.That(ToyMetrics.EnergyDistance(a, shifted), Is.GreaterThan(20 * Math.Max(Math.Abs(floor), 1e-3)));
    }

    /// <summary>All samples on one centre: one mode covered, all within 3σ; far away: none.</summary>
    [Test]
    public void ModeCoverageSeesACollapse()
    {
        var (x, y) = ToyData.Modes(ToySet.EightGaussians)[3];
        var collapsed = Enumerable.Range(0, 100).SelectMany(_ => new[] { x, y }).ToArray();
        Assert.That(ToyMetrics.ModeCoverage(collapsed, ToySet.EightGaussians), Is.EqualTo((1.0, 1)));
        var lost = Enumerable.Range(0, 100).SelectMany(_ => new[] { 0f, 0f }).ToArray();
        Assert.That(ToyMetrics.ModeCoverage(lost, ToySet.EightGaussians), Is.EqualTo((0.0, 0)));
    }
}
