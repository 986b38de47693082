using GpuGen.Diffusion;

namespace GpuGen.Models.Diffusion;

/// <summary>
/// A Bayesian Flow Network for discretised data (Graves et al. 2023, §5): values in K bins of [−1, 1]
/// with centres k_c = (2k + 1)/K − 1, the continuous Bayesian flow of §4 (σ₁, γ(t) = 1 − σ₁^(2t)) over
/// them, and the discretised output distribution: the network gives μ_ε and ln σ_ε, so that
/// <code>
/// μ_x = μ/γ − √((1 − γ)/γ)·μ_ε,  σ_x = √((1 − γ)/γ)·exp(ln σ_ε)   (μ_x = 0, σ_x = 1 below t_min)
/// p_O(k) = F(k_r) − F(k_l),  F the CDF of N(μ_x, σ_x²) with F(−1) = 0 and F(1) = 1 (the tails go to the end bins)
/// </code>
/// Losses per image, summed over pixels, in nats: L^∞ = −ln σ₁·σ₁^(−2t)·‖x − k̂‖² with k̂ = Σ_k p_O(k)·k_c;
/// L^n = Σ_i E[ln N(y | x, 1/α_i) − ln Σ_k p_O(k)·N(y | k_c, 1/α_i)] with y ~ N(x, 1/α_i) and the flow at
/// t_{i−1}; L^r = −E ln p_O(x | θ; 1). Everything is composed from recorded ops (NormalCdf carries its
/// gradient), so training differentiates through the bins' probabilities.
/// </summary>
public sealed class DiscretisedBfn : IDigitFlow
{
    public DiscretisedBfn(DenoisingNetwork network, ContinuousBayesianFlow flow, int bins)
    {
        if (network is not IDigitNetwork { OutputsPerPixel: 2 } digits)
            throw new ArgumentException($"bfn: discretised data needs a digit network with 2 outputs a pixel (the noise's mean and log standard deviation), got {network.GetType().Name}");
        if (bins < 2) throw new GpuGenException($"bfn: discretised data needs at least 2 bins (K ≥ 2), got {bins}", isUsageError: true);
        (Network, Flow, Bins, Pixels) = (network, flow, bins, digits.Pixels);
    }

    public DenoisingNetwork Network { get; }
    public ContinuousBayesianFlow Flow { get; }
    public int Bins { get; }

    public string Kind => "discretised";
    public int Pixels { get; }
    public bool Binarized => false;

    /// <summary>The intensities as their bins' centres (<see cref="Discretise"/>).</summary>
    public Tensor Prepare(Tensor images) => Discretise(images);

    /// <summary>The bin centres k_c = (2k + 1)/K − 1 of the bin indices k.</summary>
    public Tensor Centres(Tensor bins) => Ops.Sub(Ops.Mul(Ops.Add(Ops.Mul(bins, 2f), 1f), 1f / Bins), 1f);

    /// <summary>Intensities in [0, 1] as the centres of their bins: k = min(⌊K·v⌋, K − 1).</summary>
    public Tensor Discretise(Tensor intensities) => Centres(Ops.Minimum(Ops.Floor(Ops.Mul(intensities, (float)Bins)), Bins - 1f));

    /// <summary>The bin index of each centre: k = ((x + 1)·K − 1)/2, rounded.</summary>
    private Tensor BinIndex(Tensor centres) => Ops.Floor(Ops.Mul(Ops.Add(centres, 1f), Bins / 2f)); // k + ½, floored

    /// <summary>p_O [B, D, K] for the input means μ [B, D] at the times [B].</summary>
    public Tensor BinProbabilities(Tensor mu, Tensor times)
    {
        int batch = mu.Shape[0];
        var output = Network.Forward(mu, times);
        var meanNoise = Ops.Narrow(output, 1, 0, Pixels);
        var logStdNoise = Ops.Narrow(output, 1, Pixels, Pixels);
        var t = times.Reshape(batch, 1);
        var early = Ops.Less(t, Flow.MinTime);      // 1 below t_min: the output is N(0, 1)
        var late = Ops.Sub(1f, early);
        var gamma = Ops.Maximum(Ops.Neg(Ops.Expm1(Ops.Mul(t, (float)(2 * Math.Log(Flow.Sigma1))))), (float)Flow.Gamma(Flow.MinTime));
        var ratio = Ops.Sqrt(Ops.Div(Ops.Sub(1f, gamma), gamma));
        var meanX = Ops.Mul(Ops.Sub(Ops.Div(mu, gamma), Ops.Mul(ratio, meanNoise)), late);
        var stdX = Ops.Add(Ops.Mul(Ops.Mul(ratio, Ops.Exp(logStdNoise)), late), early);
        var edges = Tensor.FromArray(Enumerable.Range(1, Bins - 1).Select(j => -1f + 2f * j / Bins).ToArray(), Shape.Of(1, 1, Bins - 1), mu.Device);
        var cdf = Ops.NormalCdf(Ops.Div(Ops.Sub(edges, meanX.Reshape(batch, Pixels, 1)), stdX.Reshape(batch, Pixels, 1)));
        var cumulative = Ops.Concat([Tensor.Zeros(Shape.Of(batch, Pixels, 1), mu.Device), cdf, Tensor.Ones(Shape.Of(batch, Pixels, 1), mu.Device)], 2);
        return Ops.Sub(Ops.Narrow(cumulative, 2, 1, Bins), Ops.Narrow(cumulative, 2, 0, Bins));
    }

    private Tensor CentreRow(Device device) =>
        Tensor.FromArray(Enumerable.Range(0, Bins).Select(k => (2f * k + 1) / Bins - 1).ToArray(), Shape.Of(1, 1, Bins), device);

    /// <summary>L^∞ per image [B] for centres x [B, D] (t and the flow's noise from the stream).</summary>
    public Tensor ContinuousLoss(Tensor x, Generator stream)
    {
        var times = Ops.Uniform(Shape.Of(x.Shape[0]), stream, x.Device);
        var p = BinProbabilities(Ops.ContinuousFlowSample(x, times, Flow, stream), times);
        var expected = Ops.Sum(Ops.Mul(p, CentreRow(x.Device)), 2);
        double lnSigma = Math.Log(Flow.Sigma1);
        var weight = Ops.Mul(Ops.Exp(Ops.Mul(times, (float)(-2 * lnSigma))), (float)-lnSigma);
        return Ops.Mul(weight, Ops.Sum(Ops.Square(Ops.Sub(x, expected)), 1));
    }

    /// <summary>The training loss: L^∞ averaged over the batch.</summary>
    public Tensor Loss(Tensor x, Generator stream) => Ops.Mean(ContinuousLoss(x, stream));

    /// <summary>L^r per image [B]: −ln p_O(x | θ; 1) with θ from the flow at t = 1.</summary>
    public Tensor ReconstructionLoss(Tensor x, Generator stream)
    {
        int batch = x.Shape[0];
        var ones = Tensor.Full(Shape.Of(batch), 1f, x.Device);
        var p = BinProbabilities(Ops.ContinuousFlowSample(x, ones, Flow, stream), ones);
        var truth = Ops.Gather(p.Reshape(batch * Pixels, Bins), BinIndex(x).Reshape(batch * Pixels));
        return Ops.Neg(Ops.Sum(Ops.Log(Ops.Maximum(truth, 1e-30f)).Reshape(batch, Pixels), 1));
    }

    /// <summary>L^n per image [B], every step enumerated, one draw of the flow and of the sender each.</summary>
    public Tensor DiscreteLoss(Tensor x, int steps, Generator stream)
    {
        if (steps < 1) throw new ArgumentException($"bfn: the n-step loss needs n ≥ 1, got {steps}");
        int batch = x.Shape[0];
        var total = Tensor.Zeros(Shape.Of(batch), x.Device);
        for (int i = 1; i <= steps; i++)
        {
            using var scope = new TensorScope();
            var times = Tensor.Full(Shape.Of(batch), (float)((i - 1.0) / steps), x.Device);
            var p = BinProbabilities(Ops.ContinuousFlowSample(x, times, Flow, stream), times);
            float alpha = (float)Flow.StepAccuracy(i, steps);
            var y = Ops.Add(x, Ops.Normal(x.Shape, stream, x.Device, std: 1 / MathF.Sqrt(alpha)));
            // ln N(y | x) − ln Σ_k p_k N(y | k_c) = −logsumexp_k(ln p_k − α(y − k_c)²/2 + α(y − x)²/2)
            var toCentres = Ops.Mul(Ops.Square(Ops.Sub(y.Reshape(batch, Pixels, 1), CentreRow(x.Device))), -alpha / 2);
            var toTruth = Ops.Mul(Ops.Square(Ops.Sub(y, x)), alpha / 2).Reshape(batch, Pixels, 1);
            var term = Ops.Neg(Ops.LogSumExp(Ops.Add(Ops.Add(Ops.Log(Ops.Maximum(p, 1e-30f)), toCentres), toTruth), 2));
            var next = Ops.Add(total, Ops.Sum(term, 1));
            total.Dispose();
            total = scope.Keep(next);
        }
        return total;
    }

    /// <summary>
    /// n images by <paramref name="steps"/> Bayesian updates (the paper's discretised sampler): from μ = 0, ρ = 1,
    /// for i = 1 … n, k ~ p_O(· | μ, (i − 1)/n) per pixel, y ~ N(k_c, 1/α_i), μ ← (ρμ + α_i·y)/(ρ + α_i),
    /// ρ ← ρ + α_i; at the end k ~ p_O(· | μ, 1). Returns the intensities (k + ½)/K in [0, 1], [n, D];
    /// <paramref name="visit"/> sees μ mapped to [0, 1] before each step.
    /// </summary>
    public Tensor Sample(int n, Generator stream, int steps, Action<string, Tensor>? visit = null)
    {
        if (steps < 1) throw new GpuGenException($"bfn: sampling needs at least one step, got {steps}", isUsageError: true);
        var device = Sampling.DeviceOf(Network);
        return Sampling.InEvaluationMode(Network, () =>
        {
            Tensor Draw(Tensor mu, float t) =>
                Ops.Categorical(BinProbabilities(mu, Tensor.Full(Shape.Of(n), t, device)).Reshape(n * Pixels, Bins), stream).Reshape(n, Pixels);
            var mu = Tensor.Zeros(Shape.Of(n, Pixels), device);
            double precision = 1;
            for (int i = 1; i <= steps; i++)
            {
                using var scope = new TensorScope();
                double t = (i - 1.0) / steps;
                if (visit is not null) visit($"μ at t = {t:0.##}", Ops.Clamp(Ops.Mul(Ops.Add(mu, 1f), 0.5f), 0f, 1f));
                double accuracy = Flow.StepAccuracy(i, steps);
                var next = Ops.ContinuousFlowUpdate(mu, Centres(Draw(mu, (float)t)), precision, accuracy, stream);
                precision += accuracy;
                mu.Dispose();
                mu = scope.Keep(next);
            }
            var images = Ops.Mul(Ops.Add(Draw(mu, 1f), 0.5f), 1f / Bins);
            mu.Dispose();
            visit?.Invoke("x at t = 1", images);
            return images;
        });
    }
}
