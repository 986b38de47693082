using GpuGen;

namespace GpuGen.Tests.Autograd;

/// <summary>
/// Gradient checks by central finite differences, through the same float32 ops.
///
/// The function under test is reduced to a scalar L = Σ w ⊙ f(inputs) with fixed random
/// weights w (so every output element's gradient counts), and ∂L/∂xᵢ is compared with
/// (L(xᵢ + h) − L(xᵢ − h)) / 2h. With h = 10⁻², a float32 L of size |L| carries rounding
/// ≈ 10⁻⁷·Σ|terms|, which the difference divides by 2h (→ ≈ 5·10⁻⁶·Σ|terms|), and the central
/// difference's truncation error is h²/6·|L'''| ≈ 2·10⁻⁵·|L'''|. The tolerance,
/// 2·10⁻²·|numeric| + 2·10⁻³·(largest |numeric| + 1), sits two orders of magnitude above both
/// for the O(1) inputs used here, and far below the error of any wrong rule (a missing factor,
/// a sign, a broadcast left unsummed). Inputs are kept 2h away from kinks (relu, abs, max).
///
/// Second order: <see cref="PenaltyGradient"/> checks ∂P/∂θ for the gradient penalty
/// P(θ) = (‖∇ₓ f(x; θ)‖₂ − 1)², whose analytic value needs the backward of a backward
/// (createGraph), against central differences of P itself.
/// </summary>
public static class GradCheck
{
    private const float H = 1e-2f;

    public sealed record Input(float[] Values, int[] Shape);

    /// <summary>Inputs of the given shapes with values uniform in [lo, hi) (never zero unless the range holds it).</summary>
    public static Input[] Random(int seed, float lo, float hi, params int[][] shapes)
    {
        var rng = new Random(seed);
        return shapes.Select(s => new Input(Enumerable.Range(0, s.Aggregate(1, (p, d) => p * d))
            .Select(_ => lo + (float)rng.NextDouble() * (hi - lo)).ToArray(), s)).ToArray();
    }

    /// <summary>Checks ∂L/∂input for every input of <paramref name="f"/>.</summary>
    public static void FirstOrder(string name, Func<Tensor[], Tensor> f, Device device, params Input[] inputs)
    {
        using var scope = new TensorScope();
        var weights = OutputWeights(f, device, inputs);
        var leaves = inputs.Select(i => Leaf(i, device)).ToArray();
        var loss = Ops.Sum(Ops.Mul(f(leaves), weights));
        var analytic = GpuGen.Autograd.Grad([loss], leaves).Select(g => g.ToArray()).ToArray();

        for (int k = 0; k < inputs.Length; k++)
        {
            var numeric = new double[inputs[k].Values.Length];
            for (int i = 0; i < numeric.Length; i++)
                numeric[i] = Difference(inputs, k, i, values => Evaluate(f, device, values, weights));
            Compare($"{name}: ∂L/∂input {k}", analytic[k], numeric);
        }
    }

    /// <summary>
    /// Checks ∂P/∂θ for P(θ) = (‖∇ₓ f(x; θ)‖₂ − 1)², f reduced to a scalar by fixed weights:
    /// the analytic value differentiates through the backward pass (createGraph).
    /// <paramref name="f"/> takes x then the θs.
    /// </summary>
    public static void PenaltyGradient(string name, Func<Tensor[], Tensor> f, Device device, Input x, params Input[] thetas)
    {
        using var scope = new TensorScope();
        Input[] all = [x, .. thetas];
        var weights = OutputWeights(f, device, all);
        var leaves = all.Select(i => Leaf(i, device)).ToArray();
        var penalty = Penalty(f, leaves, weights, createGraph: true);
        var analytic = GpuGen.Autograd.Grad([penalty], leaves[1..], allowUnused: true).Select(g => g.ToArray()).ToArray(); // a θ like a last bias need not reach ∇ₓf

        for (int k = 1; k < all.Length; k++)
        {
            var numeric = new double[all[k].Values.Length];
            for (int i = 0; i < numeric.Length; i++)
                numeric[i] = Difference(all, k, i, values =>
                {
                    using var s = new TensorScope();
                    var ls = values.Select(v => Leaf(v, device)).ToArray();
                    return Penalty(f, ls, weights, createGraph: false).Item();
                });
            Compare($"{name}: ∂P/∂θ {k - 1}", analytic[k - 1], numeric);
        }
    }

    private static Tensor Penalty(Func<Tensor[], Tensor> f, Tensor[] leaves, Tensor weights, bool createGraph)
    {
        var critic = Ops.Sum(Ops.Mul(f(leaves), weights));
        var gx = GpuGen.Autograd.Grad([critic], [leaves[0]], createGraph: createGraph)[0];
        return Ops.Square(Ops.Sub(Ops.Norm(gx), 1f));
    }

    private static Tensor Leaf(Input input, Device device)
    {
        var t = Tensor.FromArray(input.Values, new Shape(input.Shape), device);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Fixed random weights of f's output shape, in [0.5, 1.5) with random signs.</summary>
    private static Tensor OutputWeights(Func<Tensor[], Tensor> f, Device device, Input[] inputs)
    {
        Shape shape;
        using (GpuGen.Autograd.NoGrad())
        using (var s = new TensorScope())
            shape = f(inputs.Select(i => Tensor.FromArray(i.Values, new Shape(i.Shape), device)).ToArray()).Shape;
        var rng = new Random(shape.ElementCount + 17);
        var w = Enumerable.Range(0, shape.ElementCount).Select(_ => (float)((rng.NextDouble() + 0.5) * (rng.Next(2) * 2 - 1))).ToArray();
        return Tensor.FromArray(w, shape, device);
    }

    private static double Evaluate(Func<Tensor[], Tensor> f, Device device, Input[] values, Tensor weights)
    {
        using var s = new TensorScope();
        using var _ = GpuGen.Autograd.NoGrad();
        return Ops.Sum(Ops.Mul(f(values.Select(v => Tensor.FromArray(v.Values, new Shape(v.Shape), device)).ToArray()), weights)).Item();
    }

    private static double Difference(Input[] inputs, int k, int i, Func<Input[], double> evaluate)
    {
        Input[] With(float delta)
        {
            var copy = inputs.Select(inp => inp with { Values = (float[])inp.Values.Clone() }).ToArray();
            copy[k].Values[i] += delta;
            return copy;
        }
        return (evaluate(With(H)) - evaluate(With(-H))) / (2 * H);
    }

    private static void Compare(string what, float[] analytic, double[] numeric)
    {
        double scale = numeric.Select(Math.Abs).DefaultIfEmpty(0).Max() + 1;
        for (int i = 0; i < numeric.Length; i++)
        {
            double tolerance = 2e-2 * Math.Abs(numeric[i]) + 2e-3 * scale;
            if (!(Math.Abs(analytic[i] - numeric[i]) <= tolerance))
                Assert.Fail($"{what}, element {i}: analytic {analytic[i]:G6}, numeric {numeric[i]:G6} (tolerance {tolerance:G3})");
        }
    }
}
