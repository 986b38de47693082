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

    /// <summary>
    /// A Gumbel-softmax sample over the last axis (Jang et al. 2017): y = softmax((logits + g)/τ),
    /// g ~ Gumbel(0, 1), one fused kernel. dlogits = (1/τ)·y·(g − Σ g·y) (softmax's rule, scaled).
    /// With <paramref name="hard"/>, the straight-through estimator: the forward value is the
    /// one-hot of argmax y, the gradient that of y (one-hot − stop_gradient(y) + y).
    /// </summary>
    public static Tensor GumbelSoftmax(Tensor logits, float temperature, Generator generator, bool hard = false)
    {
        const string op = "gumbelSoftmax";
        Check.Alive(op, "logits", logits);
        if (logits.Rank == 0 || logits.Shape[-1] == 0) throw new ShapeMismatchException($"{op}: logits have shape {logits.Shape}; the last axis holds the classes");
        if (!(temperature > 0) || !float.IsFinite(temperature)) throw new ArgumentException($"{op}: the temperature must be positive, got {temperature}");
        int classes = logits.Shape[-1];
        var (seed, offset) = generator.Next();
        var y = Tensor.Empty(logits.Shape, logits.Device);
        logits.Device.Backend.Reparameterize.GumbelSoftmax(logits, y, classes, temperature, seed, offset);
        var soft = Autograd.Record(op, y, [logits], (g, _) => [Mul(Mul(y, Sub(g, Sum(Mul(g, y), -1, keepDim: true))), 1f / temperature)]);
        if (!hard) return soft;
        Tensor oneHot;
        using (Autograd.NoGrad())
        using (var classIndex = Tensor.Arange(0, classes, 1, logits.Device))
            oneHot = Equal(ArgMax(soft, -1, keepDim: true), classIndex);
        return Add(Sub(oneHot, soft.Detach()), soft);
    }
}
