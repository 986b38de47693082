using GpuGen.Diffusion;

namespace GpuGen.Models.Diffusion;

/// <summary>
/// Gaussian diffusion with a learned reverse mean and variance (Sohl-Dickstein et al. 2015), as their
/// code's model: the forward process of a <see cref="NoiseSchedule"/>, and a network of (x_t, t) whose
/// 2D outputs are a mean coefficient m and a variance coefficient v per dimension, read out as
/// <code>
/// μ_p(x_t, t) = x_t·√(1 − β_t) + m·√β_t,   σ_p² = sigmoid(v/√T + logit β_t)
/// </code>
/// (a perturbation around the forward step). Training minimises E_t KL(q(x_{t−1} | x_t, x₀) ‖ p(x_{t−1} | x_t))
/// for t uniform in [1, T − 1] (the first step's reverse is fixed, as theirs). The bound on the
/// log-likelihood, per point in nats (eq. 14, every t enumerated):
/// <code>
/// K = −Σ_{t=1}^{T−1} E_q[KL_t] + H_q(x_T | x₀) − H_q(x₁ | x₀) − H_p(x_T),  each entropy ½(1 + ln 2π) + ½ ln(variance) per dimension
/// </code>
/// Samples run the learned reverse chain from x_{T−1} ~ N(0, I) down to index 0. The schedule's tables
/// (√β, √α, logit β, the posterior's weights) belong to the schedule.
/// </summary>
public sealed class SohlDicksteinDiffusion
{
    private readonly Tensor _sqrtBeta, _sqrtAlpha, _logitBeta, _posteriorX0, _posteriorXt, _posteriorLogVariance;

    public SohlDicksteinDiffusion(ToyDenoiser network, NoiseSchedule schedule)
    {
        (Network, Schedule) = (network, schedule);
        var device = network.Device;
        _sqrtBeta = schedule.Column("sqrt_beta", device, t => Math.Sqrt(schedule.Beta[t]));
        _sqrtAlpha = schedule.Column("sqrt_alpha", device, t => Math.Sqrt(schedule.Alpha[t]));
        _logitBeta = schedule.Column("logit_beta", device, t => Math.Log(schedule.Beta[t] / (1 - schedule.Beta[t])));
        _posteriorX0 = schedule.Column("posterior_x0", device, t => schedule.PosteriorMeanWeights(t).X0);
        _posteriorXt = schedule.Column("posterior_xt", device, t => schedule.PosteriorMeanWeights(t).Xt);
        _posteriorLogVariance = schedule.Column("posterior_log_variance", device, t => t == 0 ? 0 : Math.Log(schedule.PosteriorVariance(t)));
    }

    public ToyDenoiser Network { get; }
    public NoiseSchedule Schedule { get; }

    /// <summary>μ_p and ln σ_p² [B, 2] of the reverse step from x_t at the timesteps [B].</summary>
    public (Tensor Mean, Tensor LogVariance) Reverse(Tensor xt, Tensor timesteps)
    {
        var output = Network.Forward(xt, timesteps);
        int d = ToyDenoiser.PointDim;
        var meanCoefficient = Ops.Narrow(output, 1, 0, d);
        var varianceCoefficient = Ops.Narrow(output, 1, d, d);
        var mean = Ops.Add(Ops.Mul(xt, Ops.IndexSelect(_sqrtAlpha, timesteps)), Ops.Mul(meanCoefficient, Ops.IndexSelect(_sqrtBeta, timesteps)));
        // ln sigmoid(z) = −softplus(−z), with z = v/√T + logit β_t
        var z = Ops.Add(Ops.Mul(varianceCoefficient, (float)(1 / Math.Sqrt(Schedule.Steps))), Ops.IndexSelect(_logitBeta, timesteps));
        return (mean, Ops.LogSigmoid(z));
    }

    /// <summary>KL(q(x_{t−1} | x_t, x₀) ‖ p(x_{t−1} | x_t)) per point [B], summed over the dimensions, at the
    /// timesteps [B] (each ≥ 1), x_t drawn from q(x_t | x₀) with the stream.</summary>
    public Tensor Divergence(Tensor x0, Tensor timesteps, Generator stream)
    {
        var (xt, _) = Ops.ForwardNoise(x0, timesteps, Schedule, stream);
        var (mean, logVariance) = Reverse(xt, timesteps);
        var posteriorMean = Ops.Add(Ops.Mul(x0, Ops.IndexSelect(_posteriorX0, timesteps)), Ops.Mul(xt, Ops.IndexSelect(_posteriorXt, timesteps)));
        var posteriorLogVariance = Ops.IndexSelect(_posteriorLogVariance, timesteps);
        // ½[ln σ_p² − ln σ_q² + (σ_q² + (μ_q − μ_p)²)/σ_p² − 1]
        var ratio = Ops.Exp(Ops.Sub(posteriorLogVariance, logVariance));
        var gap = Ops.Mul(Ops.Square(Ops.Sub(posteriorMean, mean)), Ops.Exp(Ops.Neg(logVariance)));
        var kl = Ops.Mul(Ops.Sub(Ops.Add(Ops.Sub(logVariance, posteriorLogVariance), Ops.Add(ratio, gap)), 1f), 0.5f);
        return Ops.Sum(kl, 1);
    }

    /// <summary>The training loss: the mean KL at t uniform in [1, T − 1].</summary>
    public Tensor Loss(Tensor x0, Generator stream)
    {
        var t = Ops.Add(Ops.RandomIntegers(Shape.Of(x0.Shape[0]), Schedule.Steps - 1, stream, x0.Device), 1f);
        return Ops.Mean(Divergence(x0, t, stream));
    }

    /// <summary>The bound K per point, in nats, on the points [B, 2]: every t of [1, T − 1] enumerated, one draw of x_t each.</summary>
    public double Bound(Tensor x0, Generator stream)
    {
        using var noGrad = Autograd.NoGrad();
        int batch = x0.Shape[0];
        double divergence = 0;
        for (int t = 1; t < Schedule.Steps; t++)
        {
            using var scope = new TensorScope();
            divergence += Ops.Mean(Divergence(x0, Tensor.Full(Shape.Of(batch), t, x0.Device), stream)).Item();
        }
        double Entropy(double variance) => 0.5 * (1 + Math.Log(2 * Math.PI)) + 0.5 * Math.Log(variance);
        double perDimension = Entropy(1 - Schedule.AlphaBar[^1]) - Entropy(Schedule.Beta[0]) - Entropy(1);
        return -divergence + ToyDenoiser.PointDim * perDimension;
    }

    /// <summary>n points by the learned reverse chain from x_{T−1} ~ N(0, I) to index 0; the visitor sees x at
    /// every index, from T − 1 down.</summary>
    public Tensor Sample(int n, Generator stream, Action<string, Tensor>? visit = null) => Sampling.InEvaluationMode(Network, () =>
    {
        var x = Ops.Normal(Shape.Of(n, ToyDenoiser.PointDim), stream, Network.Device);
        visit?.Invoke($"x_{Schedule.Steps - 1}", x);
        for (int t = Schedule.Steps - 1; t >= 1; t--)
        {
            using var scope = new TensorScope();
            var (mean, logVariance) = Reverse(x, Tensor.Full(Shape.Of(n), t, Network.Device));
            var next = Ops.Add(mean, Ops.Mul(Ops.Exp(Ops.Mul(logVariance, 0.5f)), Ops.Normal(mean.Shape, stream, Network.Device)));
            x.Dispose();
            x = scope.Keep(next);
            visit?.Invoke($"x_{t - 1}", x);
        }
        return x;
    });
}
