namespace GpuGen;

// The WGAN-GP gradient penalty (Gulrajani et al. 2017, Algorithm 1).
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
        Check.SameShape("gradientPenalty", "real", real, "fake", fake);
        if (!(lambda > 0) || !float.IsFinite(lambda))
            throw new ArgumentException($"gradientPenalty: λ must be positive, got {lambda}");
        int batch = real.Shape[0];
        var perExample = Enumerable.Repeat(1, real.Rank).ToArray();
        perExample[0] = batch;
        Tensor mixed;
        using (Autograd.NoGrad())
        {
            var a = Uniform(new Shape(perExample), noise, real.Device);
            mixed = Add(fake, Mul(a, Sub(real, fake))); // a·real + (1 − a)·fake
        }
        mixed.RequiresGrad = true;
        var scores = critic(mixed);
        var gradient = Autograd.Grad([Sum(scores)], [mixed], createGraph: true)[0]; // row i is ∇D(x̂_i): rows do not mix
        var norms = Norm(gradient.Reshape(batch, gradient.Length / Math.Max(batch, 1)), 1);
        return Mul(Mean(Square(Sub(norms, 1f))), lambda);
    }
}
