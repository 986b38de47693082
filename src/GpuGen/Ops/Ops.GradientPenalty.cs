namespace GpuGen;

// The WGAN-GP gradient penalty (Gulrajani et al. 2017, Algorithm 1), on the fused kernels of
// GpuGen.Kernels.Penalty: the mix x̂ with its per-example draw in one kernel, the per-example norms
// and λ·mean(‖·‖ − 1)² in one pass, and its backward in one. The critic's gradient between them
// comes from the tape (createGraph), so the penalty's gradient reaches the critic's parameters
// through the gradient of a gradient.
public static partial class Ops
{
    /// <summary>
    /// λ·mean_i (‖∇ₓ̂ D(x̂_i)‖₂ − 1)² at x̂_i = a_i·real_i + (1 − a_i)·fake_i, a_i ~ U(0, 1) per
    /// example from <paramref name="noise"/>: the penalty that keeps a critic 1-Lipschitz along
    /// the lines between real and generated points. ∇ₓ̂D is taken with createGraph, so the
    /// penalty's own gradient reaches the critic's parameters through the gradient of a gradient
    /// (every op the critic uses needs a differentiable backward rule). real and fake are data,
    /// not differentiated: fake should be the generator's output detached.
    /// </summary>
    public static Tensor GradientPenalty(Func<Tensor, Tensor> critic, Tensor real, Tensor fake, Generator noise, float lambda)
    {
        var mixed = PenaltyMix(real, fake, noise);
        mixed.RequiresGrad = true;
        var scores = critic(mixed);
        var gradient = Autograd.Grad([Sum(scores)], [mixed], createGraph: true)[0]; // row i is ∇D(x̂_i): rows do not mix
        int batch = real.Shape[0];
        return GradientPenaltyTerm(gradient.Reshape(batch, gradient.Length / Math.Max(batch, 1)), lambda);
    }

    /// <summary>x̂ = fake + a_i·(real − fake), one a_i ~ U[0, 1) per example (the first axis) from
    /// <paramref name="noise"/>: the value Ops.Uniform([B, 1, …]) would draw from the same state.
    /// One fused kernel; not recorded (real and fake are data).</summary>
    public static Tensor PenaltyMix(Tensor real, Tensor fake, Generator noise)
    {
        const string op = "penaltyMix";
        Check.SameShape(op, "real", real, "fake", fake);
        if (real.Rank < 1 || real.Shape[0] == 0) throw new ShapeMismatchException($"{op}: real has shape {real.Shape}; needs a batch axis with examples");
        var (seed, offset) = noise.Next();
        var mixed = Tensor.Empty(real.Shape, real.Device);
        real.Device.Backend.Penalty.Mix(real, fake, mixed, real.Length / real.Shape[0], seed, offset);
        return mixed;
    }

    /// <summary>
    /// λ·mean_i (‖g_i‖₂ − 1)² over the rows of <paramref name="gradient"/> [B, D]: the penalty of a
    /// critic's input gradients, one fused pass (norms accumulated in double). Backward:
    /// ∂/∂g_i = u·(2λ/B)·(‖g_i‖ − 1)/‖g_i‖·g_i (0 where ‖g_i‖ = 0), by a fused kernel; with createGraph
    /// the same formula from recorded ops, so that it too can be differentiated.
    /// </summary>
    public static Tensor GradientPenaltyTerm(Tensor gradient, float lambda)
    {
        const string op = "gradientPenalty";
        Check.Alive(op, "gradient", gradient);
        if (gradient.Rank != 2 || gradient.Shape[0] == 0)
            throw new ShapeMismatchException($"{op}: the gradient has shape {gradient.Shape}; expected [examples, values] with at least one example");
        if (!(lambda > 0) || !float.IsFinite(lambda))
            throw new ArgumentException($"{op}: λ must be positive, got {lambda}");
        int rows = gradient.Shape[0], rowLength = gradient.Shape[1];
        var norms = Tensor.Empty(Shape.Of(rows), gradient.Device);
        var penalty = Tensor.Empty(Shape.Of(), gradient.Device);
        gradient.Device.Backend.Penalty.Rows(gradient, norms, penalty, rows, rowLength, lambda);
        float scale = 2f * lambda / rows;
        return Autograd.Record(op, penalty, [gradient], (u, _) =>
        {
            if (GradMode.Enabled) // createGraph: recorded ops, differentiable again
            {
                var n = Norm(gradient, 1, keepDim: true);
                return [Mul(Mul(gradient, Mul(Div(Sub(n, 1f), Maximum(n, 1e-30f)), scale)), u)];
            }
            var result = Tensor.Empty(gradient.Shape, gradient.Device);
            gradient.Device.Backend.Penalty.Backward(gradient, norms, u, result, rowLength, scale);
            return [result];
        });
    }
}
