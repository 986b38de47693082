using GpuGen.Kernels.Diffusion;

namespace GpuGen.Diffusion;

/// <summary>
/// The Bayesian flow of continuous data (Graves et al. 2023, §4): a Gaussian input distribution
/// whose precision grows from 1 to 1/σ₁² along the accuracy schedule β(t) = σ₁^(−2t) − 1, so that
/// γ(t) = β/(1 + β) = 1 − σ₁^(2t) and the flow distribution is μ ~ N(γ·x, γ(1 − γ)·I). The network's
/// output x̂ is clipped to ±<see cref="Clip"/> (the data's range) and is 0 below t_min.
/// </summary>
public sealed class ContinuousBayesianFlow
{
    /// <param name="sigma1">σ₁, the standard deviation of the input distribution at t = 1 (in (0, 1)).</param>
    /// <param name="clip">x̂ is clamped to [−clip, clip]: 1 for data in [−1, 1] as the paper, wider for the toys.</param>
    /// <param name="minTime">Below t_min the output is 0 (γ would be too small to divide by).</param>
    public ContinuousBayesianFlow(double sigma1, float clip = 1f, float minTime = 1e-6f)
    {
        if (!(sigma1 > 0 && sigma1 < 1)) throw new GpuGenException($"bayesian flow: σ₁ must be in (0, 1), got {sigma1}", isUsageError: true);
        if (!(clip > 0) || !float.IsFinite(clip)) throw new ArgumentException($"bayesian flow: the clip range must be positive, got {clip}");
        (Sigma1, Clip, MinTime) = (sigma1, clip, minTime);
    }

    public double Sigma1 { get; }
    public float Clip { get; }
    public float MinTime { get; }

    /// <summary>γ(t) = 1 − σ₁^(2t).</summary>
    public double Gamma(double t)
    {
        double a = 2 * t * Math.Log(Sigma1); // γ = −expm1(a); the series where 1 − eᵃ would cancel
        return Math.Abs(a) < 1e-5 ? -a * (1 + a / 2 + a * a / 6) : 1 - Math.Exp(a);
    }

    /// <summary>The continuous-time loss weight −ln σ₁·σ₁^(−2t) of ‖x − x̂‖² (the paper's L^∞).</summary>
    public double LossWeight(double t) => -Math.Log(Sigma1) * Math.Pow(Sigma1, -2 * t);

    /// <summary>The sampler's accuracy at step i of n: α_i = σ₁^(−2i/n)·(1 − σ₁^(2/n)) (Algorithm 3).</summary>
    public double StepAccuracy(int i, int n) => Math.Pow(Sigma1, -2.0 * i / n) * (1 - Math.Pow(Sigma1, 2.0 / n));

    internal ContinuousFlow Kernel => new() { Sigma1 = (float)Sigma1, Clip = Clip, MinTime = MinTime };
}
