using GpuGen;

namespace GpuGen.Tests.Autograd;

/// <summary>
/// The WGAN-GP gradient penalty through the tape, against a hand computation in double
/// precision. The critic is D(x) = w₂·σ(W₁x + b₁) + b₂ on a batch of rows xᵢ, so
/// ∇ₓD(xᵢ) = W₁ᵀ (w₂ᵀ ⊙ σ'(W₁xᵢ + b₁)) and P = mean_i (‖∇ₓD(xᵢ)‖₂ − 1)². The tape computes ∇ₓD
/// with createGraph, then P.Backward() into the critic's parameters' .Grad: the path a
/// WGAN-GP critic step takes. ∂P/∂θ is compared with central differences of the double P.
/// </summary>
public class GradientPenaltyTests
{
    private const int Batch = 3, In = 4, Hidden = 5;

    private sealed record Critic(double[] W1, double[] B1, double[] W2, double B2);

    private static double Activation(string kind, double z) => kind == "tanh" ? Math.Tanh(z) : z > 0 ? z : 0.2 * z;
    private static double Slope(string kind, double z) => kind == "tanh" ? 1 - Math.Tanh(z) * Math.Tanh(z) : z > 0 ? 1 : 0.2;

    /// <summary>∇ₓD(xᵢ) for each row, by the chain rule written out.</summary>
    private static double[] InputGradients(string kind, Critic c, double[] x)
    {
        var g = new double[Batch * In];
        for (int i = 0; i < Batch; i++)
            for (int h = 0; h < Hidden; h++)
            {
                double z = c.B1[h];
                for (int d = 0; d < In; d++) z += c.W1[h * In + d] * x[i * In + d];
                double back = c.W2[h] * Slope(kind, z);
                for (int d = 0; d < In; d++) g[i * In + d] += c.W1[h * In + d] * back;
            }
        return g;
    }

    private static double Penalty(string kind, Critic c, double[] x)
    {
        var g = InputGradients(kind, c, x);
        double p = 0;
        for (int i = 0; i < Batch; i++)
        {
            double norm = Math.Sqrt(Enumerable.Range(0, In).Sum(d => g[i * In + d] * g[i * In + d]));
            p += (norm - 1) * (norm - 1);
        }
        return p / Batch;
    }

    private static double[] Values(int n, int seed, double scale) =>
        TestSupport.RandomArray(n, seed).Select(v => (double)(float)(v * scale)).ToArray();

    private static Critic RandomCritic(int seed) =>
        new(Values(Hidden * In, seed, 0.6), Values(Hidden, seed + 1, 0.5), Values(Hidden, seed + 2, 0.6), 0.3);

    private static Tensor Leaf(double[] values, Shape shape, Device device)
    {
        var t = Tensor.FromArray(values.Select(v => (float)v).ToArray(), shape, device);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>(P, ∇ₓD, and the leaves w₁, b₁, w₂, b₂ with P's gradient in their .Grad.)</summary>
    private static (float Penalty, float[] InputGradient, Tensor[] Parameters) ThroughTheTape(string kind, Critic c, double[] x, Device device)
    {
        var w1 = Leaf(c.W1, Shape.Of(Hidden, In), device);
        var b1 = Leaf(c.B1, Shape.Of(Hidden), device);
        var w2 = Leaf(c.W2, Shape.Of(1, Hidden), device);
        var b2 = Leaf([c.B2], Shape.Of(1), device);
        var xs = Leaf(x, Shape.Of(Batch, In), device);
        var z = Ops.Linear(xs, w1, b1);
        var hidden = kind == "tanh" ? Ops.Tanh(z) : Ops.LeakyRelu(z, 0.2f);
        var critic = Ops.Linear(hidden, w2, b2);                        // [B, 1]
        var gx = GpuGen.Autograd.Grad([Ops.Sum(critic)], [xs], createGraph: true)[0]; // row i is ∇ₓD(xᵢ): the rows do not mix
        var penalty = Ops.Mean(Ops.Square(Ops.Sub(Ops.Norm(gx, 1), 1f)));
        penalty.Backward();
        return (penalty.Item(), gx.ToArray(), [w1, b1, w2, b2]);
    }

    [TestCase("leakyRelu", "cpu")]
    [TestCase("tanh", "cpu")]
    [TestCase("leakyRelu", "ilgpu-cpu")]
    public void PenaltyAndInputGradientMatchTheHandComputation(string kind, string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var c = RandomCritic(40);
        var x = Values(Batch * In, 43, 1);
        var (penalty, gx, _) = ThroughTheTape(kind, c, x, device);
        var expected = InputGradients(kind, c, x);
        for (int k = 0; k < expected.Length; k++)
            Assert.That(gx[k], Is.EqualTo(expected[k]).Within(1e-5 + 1e-5 * Math.Abs(expected[k])), $"∇ₓD element {k}");
        double p = Penalty(kind, c, x);
        Assert.That(p, Is.GreaterThan(1e-2), "a penalty far from zero, so its gradient is a real test");
        Assert.That(penalty, Is.EqualTo(p).Within(1e-5 * (1 + p)));
    }

    /// <summary>∂P/∂θ in every critic parameter from P.Backward() against central differences
    /// (h = 10⁻⁵) of the double-precision P. With leaky ReLU σ' is piecewise constant, so ∂P/∂b₁
    /// is zero and ∂P/∂W₁ comes from ∇ₓD's linearity in W₁; tanh makes every term nonzero and
    /// needs tanh's second derivative. b₂ never reaches ∇ₓD: its gradient is zero or absent.</summary>
    [TestCase("leakyRelu")]
    [TestCase("tanh")]
    public void PenaltyBackpropagatesIntoTheCriticAsFiniteDifferencesSay(string kind)
    {
        var device = TestSupport.Cpu;
        using var scope = new TensorScope();
        var c = RandomCritic(50);
        var x = Values(Batch * In, 53, 1);
        var (_, _, parameters) = ThroughTheTape(kind, c, x, device);
        double[][] theta = [c.W1, c.B1, c.W2];
        string[] names = ["W₁", "b₁", "w₂"];
        const double h = 1e-5;
        for (int k = 0; k < theta.Length; k++)
        {
            var analytic = parameters[k].Grad?.ToArray() ?? new float[theta[k].Length]; // leaky ReLU's σ' is constant in b₁: b₁ is not on ∇ₓD's graph
            double largest = 0;
            for (int i = 0; i < theta[k].Length; i++)
            {
                double saved = theta[k][i];
                theta[k][i] = saved + h;
                double up = Penalty(kind, c, x);
                theta[k][i] = saved - h;
                double down = Penalty(kind, c, x);
                theta[k][i] = saved;
                double numeric = (up - down) / (2 * h);
                largest = Math.Max(largest, Math.Abs(numeric));
                Assert.That(analytic[i], Is.EqualTo(numeric).Within(1e-4 + 1e-3 * Math.Abs(numeric)), $"∂P/∂{names[k]}[{i}] ({kind})");
            }
            if (kind == "tanh" || k != 1) Assert.That(largest, Is.GreaterThan(1e-2), $"∂P/∂{names[k]} is not trivially zero");
        }
        if (parameters[3].Grad is { } gb2) Assert.That(gb2.ToArray(), Is.All.EqualTo(0f), "b₂ does not reach ∇ₓD");
    }

    /// <summary>
    /// <see cref="Ops.GradientPenalty"/>, the op a WGAN-GP critic step calls: its x̂ = x̃ + a(x − x̃)
    /// takes a from the Philox stream (replayed here with Ops.Uniform on the same state), its value
    /// is λ times the hand computation's penalty at x̂, and its gradient in every critic parameter
    /// matches central differences of that double-precision penalty, on every device.
    /// </summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void TheGradientPenaltyOpMatchesTheHandComputation(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        const float lambda = 10f;
        var c = RandomCritic(60);
        var real = Values(Batch * In, 61, 1);
        var fake = Values(Batch * In, 62, 1);
        var a = Ops.Uniform(Shape.Of(Batch, 1), new Generator(9, 4), TestSupport.Cpu).ToArray();
        var mixed = new double[Batch * In];
        for (int i = 0; i < Batch; i++)
            for (int d = 0; d < In; d++)
            {
                int k = i * In + d;
                mixed[k] = (float)fake[k] + a[i] * ((float)real[k] - (float)fake[k]);
            }
        var w1 = Leaf(c.W1, Shape.Of(Hidden, In), device);
        var b1 = Leaf(c.B1, Shape.Of(Hidden), device);
        var w2 = Leaf(c.W2, Shape.Of(1, Hidden), device);
        var b2 = Leaf([c.B2], Shape.Of(1), device);
        Tensor Critic(Tensor x) => Ops.Linear(Ops.Tanh(Ops.Linear(x, w1, b1)), w2, b2);
        var penalty = Ops.GradientPenalty(Critic,
            Tensor.FromArray(real.Select(v => (float)v).ToArray(), Shape.Of(Batch, In), device),
            Tensor.FromArray(fake.Select(v => (float)v).ToArray(), Shape.Of(Batch, In), device), new Generator(9, 4), lambda);
        double expected = lambda * Penalty("tanh", c, mixed);
        Assert.That(expected, Is.GreaterThan(0.1), "a penalty far from zero");
        Assert.That(penalty.Item(), Is.EqualTo(expected).Within(1e-4 * expected));

        penalty.Backward();
        double[][] theta = [c.W1, c.B1, c.W2];
        Tensor[] leaves = [w1, b1, w2];
        const double h = 1e-5;
        for (int k = 0; k < theta.Length; k++)
        {
            var analytic = leaves[k].Grad!.ToArray();
            for (int i = 0; i < theta[k].Length; i++)
            {
                double saved = theta[k][i];
                theta[k][i] = saved + h;
                double up = lambda * Penalty("tanh", c, mixed);
                theta[k][i] = saved - h;
                double down = lambda * Penalty("tanh", c, mixed);
                theta[k][i] = saved;
                double numeric = (up - down) / (2 * h);
                Assert.That(analytic[i], Is.EqualTo(numeric).Within(1e-3 + 1e-3 * Math.Abs(numeric)), $"∂P/∂θ{k}[{i}] on {deviceName}");
            }
        }
    }

    [Test]
    public void TheGradientPenaltyOpRefusesMismatchedBatchesAndANonPositiveLambda()
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(TestSupport.RandomArray(8, 1), Shape.Of(4, 2), TestSupport.Cpu);
        var y = Tensor.FromArray(TestSupport.RandomArray(6, 2), Shape.Of(3, 2), TestSupport.Cpu);
        Assert.Throws<ShapeMismatchException>(() => Ops.GradientPenalty(t => t, x, y, new Generator(1), 1f));
        Assert.Throws<ArgumentException>(() => Ops.GradientPenalty(t => t, x, x, new Generator(1), 0f));
    }
}
