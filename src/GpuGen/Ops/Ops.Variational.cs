namespace GpuGen;

// Fused ops of the variational models (the kernels in kernels/GpuGen.Kernels/Reparameterize).
public static partial class Ops
{
    /// <summary>
    /// The reparameterization trick: z = μ + exp(½·logσ²)·ε with ε ~ N(0, I) drawn from
    /// <paramref name="generator"/>, so that z is a differentiable function of μ and logσ².
    /// dμ = g, dlogσ² = ½·g·σ·ε = ½·g·(z − μ).
    /// </summary>
    public static Tensor Reparameterize(Tensor mu, Tensor logVar, Generator generator)
    {
        Check.Alive("reparameterize", "mu", mu);
        var eps = Normal(mu.Shape, generator, mu.Device);
        return Reparameterize(mu, logVar, eps);
    }

    /// <summary>z = μ + exp(½·logσ²)·ε with a given ε (shapes equal; ε carries no gradient).</summary>
    public static Tensor Reparameterize(Tensor mu, Tensor logVar, Tensor eps)
    {
        const string op = "reparameterize";
        Check.Elementwise(op, "mu", mu, "logVar", logVar);
        Check.Elementwise(op, "mu", mu, "eps", eps);
        var z = Tensor.Empty(mu.Shape, mu.Device);
        mu.Device.Backend.Reparameterize.Gaussian(mu, logVar, eps, z);
        return Autograd.Record(op, z, [mu, logVar], (g, needs) =>
            [needs[0] ? g : null, needs[1] ? Mul(Mul(g, Sub(z, mu)), 0.5f) : null]);
    }
}
