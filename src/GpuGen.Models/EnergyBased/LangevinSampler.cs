namespace GpuGen.Models.EnergyBased;

/// <summary>
/// Stochastic gradient Langevin dynamics on an energy E: K steps of
/// x ← clamp(x − (λ/2)·∇ₓE(x) + ω, low, high), ω ~ N(0, σ² I).
///
/// With σ² = λ this is the discretised Langevin diffusion whose stationary law (as λ → 0) is
/// p(x) ∝ exp(−E(x)). Du &amp; Mordatch (2019) instead take a step much larger than its noise implies
/// (on images λ/2 = 10 with σ = 0.005, where σ² = λ would give σ ≈ 4.5): the chain then samples
/// exp(−E/T) at the low temperature T = σ²/λ, close to noisy gradient descent on E. Contrastive
/// divergence trains E for whatever sampler it is given, so the learned energy's scale adapts to
/// the step and the noise; a short chain of large steps mixes in the K steps a training iteration
/// can afford. The defaults of each data set are in <see cref="EbmDefaults"/>.
/// </summary>
/// <param name="Steps">K, the number of steps.</param>
/// <param name="StepSize">λ: the gradient step is λ/2·∇ₓE.</param>
/// <param name="Noise">σ, the standard deviation of each step's Gaussian noise.</param>
public sealed record LangevinSettings(int Steps, float StepSize, float Noise)
{
    public LangevinSettings WithSteps(int steps) => this with { Steps = steps };
}

/// <summary>Runs <see cref="LangevinSettings"/> chains on an energy, in place on the chains' tensor.</summary>
public static class LangevinSampler
{
    /// <summary>
    /// One step on every row of <paramref name="x"/> [n, D], in place. ∇ₓE comes from the tape
    /// (recording switched on here even inside a no-grad region) with respect to x only: the
    /// energy's parameters get no gradient, and no parameter's partial is computed. The noise is
    /// one draw of Ops.Normal(x's shape) from <paramref name="noise"/> (advancing it once) when σ &gt; 0.
    /// </summary>
    public static void Step(Func<Tensor, Tensor> energy, Tensor x, LangevinSettings settings, SampleDomain domain, Generator noise)
    {
        using var scope = new TensorScope();
        Tensor gradient;
        using (Autograd.EnableGrad())
        {
            var leaf = x.Detach(); // a view of the same storage: a new leaf, so the tape starts at x
            leaf.RequiresGrad = true;
            // Σ_i E(x_i): row i of its gradient is ∇E(x_i), the rows do not mix
            gradient = Autograd.Grad([Ops.Sum(energy(leaf))], [leaf])[0];
        }
        using (Autograd.NoGrad())
        {
            Ops.Axpy(-settings.StepSize / 2f, gradient, x);
            if (settings.Noise > 0) Ops.Axpy(settings.Noise, Ops.Normal(x.Shape, noise, x.Device), x);
            Ops.Copy(Ops.Clamp(x, domain.Low, domain.High), x);
        }
    }

    /// <summary>
    /// <see cref="LangevinSettings.Steps"/> steps from <paramref name="x"/>, in place; returns x.
    /// <paramref name="observe"/> sees the state before the first step (0) and after each step k.
    /// </summary>
    public static Tensor Run(Func<Tensor, Tensor> energy, Tensor x, LangevinSettings settings, SampleDomain domain, Generator noise,
        Action<int, Tensor>? observe = null)
    {
        observe?.Invoke(0, x);
        for (int k = 1; k <= settings.Steps; k++)
        {
            Step(energy, x, settings, domain, noise);
            observe?.Invoke(k, x);
        }
        return x;
    }

    /// <summary>n chains started from uniform noise on the domain (drawn from <paramref name="noise"/>)
    /// and run for the settings' steps: the model's long-run samples [n, D].</summary>
    public static Tensor FromNoise(Func<Tensor, Tensor> energy, int n, LangevinSettings settings, SampleDomain domain, Device device, Generator noise,
        Action<int, Tensor>? observe = null)
    {
        Tensor x;
        using (Autograd.NoGrad()) x = Ops.Uniform(Shape.Of(n, domain.Dim), noise, device, domain.Low, domain.High);
        return Run(energy, x, settings, domain, noise, observe);
    }
}
