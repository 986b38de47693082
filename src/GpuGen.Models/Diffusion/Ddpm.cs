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

/// <summary>What a DDPM trains on: Ho et al.'s simple loss (the noise's mean squared error, every t weighted
/// alike), or the variational bound itself (their "L, fixed isotropic Σ" row: each t weighted as the bound weighs it).</summary>
public enum DdpmObjective { Simple, Bound }

/// <summary>
/// Denoising diffusion (Ho et al. 2020) over a <see cref="DenoisingNetwork"/> that predicts the noise:
/// the simple loss E_{t, x₀, ε} ‖ε − ε̂_θ(√ᾱ_t·x₀ + √(1 − ᾱ_t)·ε, t)‖² (mean over elements, t uniform)
/// or the variational bound (<see cref="DdpmObjective"/>), ancestral sampling from x_T ~ N(0, I) down to
/// x₀, and DDIM sampling over a subsequence of the timesteps. <paramref name="eightBitData"/>: the data are
/// images on the 8-bit grid scaled to [−1, 1], so the bound's decoder at t = 0 is discretised (Ho et al.
/// §3.3); otherwise it is the Gaussian density N(x₀; μ_θ, β₁). The schedule and the network belong to the caller.
/// </summary>
public sealed class Ddpm(DenoisingNetwork network, NoiseSchedule schedule, DdpmObjective objective = DdpmObjective.Simple, bool eightBitData = false)
{
    public static readonly IReadOnlyDictionary<string, DdpmObjective> Objectives = new Dictionary<string, DdpmObjective>
    {
        ["simple"] = DdpmObjective.Simple, ["vlb"] = DdpmObjective.Bound,
    };

    public DenoisingNetwork Network { get; } = network;
    public NoiseSchedule Schedule { get; } = schedule;
    public DdpmObjective Objective { get; } = objective;
    public bool EightBitData { get; } = eightBitData;

    /// <summary>The training loss on a batch x₀ [B, …], t and ε drawn from <paramref name="stream"/>: the simple
    /// loss, or the bound's sampled terms T·L_t per dimension (in nats; L_T, which has no parameters, left out).</summary>
    public Tensor Loss(Tensor x0, Generator stream)
    {
        var t = Ops.RandomIntegers(Shape.Of(x0.Shape[0]), Schedule.Steps, stream, x0.Device);
        var (xt, noise) = Ops.ForwardNoise(x0, t, Schedule, stream);
        var predicted = Network.Forward(xt, t);
        if (Objective == DdpmObjective.Simple) return Losses.MeanSquaredError(predicted, noise);
        int dims = x0.Length / x0.Shape[0];
        return Ops.Mul(Ops.Mean(BoundTerms(x0, t, xt, predicted)), (float)Schedule.Steps / dims);
    }

    /// <summary>
    /// The bound's term per image [B] in nats for x₀, the drawn t, x_t and the predicted noise, as recorded
    /// ops (so that training can differentiate it): for t ≥ 1 (index) L_t = KL(q(x_{t−1} | x_t, x₀) ‖ p_θ(x_{t−1} | x_t))
    /// = ‖μ̃_t − μ_θ‖²/(2σ_t²) with σ_t² = β̃_t (the ancestral sampler's variance) and μ_θ = (x_t − β_t/√(1 − ᾱ_t)·ε̂)/√α_t;
    /// at t = 0 the decoder −log p(x₀ | x₁) under N(μ_θ, β₁): discretised over the pixel's 1/255-wide bin (the
    /// end bins open to ±∞) for <see cref="EightBitData"/>, else its density.
    /// </summary>
    public Tensor BoundTerms(Tensor x0, Tensor t, Tensor xt, Tensor predicted)
    {
        int batch = x0.Shape[0], dims = x0.Length / batch;
        var device = x0.Device;
        var s = Schedule;
        var inverseRootAlpha = s.Column("inv_sqrt_alpha", device, k => 1 / Math.Sqrt(s.Alpha[k]));
        var noiseWeight = s.Column("eps_weight", device, k => s.Beta[k] / (Math.Sqrt(1 - s.AlphaBar[k]) * Math.Sqrt(s.Alpha[k])));
        var posteriorX0 = s.Column("posterior_x0", device, k => s.PosteriorMeanWeights(k).X0);
        var posteriorXt = s.Column("posterior_xt", device, k => s.PosteriorMeanWeights(k).Xt);
        var variance = s.Column("decoder_or_posterior_variance", device, k => k == 0 ? s.Beta[0] : s.PosteriorVariance(k));
        var flat = x0.Reshape(batch, dims);
        var xtFlat = xt.Reshape(batch, dims);
        Tensor Gather(Tensor column) => Ops.IndexSelect(column, t); // [B, 1]
        var mean = Ops.Sub(Ops.Mul(xtFlat, Gather(inverseRootAlpha)), Ops.Mul(predicted.Reshape(batch, dims), Gather(noiseWeight)));
        var sigma2 = Gather(variance);
        var posteriorMean = Ops.Add(Ops.Mul(flat, Gather(posteriorX0)), Ops.Mul(xtFlat, Gather(posteriorXt)));
        var kl = Ops.Sum(Ops.Div(Ops.Square(Ops.Sub(posteriorMean, mean)), Ops.Mul(sigma2, 2f)), 1);
        var first = Ops.Equal(t, 0f);
        return Ops.Add(Ops.Mul(first, Decoder(flat, mean, sigma2)), Ops.Mul(Ops.Sub(1f, first), kl));
    }

    /// <summary>−log p(x₀ | x₁) per image [B] for N(mean, σ²) per dimension (see <see cref="BoundTerms"/>).</summary>
    private Tensor Decoder(Tensor x0, Tensor mean, Tensor sigma2)
    {
        if (!EightBitData)
        {
            // ½(x − μ)²/σ² + ½ln(2πσ²), summed over the dimensions
            var halfLog = Ops.Mul(Ops.Log(Ops.Mul(sigma2, (float)(2 * Math.PI))), 0.5f);
            return Ops.Sum(Ops.Add(Ops.Div(Ops.Square(Ops.Sub(x0, mean)), Ops.Mul(sigma2, 2f)), halfLog), 1);
        }
        var isTop = Ops.Greater(x0, 0.999f);
        var isBottom = Ops.Less(x0, -0.999f);
        var sigma = Ops.Sqrt(sigma2);
        var upper = Ops.Add(Ops.Mul(Ops.NormalCdf(Ops.Div(Ops.Sub(Ops.Add(x0, 1f / 255), mean), sigma)), Ops.Sub(1f, isTop)), isTop);
        var lower = Ops.Mul(Ops.NormalCdf(Ops.Div(Ops.Sub(Ops.Sub(x0, 1f / 255), mean), sigma)), Ops.Sub(1f, isBottom));
        return Ops.Neg(Ops.Sum(Ops.Log(Ops.Maximum(Ops.Sub(upper, lower), 1e-12f)), 1));
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

    /// <summary>
    /// The variational bound on −log p(x₀) in bits per dimension for images x₀ [B, …] in [−1, 1] on the
    /// 8-bit grid (Ho et al. §3.3, eq. 5), estimated with <paramref name="timestepsPerImage"/> uniform draws
    /// of t per image: L_T = KL(q(x_T | x₀) ‖ N(0, I)) in closed form, plus T·E_t[L_t] with
    /// L_t = KL(q(x_{t−1} | x_t, x₀) ‖ p_θ(x_{t−1} | x_t)) = ‖μ̃_t − μ_θ‖²/(2σ_t²) for σ_t² = β̃_t (the ancestral
    /// sampler's variance) and, at the first step, the discretised decoder L_0 = −log Π_d ∫ N(x; μ_θ, β)
    /// over the pixel's 1/255-wide bin (the end bins open to ±∞).
    /// </summary>
    public double BitsPerDimension(Tensor x0, int timestepsPerImage, Generator stream)
    {
        if (!EightBitData) throw new InvalidOperationException("ddpm: bits per dimension are for images on the 8-bit grid (eightBitData)");
        using var noGrad = Autograd.NoGrad();
        int batch = x0.Shape[0], dims = x0.Length / batch, steps = Schedule.Steps;
        var s = Schedule;
        var flat = x0.Reshape(batch, dims);
        double sampled = 0;
        for (int draw = 0; draw < timestepsPerImage; draw++)
        {
            using var scope = new TensorScope();
            var t = Ops.RandomIntegers(Shape.Of(batch), steps, stream, x0.Device);
            var (xt, _) = Ops.ForwardNoise(x0, t, Schedule, stream);
            sampled += BoundTerms(x0, t, xt, Network.Forward(xt, t)).ToArray().Average(v => (double)v);
        }
        // L_T per image: Σ_d ½[(1 − ᾱ_T) + ᾱ_T·x₀² − 1 − ln(1 − ᾱ_T)]
        double alphaBarT = s.AlphaBar[^1];
        double prior = flat.ToArray().Sum(v => 0.5 * ((1 - alphaBarT) + alphaBarT * v * v - 1 - Math.Log(1 - alphaBarT))) / batch;
        double nats = prior + steps * sampled / timestepsPerImage;
        return nats / (dims * Math.Log(2));
    }
}
