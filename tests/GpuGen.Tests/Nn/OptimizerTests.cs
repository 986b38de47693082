using GpuGen;
using GpuGen.Optim;

namespace GpuGen.Tests.Nn;

/// <summary>
/// The fused optimizer kernels on cpu and ilgpu-cpu against a double-precision reference of
/// the same update rules over several steps, plus clipping and schedules.
/// </summary>
public class OptimizerTests
{
    private const int N = 37; // a vector body and a scalar tail on the host

    private static (Tensor P, float[] Initial) Parameter(Device d, int seed)
    {
        var values = TestSupport.RandomArray(N, seed);
        var p = Tensor.FromArray(values, d);
        p.RequiresGrad = true;
        return (p, values);
    }

    private static float[][] Gradients(int steps) => Enumerable.Range(0, steps).Select(s => TestSupport.RandomArray(N, 100 + s)).ToArray();

    private static void SetGrad(Tensor p, float[] g) => p.SetGrad(Tensor.FromArray(g, p.Device));

    public static IEnumerable<TestCaseData> AdamCases()
    {
        foreach (var d in TestSupport.DeviceNames)
        {
            yield return new TestCaseData(d, 0f, false).SetArgDisplayNames(d, "adam");
            yield return new TestCaseData(d, 0.1f, false).SetArgDisplayNames(d, "adam + L2");
            yield return new TestCaseData(d, 0.1f, true).SetArgDisplayNames(d, "adamW");
        }
    }

    [TestCaseSource(nameof(AdamCases))]
    public void AdamMatchesTheReference(string device, float weightDecay, bool decoupled)
    {
        var (p, initial) = Parameter(GpuGen.Devices.Get(device), 1);
        using var adam = new Adam([("w", p)], 0.01f, 0.9f, 0.99f, 1e-8f, weightDecay, decoupled);
        var grads = Gradients(4);
        double[] rp = initial.Select(v => (double)v).ToArray(), m = new double[N], v = new double[N];
        for (int t = 1; t <= grads.Length; t++)
        {
            SetGrad(p, grads[t - 1]);
            adam.Step();
            p.ClearGrad();
            for (int i = 0; i < N; i++)
            {
                double g = grads[t - 1][i];
                if (decoupled) rp[i] *= 1 - 0.01 * weightDecay; else g += weightDecay * rp[i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.99 * v[i] + 0.01 * g * g;
                rp[i] -= 0.01 * (m[i] / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(0.99, t))) + 1e-8);
            }
        }
        var got = p.ToArray();
        for (int i = 0; i < N; i++) Assert.That(got[i], Is.EqualTo(rp[i]).Within(2e-6 * (1 + Math.Abs(rp[i]))), $"element {i}");
        Assert.That(adam.StepCount, Is.EqualTo(4));
        Assert.That(adam.NamedState().Select(s => s.Name), Is.EqualTo(new[] { "exp_avg.w", "exp_avg_sq.w" }));
        p.Dispose();
    }

    public static IEnumerable<TestCaseData> SgdCases()
    {
        foreach (var d in TestSupport.DeviceNames)
        {
            yield return new TestCaseData(d, 0f, false, 0f).SetArgDisplayNames(d, "plain");
            yield return new TestCaseData(d, 0.9f, false, 0.01f).SetArgDisplayNames(d, "momentum + decay");
            yield return new TestCaseData(d, 0.9f, true, 0f).SetArgDisplayNames(d, "nesterov");
        }
    }

    [TestCaseSource(nameof(SgdCases))]
    public void SgdMatchesTheReference(string device, float momentum, bool nesterov, float weightDecay)
    {
        var (p, initial) = Parameter(GpuGen.Devices.Get(device), 2);
        using var sgd = new Sgd([("w", p)], 0.1f, momentum, nesterov, weightDecay);
        var grads = Gradients(3);
        double[] rp = initial.Select(v => (double)v).ToArray(), buf = new double[N];
        for (int t = 0; t < grads.Length; t++)
        {
            SetGrad(p, grads[t]);
            sgd.Step();
            p.ClearGrad();
            for (int i = 0; i < N; i++)
            {
                double g = grads[t][i] + weightDecay * rp[i], step = g;
                if (momentum != 0)
                {
                    buf[i] = t == 0 ? g : momentum * buf[i] + g;
                    step = nesterov ? g + momentum * buf[i] : buf[i];
                }
                rp[i] -= 0.1 * step;
            }
        }
        var got = p.ToArray();
        for (int i = 0; i < N; i++) Assert.That(got[i], Is.EqualTo(rp[i]).Within(1e-6 * (1 + Math.Abs(rp[i]))), $"element {i}");
        p.Dispose();
    }

    [Test]
    public void ParametersWithoutGradientsAreLeftAlone()
    {
        var (p, initial) = Parameter(TestSupport.Cpu, 3);
        using var adam = new Adam([("w", p)]);
        adam.Step();
        Assert.That(p.ToArray(), Is.EqualTo(initial));
        p.Dispose();
    }

    [Test]
    public void ZeroGradKeepsTheBuffers()
    {
        var (p, _) = Parameter(TestSupport.Cpu, 4);
        using var sgd = new Sgd([("w", p)], 0.1f);
        SetGrad(p, TestSupport.RandomArray(N, 5));
        var buffer = p.Grad;
        sgd.ZeroGrad();
        Assert.That(p.Grad, Is.SameAs(buffer));
        Assert.That(p.Grad!.ToArray(), Is.All.EqualTo(0f));
        p.ClearGrad();
        p.Dispose();
    }

    [Test]
    public void ClippingByGlobalNorm()
    {
        var cpu = TestSupport.Cpu;
        var a = Tensor.Zeros(Shape.Of(2), cpu);
        var b = Tensor.Zeros(Shape.Of(1), cpu);
        a.RequiresGrad = b.RequiresGrad = true;
        a.SetGrad(Tensor.FromArray([3f, 0f], cpu));
        b.SetGrad(Tensor.FromArray([4f], cpu));
        float total = GradientClipping.ClipByGlobalNorm([a, b], 1f); // ‖(3, 0, 4)‖ = 5
        Assert.That(total, Is.EqualTo(5f).Within(1e-6));
        Assert.That(a.Grad!.ToArray()[0], Is.EqualTo(0.6f).Within(1e-6));
        Assert.That(b.Grad!.Item(), Is.EqualTo(0.8f).Within(1e-6));
        Assert.That(GradientClipping.ClipByGlobalNorm([a, b], 10f), Is.EqualTo(1f).Within(1e-5), "below the limit: untouched");
        Assert.That(b.Grad!.Item(), Is.EqualTo(0.8f).Within(1e-6));
        foreach (var t in new[] { a, b }) { t.ClearGrad(); t.Dispose(); }
    }

    [Test]
    public void Schedules()
    {
        Assert.That(new ConstantSchedule(0.1f).At(1000), Is.EqualTo(0.1f));
        var warm = new LinearWarmupSchedule(1f, 4);
        Assert.That(Enumerable.Range(0, 6).Select(warm.At), Is.EqualTo(new[] { 0.25f, 0.5f, 0.75f, 1f, 1f, 1f }));
        var cos = new CosineSchedule(1f, 10, 0.1f, WarmupSteps: 2);
        Assert.That(cos.At(0), Is.EqualTo(0.5f));
        Assert.That(cos.At(2), Is.EqualTo(1f).Within(1e-6));
        Assert.That(cos.At(6), Is.EqualTo(0.55f).Within(1e-6)); // halfway: (1 + 0.1)/2
        Assert.That(cos.At(10), Is.EqualTo(0.1f).Within(1e-6));
        Assert.That(cos.At(50), Is.EqualTo(0.1f).Within(1e-6));
    }

    [Test]
    public void BadSettingsAreClearErrors()
    {
        var (p, _) = Parameter(TestSupport.Cpu, 6);
        Assert.That(Assert.Throws<ArgumentException>(() => new Adam([("w", p)], beta1: 1f))!.Message, Does.StartWith("adam: betas"));
        Assert.That(Assert.Throws<ArgumentException>(() => new Sgd([("w", p)], 0.1f, nesterov: true))!.Message, Does.Contain("Nesterov"));
        Assert.That(Assert.Throws<ArgumentException>(() => new Sgd([("w", p)], float.NaN))!.Message, Does.Contain("learning rate"));
        var data = Tensor.Ones(Shape.Of(2), TestSupport.Cpu);
        Assert.That(Assert.Throws<ArgumentException>(() => new Sgd([("x", data)], 0.1f))!.Message, Does.Contain("not a leaf that requires grad"));
        p.Dispose();
        data.Dispose();
    }

    /// <summary>The parameter average: a copy at the first update, then a ← d·a + (1 − d)·θ with
    /// d = min(decay, (1 + n)/(10 + n)), replayed in double while the parameter moves; the parameter itself
    /// never changes under it; UseAverages puts a into θ and gives θ back bit for bit.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void TheParameterAverageFollowsItsRecurrenceAndSwapsBackExactly(string device)
    {
        var (p, initial) = Parameter(GpuGen.Devices.Get(device), 2);
        using var average = new ParameterAverage([("w", p)], 0.8f);
        var moves = Gradients(6);
        double[] a = new double[N];
        float[] current = initial;
        for (int n = 0; n < moves.Length; n++)
        {
            current = current.Zip(moves[n], (x, g) => x - 0.3f * g).ToArray(); // "training" moves the parameter
            using (GpuGen.Autograd.NoGrad()) Ops.Copy(Tensor.FromArray(current, p.Device), p);
            SetGrad(p, moves[n]);
            average.Step();
            p.ClearGrad();
            Assert.That(p.ToArray(), Is.EqualTo(current), "the average never moves the parameter");
            double d = Math.Min(0.8, (1.0 + n) / (10.0 + n));
            for (int i = 0; i < N; i++) a[i] = n == 0 ? current[i] : d * a[i] + (1 - d) * current[i];
        }
        var stored = average.NamedState().Single();
        Assert.That(stored.Name, Is.EqualTo("average.w"));
        var got = stored.State.ToArray();
        for (int i = 0; i < N; i++) Assert.That(got[i], Is.EqualTo(a[i]).Within(1e-6 * (1 + Math.Abs(a[i]))), $"element {i}");
        using (average.UseAverages())
        {
            Assert.That(p.ToArray(), Is.EqualTo(got));
            Assert.Throws<InvalidOperationException>(() => average.UseAverages());
        }
        Assert.That(p.ToArray(), Is.EqualTo(current), "the trained values are back");
        Assert.Throws<ArgumentException>(() => new ParameterAverage([("w", p)], 1f));
    }
}
