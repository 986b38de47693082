using GpuGen.Diffusion;
using GpuGen.Nn;

namespace GpuGen.Models.Diffusion;

/// <summary>How a trained DDPM draws samples: ancestral (Ho et al. Algorithm 2, every timestep) or
/// DDIM (Song et al. 2021) over <see cref="Steps"/> evenly spaced timesteps with noise scale η.</summary>
public sealed record DiffusionSampler(bool Ddim = false, int Steps = 0, float Eta = 0f, float Clip = 0f,
    AncestralVariance Variance = AncestralVariance.Posterior)
{
    public static readonly DiffusionSampler Ancestral = new();

    public static DiffusionSampler DdimSteps(int steps, float eta = 0f) => new(true, steps, eta);

    public override string ToString() => Ddim ? $"DDIM, {Steps} steps, η {Eta}" : "ancestral";
}

/// <summary>
/// Denoising diffusion (Ho et al. 2020) over a <see cref="DenoisingNetwork"/> that predicts the noise:
/// the simple loss E_{t, x₀, ε} ‖ε − ε̂_θ(√ᾱ_t·x₀ + √(1 − ᾱ_t)·ε, t)‖² (mean over elements, t uniform),
/// ancestral sampling from x_T ~ N(0, I) down to x₀, and DDIM sampling over a subsequence of the
/// timesteps. The schedule and the network belong to the caller.
/// </summary>
public sealed class Ddpm(DenoisingNetwork network, NoiseSchedule schedule)
{
    public DenoisingNetwork Network { get; } = network;
    public NoiseSchedule Schedule { get; } = schedule;

    /// <summary>The simple loss on a batch x₀ [B, …], t and ε drawn from <paramref name="stream"/>.</summary>
    public Tensor Loss(Tensor x0, Generator stream)
    {
        var t = Ops.RandomIntegers(Shape.Of(x0.Shape[0]), Schedule.Steps, stream, x0.Device);
        var (xt, noise) = Ops.ForwardNoise(x0, t, Schedule, stream);
        return Losses.MeanSquaredError(Network.Forward(xt, t), noise);
    }

    /// <summary>The timesteps a sampler visits, from the last down: every one (ancestral), or DDIM's
    /// evenly spaced subsequence τ_i = ⌊i·T/S⌋, i = S − 1 … 0 (Song et al.'s "uniform" skip).</summary>
    public int[] Timesteps(DiffusionSampler sampler)
    {
        int steps = Schedule.Steps;
        if (!sampler.Ddim) return Enumerable.Range(0, steps).Reverse().ToArray();
        if (sampler.Steps < 1 || sampler.Steps > steps)
            throw new GpuGenException($"ddim: {sampler.Steps} sampling steps for a model trained with T = {steps}: give 1 to {steps}", isUsageError: true);
        return Enumerable.Range(0, sampler.Steps).Select(i => (int)((long)i * steps / sampler.Steps)).Reverse().ToArray();
    }

    /// <summary>
    /// n samples of the given per-example shape, from x_T ~ N(0, I) through every timestep the sampler
    /// visits; <paramref name="visit"/>, when given, sees x_T first and then x after each step, with its
    /// timestep in the papers' counting (T for the noise, t for the step from index t, 0 for x₀), for a
    /// picture of the chain. Each step's intermediates are freed as it ends.
    /// </summary>
    public Tensor Sample(int n, Shape example, Generator stream, DiffusionSampler sampler, Action<int, Tensor>? visit = null)
    {
        var timesteps = Timesteps(sampler);
        var device = Sampling.DeviceOf(Network);
        return Sampling.InEvaluationMode(Network, () =>
        {
            var x = Ops.Normal(new Shape([n, .. example.ToArray()]), stream, device);
            visit?.Invoke(timesteps[0] + 1, x);
            for (int k = 0; k < timesteps.Length; k++)
            {
                int t = timesteps[k];
                using var step = new TensorScope();
                var predicted = Network.Forward(x, Tensor.Full(Shape.Of(n), t, device));
                var next = sampler.Ddim
                    ? Ops.DdimStep(x, predicted, Schedule, t, k + 1 < timesteps.Length ? timesteps[k + 1] : -1, sampler.Eta, stream, sampler.Clip)
                    : Ops.AncestralStep(x, predicted, Schedule, t, stream, sampler.Variance, sampler.Clip);
                x.Dispose();
                x = step.Keep(next);
                visit?.Invoke(t, x);
            }
            return x;
        });
    }
}
