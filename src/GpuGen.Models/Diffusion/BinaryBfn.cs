namespace GpuGen.Models.Diffusion;

/// <summary>
/// A Bayesian Flow Network for binary data (Graves et al. 2023, §6 with K = 2 classes per pixel), with
/// the input distribution held as logits λ = ln(θ₁/θ₀) (the prior θ = ½ is λ = 0, an update adds the
/// sender's evidence; see BinaryFlowKernels). Accuracy schedule β(t) = β₁t²; the network reads 2θ₁ − 1 =
/// tanh(λ/2) and t and gives the output distribution's logit l, p = σ(l). All losses are per image,
/// summed over pixels, in nats:
/// <code>
/// L^∞   = K·β₁·t·‖e_x − p̂‖² = 4β₁t·Σ_d (x_d − p_d)²,  t ~ U(0, 1), λ from the flow distribution at t
/// L^n   = Σ_{i=1}^{n} E[ln N(y | α_i(Ke_x − 1), α_iK) − ln Σ_k p_O(k) N(y | α_i(Ke_k − 1), α_iK)],
///         α_i = β₁(2i − 1)/n², the flow at t_{i−1} = (i − 1)/n: with d = y₁ − y₀ and s = 2x − 1 the
///         term is −logsumexp(ln p_{1−x} − s·d, ln p_x) per pixel
/// L^r   = −E ln p_O(x | θ; 1), θ from the flow distribution at t = 1
/// </code>
/// L^n + L^r bounds the negative log-likelihood (the paper's table reports it for n = 10 … ∞).
/// </summary>
public sealed class BinaryBfn(DenoisingNetwork network, double beta1, int pixels = 784) : IDigitFlow
{
    public string Kind => "binary";
    public int Pixels { get; } = pixels;
    public bool Binarized => true;

    /// <summary>The binarized digits as they are.</summary>
    public Tensor Prepare(Tensor images) => images;

    public DenoisingNetwork Network { get; } = network;

    /// <summary>β₁, the accuracy at t = 1 (the paper used 3 for MNIST).</summary>
    public double Beta1 { get; } = beta1 > 0 && double.IsFinite(beta1) ? beta1 : throw new GpuGenException($"bfn: β₁ must be positive, got {beta1}", isUsageError: true);

    /// <summary>The output distribution's logits l [B, D] for input logits λ at the times [B].</summary>
    public Tensor Logits(Tensor lambda, Tensor times) => Network.Forward(Ops.Tanh(Ops.Mul(lambda, 0.5f)), times);

    private Tensor Accuracy(Tensor times) => Ops.Mul(Ops.Square(times), (float)Beta1);

    /// <summary>L^∞ averaged over the batch x [B, D] of 0s and 1s (t and the flow's noise from the stream).</summary>
    public Tensor Loss(Tensor x, Generator stream)
    {
        int batch = x.Shape[0];
        var times = Ops.Uniform(Shape.Of(batch), stream, x.Device);
        var lambda = Ops.BinaryFlowEvidence(x, Accuracy(times), stream);
        var error = Ops.Sum(Ops.Square(Ops.Sub(x, Ops.Sigmoid(Logits(lambda, times)))), 1);
        return Ops.Mean(Ops.Mul(Ops.Mul(times, (float)(4 * Beta1)), error));
    }

    /// <summary>L^∞ per image [B] (one draw of t and the flow each).</summary>
    public Tensor ContinuousLoss(Tensor x, Generator stream)
    {
        var times = Ops.Uniform(Shape.Of(x.Shape[0]), stream, x.Device);
        var lambda = Ops.BinaryFlowEvidence(x, Accuracy(times), stream);
        return Ops.Mul(Ops.Mul(times, (float)(4 * Beta1)), Ops.Sum(Ops.Square(Ops.Sub(x, Ops.Sigmoid(Logits(lambda, times)))), 1));
    }

    /// <summary>L^n per image [B]: every step i = 1 … n enumerated, one draw of the flow and of the sender's sample each.</summary>
    public Tensor DiscreteLoss(Tensor x, int steps, Generator stream)
    {
        if (steps < 1) throw new ArgumentException($"bfn: the n-step loss needs n ≥ 1, got {steps}");
        int batch = x.Shape[0];
        var sign = Ops.Sub(Ops.Mul(x, 2f), 1f);
        var total = Tensor.Zeros(Shape.Of(batch), x.Device);
        for (int i = 1; i <= steps; i++)
        {
            using var scope = new TensorScope();
            double t = (i - 1.0) / steps, alpha = Beta1 * (2 * i - 1) / ((double)steps * steps);
            var times = Tensor.Full(Shape.Of(batch), (float)t, x.Device);
            var logits = Logits(Ops.BinaryFlowEvidence(x, Accuracy(times), stream), times);
            var sender = Ops.BinaryFlowEvidence(x, Tensor.Full(Shape.Of(batch), (float)alpha, x.Device), stream);
            var (logTrue, logOther) = LogProbabilities(x, logits);
            var term = Ops.Neg(LogSumExp(Ops.Sub(logOther, Ops.Mul(sign, sender)), logTrue));
            var next = Ops.Add(total, Ops.Sum(term, 1));
            total.Dispose();
            total = scope.Keep(next);
        }
        return total;
    }

    /// <summary>L^r per image [B]: −ln p_O(x | θ; 1) with θ from the flow at t = 1.</summary>
    public Tensor ReconstructionLoss(Tensor x, Generator stream)
    {
        var ones = Tensor.Full(Shape.Of(x.Shape[0]), 1f, x.Device);
        var logits = Logits(Ops.BinaryFlowEvidence(x, Accuracy(ones), stream), ones);
        return Ops.Neg(Ops.Sum(LogProbabilities(x, logits).True, 1));
    }

    /// <summary>ln p(x) and ln p(1 − x) per pixel from the class-1 logits: ln σ(±l).</summary>
    private static (Tensor True, Tensor Other) LogProbabilities(Tensor x, Tensor logits)
    {
        var logOne = Ops.LogSigmoid(logits);
        var logZero = Ops.LogSigmoid(Ops.Neg(logits));
        var notX = Ops.Sub(1f, x);
        return (Ops.Add(Ops.Mul(x, logOne), Ops.Mul(notX, logZero)), Ops.Add(Ops.Mul(x, logZero), Ops.Mul(notX, logOne)));
    }

    private static Tensor LogSumExp(Tensor a, Tensor b)
    {
        var m = Ops.Maximum(a, b);
        return Ops.Add(m, Ops.Log(Ops.Add(Ops.Exp(Ops.Sub(a, m)), Ops.Exp(Ops.Sub(b, m)))));
    }

    /// <summary>
    /// n images by <paramref name="steps"/> steps of Algorithm 9 (K = 2, in logits): from λ = 0, for
    /// i = 1 … n, p = σ(l(λ, (i − 1)/n)), k ~ Bernoulli(p), λ += 2α_i(2k − 1) + 2√α_i·ε; at the end
    /// p = σ(l(λ, 1)) and the pixels are drawn from it. <paramref name="visit"/> sees θ₁ = σ(λ) before
    /// each step and the final p. Returns the drawn images [n, D] of 0s and 1s.
    /// </summary>
    public Tensor Sample(int n, Generator stream, int steps, Action<string, Tensor>? visit = null)
    {
        if (steps < 1) throw new GpuGenException($"bfn: sampling needs at least one step, got {steps}", isUsageError: true);
        var device = Sampling.DeviceOf(Network);
        return Sampling.InEvaluationMode(Network, () =>
        {
            var lambda = Tensor.Zeros(Shape.Of(n, Pixels), device);
            for (int i = 1; i <= steps; i++)
            {
                using var scope = new TensorScope();
                double t = (i - 1.0) / steps;
                if (visit is not null) visit($"θ at t = {t:0.##}", Ops.Sigmoid(lambda));
                var p = Ops.Sigmoid(Logits(lambda, Tensor.Full(Shape.Of(n), (float)t, device)));
                var next = Ops.BinaryFlowUpdate(lambda, p, Beta1 * (2 * i - 1) / ((double)steps * steps), stream);
                lambda.Dispose();
                lambda = scope.Keep(next);
            }
            var final = Ops.Sigmoid(Logits(lambda, Tensor.Full(Shape.Of(n), 1f, device)));
            lambda.Dispose();
            visit?.Invoke("p at t = 1", final);
            return Ops.Bernoulli(final, stream);
        });
    }
}
