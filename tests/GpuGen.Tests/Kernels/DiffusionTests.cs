using GpuGen;
using GpuGen.Diffusion;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// The noise schedules against the papers' formulas in double, and diffusion's fused kernels
/// (q(x_t | x₀) with its noise draw, DDPM's ancestral step, DDIM's step) on every device against
/// double-precision references that draw the same noise through Ops.Normal from the same state.
/// </summary>
public class DiffusionTests
{
    [Test]
    public void TheLinearScheduleIsHosAndAlphaBarItsCumulativeProduct()
    {
        using var s = NoiseSchedule.Linear(100, 1e-4, 0.05);
        Assert.That(s.Steps, Is.EqualTo(100));
        Assert.That(s.Beta[0], Is.EqualTo(1e-4).Within(1e-18));
        Assert.That(s.Beta[99], Is.EqualTo(0.05).Within(1e-16));
        Assert.That(s.Beta[50] - s.Beta[49], Is.EqualTo((0.05 - 1e-4) / 99).Within(1e-15));
        double product = 1;
        for (int t = 0; t < 100; t++)
        {
            product *= 1 - (1e-4 + (0.05 - 1e-4) * t / 99.0);
            Assert.That(s.AlphaBar[t], Is.EqualTo(product).Within(1e-14), $"ᾱ at {t}");
        }
        Assert.That(s.AlphaBar[99], Is.LessThan(0.1).And.GreaterThan(0.05), "the toy's schedule noises the data most of the way");
    }

    /// <summary>Nichol &amp; Dhariwal: ᾱ_t = f(t + 1)/f(0) wherever β stayed under its 0.999 cap.</summary>
    [Test]
    public void TheCosineScheduleFollowsItsAlphaBar()
    {
        using var s = NoiseSchedule.Cosine(50);
        double F(double t) => Math.Pow(Math.Cos((t / 50 + 0.008) / 1.008 * Math.PI / 2), 2);
        for (int t = 0; t < 49; t++)
            Assert.That(s.AlphaBar[t], Is.EqualTo(F(t + 1) / F(0)).Within(1e-12), $"ᾱ at {t}");
        Assert.That(s.Beta[49], Is.EqualTo(0.999).Within(1e-15), "the last β is capped (f(T) ≈ 0)");
        Assert.That(s.Beta.Zip(s.Beta.Skip(1)).All(p => p.Second > p.First), "β increases");
    }

    [Test]
    public void SohlDicksteinsScheduleIsTheReciprocalRamp()
    {
        using var s = NoiseSchedule.SohlDickstein(40, 1e-3);
        Assert.That(s.Beta[0], Is.EqualTo(1e-6 + (1 - 1e-6 - 1e-5) / 40 + 1e-3).Within(1e-15));
        Assert.That(s.Beta[39], Is.EqualTo(1e-6 + (1 - 1e-6 - 1e-5) / 2).Within(1e-15));
        Assert.That(s.AlphaBar[39], Is.LessThan(0.03), "about 1/T of the signal's power is left");
    }

    /// <summary>The posterior q(x_{t−1} | x_t, x₀): with x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε its mean is
    /// (x_t − β_t/√(1 − ᾱ_t)·ε)/√α_t (Ho et al. eq. 10, an identity), and β̃_t lies between 0 and β_t.</summary>
    [Test]
    public void ThePosteriorAgreesWithTheNoiseForm()
    {
        using var s = NoiseSchedule.Linear(30, 1e-3, 0.2);
        var rng = new Random(5);
        for (int t = 0; t < 30; t++)
        {
            double x0 = rng.NextDouble() * 4 - 2, eps = rng.NextDouble() * 4 - 2;
            double xt = Math.Sqrt(s.AlphaBar[t]) * x0 + Math.Sqrt(1 - s.AlphaBar[t]) * eps;
            var (w0, wt) = s.PosteriorMeanWeights(t);
            double noiseForm = (xt - s.Beta[t] / Math.Sqrt(1 - s.AlphaBar[t]) * eps) / Math.Sqrt(s.Alpha[t]);
            Assert.That(w0 * x0 + wt * xt, Is.EqualTo(noiseForm).Within(1e-12), $"μ̃ at {t}");
            Assert.That(s.PosteriorVariance(t), t == 0 ? Is.EqualTo(0) : Is.GreaterThan(0).And.LessThan(s.Beta[t]), $"β̃ at {t}");
        }
    }

    [Test]
    public void BadSchedulesAreClearErrors()
    {
        Assert.That(Assert.Throws<GpuGenException>(() => NoiseSchedule.Linear(1, 1e-4, 0.02))!.Message, Does.Contain("T ≥ 2"));
        Assert.That(Assert.Throws<GpuGenException>(() => NoiseSchedule.Linear(10, 1e-4, 1.5))!.Message, Does.Contain("β must be in (0, 1)"));
        Assert.That(Assert.Throws<GpuGenException>(() => NoiseSchedule.Linear(10, 0, 0.02))!.Message, Does.Contain("β at timestep 0 is 0"));
        Assert.That(Assert.Throws<GpuGenException>(() => new NoiseSchedule([0.5, 1e-300, 0.5]))!.Message, Does.Contain("ᾱ must decrease"));
    }

    private static Tensor Data(Device device, int seed, params int[] shape) =>
        Tensor.FromArray(TestSupport.RandomArray(shape.Aggregate(1, (p, d) => p * d), seed), new Shape(shape), device);

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void ForwardNoiseSamplesQOfXtGivenX0(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        using var s = NoiseSchedule.Linear(20, 1e-3, 0.3);
        var x0 = Data(device, 1, 37, 3);
        float[] t = Enumerable.Range(0, 37).Select(i => (float)(i * 7 % 20)).ToArray();
        var (xt, eps) = Ops.ForwardNoise(x0, Tensor.FromArray(t, Shape.Of(37), device), s, new Generator(3, 4));
        var expectedNoise = Ops.Normal(Shape.Of(37, 3), new Generator(3, 4), TestSupport.Cpu).ToArray();
        var (x, y, e) = (x0.ToArray(), xt.ToArray(), eps.ToArray());
        TestSupport.AssertSameBitsOrUlps(e, expectedNoise, device, $"ε on {deviceName}");
        for (int i = 0; i < x.Length; i++)
        {
            int step = (int)t[i / 3];
            double expected = Math.Sqrt(s.AlphaBar[step]) * x[i] + Math.Sqrt(1 - s.AlphaBar[step]) * expectedNoise[i];
            Assert.That(y[i], Is.EqualTo(expected).Within(1e-6 * (1 + Math.Abs(expected))), $"x_t[{i}] on {deviceName}");
        }
    }

    [Test]
    public void ForwardNoiseRefusesTimestepsOutsideTheSchedule()
    {
        using var scope = new TensorScope();
        using var s = NoiseSchedule.Linear(10, 1e-3, 0.3);
        var x0 = Data(TestSupport.Cpu, 1, 2, 3);
        var message = Assert.Throws<ShapeMismatchException>(() => Ops.ForwardNoise(x0, Tensor.FromArray([3f, 10f], Shape.Of(2), TestSupport.Cpu), s, new Generator(1)))!.Message;
        Assert.That(message, Does.StartWith("forwardNoise: index 1 is 10"));
        Assert.Throws<ShapeMismatchException>(() => Ops.ForwardNoise(x0, Tensor.FromArray([3f], Shape.Of(1), TestSupport.Cpu), s, new Generator(1)));
    }

    /// <summary>DDPM's Algorithm 2 line 4 in double, with z from Ops.Normal on the same state; and with
    /// clipping, the posterior mean of the clamped x̂₀.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void AncestralStepIsDdpmsAlgorithm2(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        using var s = NoiseSchedule.Linear(20, 1e-3, 0.3);
        var xt = Data(device, 5, 9, 4);
        var epsHat = Data(device, 6, 9, 4);
        var (x, e) = (xt.ToArray(), epsHat.ToArray());
        foreach (int t in new[] { 0, 1, 12, 19 })
            foreach (float clip in new[] { 0f, 1f })
                foreach (var variance in new[] { AncestralVariance.Posterior, AncestralVariance.Beta })
                {
                    var y = Ops.AncestralStep(xt, epsHat, s, t, new Generator(8, (ulong)t), variance, clip).ToArray();
                    var z = Ops.Normal(Shape.Of(9, 4), new Generator(8, (ulong)t), TestSupport.Cpu).ToArray();
                    double sigma = t == 0 ? 0 : Math.Sqrt(variance == AncestralVariance.Beta ? s.Beta[t] : s.PosteriorVariance(t));
                    for (int i = 0; i < x.Length; i++)
                    {
                        double mean;
                        if (clip == 0) mean = (x[i] - s.Beta[t] / Math.Sqrt(1 - s.AlphaBar[t]) * e[i]) / Math.Sqrt(s.Alpha[t]);
                        else
                        {
                            double x0 = Math.Clamp((x[i] - Math.Sqrt(1 - s.AlphaBar[t]) * e[i]) / Math.Sqrt(s.AlphaBar[t]), -clip, clip);
                            var (w0, wt) = s.PosteriorMeanWeights(t);
                            mean = w0 * x0 + wt * x[i];
                        }
                        double expected = mean + sigma * z[i];
                        Assert.That(y[i], Is.EqualTo(expected).Within(2e-5 * (1 + Math.Abs(expected))), $"t {t}, clip {clip}, {variance}, [{i}] on {deviceName}");
                    }
                }
    }

    /// <summary>DDIM's eq. 12 in double from x̂₀, for η 0 and 1, jumps of several steps and the last step to x₀.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void DdimStepIsEquation12(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        using var s = NoiseSchedule.Cosine(40);
        var xt = Data(device, 15, 6, 5);
        var epsHat = Data(device, 16, 6, 5);
        var (x, e) = (xt.ToArray(), epsHat.ToArray());
        foreach (var (t, previous) in new[] { (39, 29), (20, 19), (5, -1) })
            foreach (float eta in new[] { 0f, 1f })
                foreach (float clip in new[] { 0f, 1f })
                {
                    var y = Ops.DdimStep(xt, epsHat, s, t, previous, eta, new Generator(2, 7), clip).ToArray();
                    var z = Ops.Normal(Shape.Of(6, 5), new Generator(2, 7), TestSupport.Cpu).ToArray();
                    double ab = s.AlphaBar[t], before = previous < 0 ? 1 : s.AlphaBar[previous];
                    double sigma = eta * Math.Sqrt((1 - before) / (1 - ab) * (1 - ab / before));
                    for (int i = 0; i < x.Length; i++)
                    {
                        double x0 = (x[i] - Math.Sqrt(1 - ab) * e[i]) / Math.Sqrt(ab), noise = e[i];
                        if (clip > 0)
                        {
                            x0 = Math.Clamp(x0, -clip, clip);
                            noise = (x[i] - Math.Sqrt(ab) * x0) / Math.Sqrt(1 - ab);
                        }
                        double expected = Math.Sqrt(before) * x0 + Math.Sqrt(1 - before - sigma * sigma) * noise + sigma * z[i];
                        Assert.That(y[i], Is.EqualTo(expected).Within(5e-5 * (1 + Math.Abs(expected))), $"{t} → {previous}, η {eta}, clip {clip}, [{i}] on {deviceName}");
                    }
                }
    }

    /// <summary>η = 1 between consecutive timesteps draws DDPM's posterior noise: σ² = β̃_t.</summary>
    [Test]
    public void DdimWithEtaOneBetweenNeighboursIsTheAncestralPosterior()
    {
        using var scope = new TensorScope();
        using var s = NoiseSchedule.Linear(20, 1e-3, 0.3);
        var xt = Data(TestSupport.Cpu, 3, 4, 4);
        var epsHat = Data(TestSupport.Cpu, 4, 4, 4);
        var ddim = Ops.DdimStep(xt, epsHat, s, 9, 8, 1f, new Generator(5)).ToArray();
        var ddpm = Ops.AncestralStep(xt, epsHat, s, 9, new Generator(5)).ToArray();
        for (int i = 0; i < ddim.Length; i++) Assert.That(ddim[i], Is.EqualTo(ddpm[i]).Within(1e-5 * (1 + Math.Abs(ddpm[i]))), $"[{i}]");
    }

    [Test]
    public void ReverseStepsRefuseBadArguments()
    {
        using var scope = new TensorScope();
        using var s = NoiseSchedule.Linear(10, 1e-3, 0.3);
        var xt = Data(TestSupport.Cpu, 3, 4, 4);
        Assert.Throws<ArgumentException>(() => Ops.AncestralStep(xt, xt, s, 10, new Generator(1)));
        Assert.Throws<ArgumentException>(() => Ops.DdimStep(xt, xt, s, 5, 5, 0f, new Generator(1)));
        Assert.Throws<ArgumentException>(() => Ops.DdimStep(xt, xt, s, 5, 2, -1f, new Generator(1)));
        Assert.Throws<ShapeMismatchException>(() => Ops.AncestralStep(xt, Data(TestSupport.Cpu, 3, 4, 3), s, 5, new Generator(1)));
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void RandomIntegersCoverTheirRangeAlike(string deviceName)
    {
        using var scope = new TensorScope();
        var values = Ops.RandomIntegers(Shape.Of(2000), 7, new Generator(11), GpuGen.Devices.Get(deviceName)).ToArray();
        Assert.That(values.All(v => v >= 0 && v < 7 && v == MathF.Floor(v)), "whole numbers in [0, 7)");
        var counts = values.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());
        Assert.That(counts.Keys.Count, Is.EqualTo(7));
        Assert.That(counts.Values.Min(), Is.GreaterThan(2000 / 7 * 0.75), "roughly uniform");
        Assert.That(values, Is.EqualTo(Ops.RandomIntegers(Shape.Of(2000), 7, new Generator(11), TestSupport.Cpu).ToArray()), "the same on every device");
    }
}
