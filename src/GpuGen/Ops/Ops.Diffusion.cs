using GpuGen.Diffusion;
using GpuGen.Kernels.Diffusion;
using GpuGen.Kernels.Random;

namespace GpuGen;

/// <summary>How a DDPM ancestral step draws its noise: σ_t² = β̃_t (the posterior's variance, the
/// lower bound of Ho et al.'s two choices) or σ_t² = β_t (the upper).</summary>
public enum AncestralVariance { Posterior, Beta }

// Diffusion's ops (Ho et al. 2020, Song et al. 2021) on the fused kernels of
// GpuGen.Kernels.Diffusion: q(x_t | x₀) sampled with its noise in one pass, and one reverse step
// (DDPM's ancestral step or DDIM's) from the network's predicted noise in one pass. The schedule's
// coefficients are computed in double (NoiseSchedule) and reach the kernels as floats. None of
// these is recorded: x₀, t and the noise are data, and sampling is not differentiated.
public static partial class Ops
{
    /// <summary>Integers uniform on {0, …, count − 1}, as floats (timesteps, labels).</summary>
    public static Tensor RandomIntegers(Shape shape, int count, Generator generator, Device? device = null)
    {
        if (count < 1 || count > 1 << 24) throw new ArgumentException($"randomIntegers: count must be in [1, 2²⁴], got {count}");
        return Draw(shape, generator, device, new UniformIntegerDistribution(count));
    }

    /// <summary>
    /// x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε with ε ~ N(0, I) drawn here, t given per example (the first axis of
    /// x₀) by <paramref name="timesteps"/> [B] (whole numbers in [0, T)): q(x_t | x₀) and its noise,
    /// the regression target of ε-prediction, in one fused kernel. ε is the value Ops.Normal(x₀'s
    /// shape) draws from the same generator state.
    /// </summary>
    public static (Tensor Xt, Tensor Noise) ForwardNoise(Tensor x0, Tensor timesteps, NoiseSchedule schedule, Generator noise)
    {
        const string op = "forwardNoise";
        Check.Alive(op, "x0", x0);
        if (x0.Rank < 1 || x0.Shape[0] == 0) throw new ShapeMismatchException($"{op}: x0 has shape {x0.Shape}; needs a batch axis with examples");
        if (timesteps.Length != x0.Shape[0]) throw new ShapeMismatchException($"{op}: {x0.Shape[0]} examples but {timesteps.Length} timesteps");
        CheckIndices(op, timesteps, schedule.Steps, x0.Device);
        var (a, s) = schedule.Tables(x0.Device);
        var (seed, offset) = noise.Next();
        var xt = Tensor.Empty(x0.Shape, x0.Device);
        var eps = Tensor.Empty(x0.Shape, x0.Device);
        x0.Device.Backend.Diffusion.ForwardNoise(x0, timesteps, a, s, xt, eps, x0.Length / x0.Shape[0], seed, offset);
        return (xt, eps);
    }

    /// <summary>
    /// One DDPM ancestral step (Ho et al. 2020, Algorithm 2) from timestep t to t − 1, every example at
    /// the same t: x_{t−1} = μ_θ(x_t, t) + σ_t·z with z ~ N(0, I) (none at t = 0) and
    /// μ_θ = (x_t − β_t/√(1 − ᾱ_t)·ε̂)/√α_t. With <paramref name="clip"/> &gt; 0 the predicted
    /// x̂₀ = (x_t − √(1 − ᾱ_t)·ε̂)/√ᾱ_t is clamped to ±clip first and μ is the posterior mean
    /// μ̃_t(x̂₀, x_t) (the DDPM code's clip_denoised, for images in [−1, 1]).
    /// </summary>
    public static Tensor AncestralStep(Tensor xt, Tensor predictedNoise, NoiseSchedule schedule, int t, Generator noise,
        AncestralVariance variance = AncestralVariance.Posterior, float clip = 0f)
    {
        CheckStep("ancestralStep", xt, predictedNoise, schedule, t, clip);
        double alphaBar = schedule.AlphaBar[t];
        double sigma = t == 0 ? 0 : Math.Sqrt(variance == AncestralVariance.Posterior ? schedule.PosteriorVariance(t) : schedule.Beta[t]);
        var c = new ReverseStepCoefficients { A = (float)Math.Sqrt(alphaBar), S = (float)Math.Sqrt(1 - alphaBar), Sigma = (float)sigma, Clip = clip };
        if (clip > 0)
        {
            var (x0Weight, xtWeight) = schedule.PosteriorMeanWeights(t);
            (c.X0Weight, c.XtWeight) = ((float)x0Weight, (float)xtWeight);
        }
        else
        {
            double rootAlpha = Math.Sqrt(schedule.Alpha[t]);
            (c.XtWeight, c.NoiseWeight) = ((float)(1 / rootAlpha), (float)(-schedule.Beta[t] / (Math.Sqrt(1 - alphaBar) * rootAlpha)));
        }
        return ReverseStep(xt, predictedNoise, c, noise);
    }

    /// <summary>
    /// One DDIM step (Song et al. 2021, eq. 12) from timestep t to <paramref name="previous"/> (any
    /// earlier timestep, or −1 for x₀): x̂₀ = (x_t − √(1 − ᾱ_t)·ε̂)/√ᾱ_t, then
    /// x_prev = √ᾱ_prev·x̂₀ + √(1 − ᾱ_prev − σ²)·ε̂ + σ·z with
    /// σ = η·√((1 − ᾱ_prev)/(1 − ᾱ_t))·√(1 − ᾱ_t/ᾱ_prev): η = 0 is deterministic, η = 1 is DDPM's
    /// posterior variance for consecutive steps. With <paramref name="clip"/> &gt; 0, x̂₀ is clamped and
    /// ε̂ recomputed from it.
    /// </summary>
    public static Tensor DdimStep(Tensor xt, Tensor predictedNoise, NoiseSchedule schedule, int t, int previous, float eta, Generator noise, float clip = 0f)
    {
        CheckStep("ddimStep", xt, predictedNoise, schedule, t, clip);
        if (previous < -1 || previous >= t) throw new ArgumentException($"ddimStep: the previous timestep must be in [−1, {t}), got {previous}");
        if (!(eta >= 0) || !float.IsFinite(eta)) throw new ArgumentException($"ddimStep: η must be ≥ 0, got {eta}");
        double alphaBar = schedule.AlphaBar[t], before = previous < 0 ? 1.0 : schedule.AlphaBar[previous];
        double sigma = eta * Math.Sqrt((1 - before) / (1 - alphaBar) * (1 - alphaBar / before));
        double noiseWeight = Math.Sqrt(Math.Max(1 - before - sigma * sigma, 0));
        double a = Math.Sqrt(alphaBar), s = Math.Sqrt(1 - alphaBar), aBefore = Math.Sqrt(before);
        var c = new ReverseStepCoefficients { A = (float)a, S = (float)s, Sigma = (float)sigma, Clip = clip };
        if (clip > 0) (c.X0Weight, c.NoiseWeight) = ((float)aBefore, (float)noiseWeight);
        else (c.XtWeight, c.NoiseWeight) = ((float)(aBefore / a), (float)(noiseWeight - aBefore * s / a)); // x̂₀ substituted
        return ReverseStep(xt, predictedNoise, c, noise);
    }

    private static void CheckStep(string op, Tensor xt, Tensor predictedNoise, NoiseSchedule schedule, int t, float clip)
    {
        Check.Elementwise(op, "xt", xt, "predictedNoise", predictedNoise);
        if (t < 0 || t >= schedule.Steps) throw new ArgumentException($"{op}: timestep {t} is outside the schedule's [0, {schedule.Steps})");
        if (!(clip >= 0) || !float.IsFinite(clip)) throw new ArgumentException($"{op}: clip must be ≥ 0 (0: none), got {clip}");
    }

    private static Tensor ReverseStep(Tensor xt, Tensor predictedNoise, in ReverseStepCoefficients c, Generator noise)
    {
        var (seed, offset) = noise.Next();
        var result = Tensor.Empty(xt.Shape, xt.Device);
        if (result.Length > 0) xt.Device.Backend.Diffusion.ReverseStep(xt, predictedNoise, result, c, seed, offset);
        return result;
    }
}
