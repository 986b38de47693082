namespace GpuGen.Models.Diffusion;

/// <summary>
/// A Bayesian Flow Network for discrete data with K classes a variable (Graves et al. 2023, §6): here each
/// pixel's intensity in one of K equal classes, k = min(⌊K·v⌋, K − 1), treated as unordered categories (the
/// discretised flow, <see cref="DiscretisedBfn"/>, uses their order). The input distribution θ is held as
/// logits in K planes [B, K, D] (see CategoricalFlowKernels); accuracy schedule β(t) = β₁t²; the network
/// reads the K planes of 2θ − 1 and t and gives K planes of logits, p_O = softmax over the planes. All
/// losses per image, summed over pixels, in nats:
/// <code>
/// L^∞ = K·β₁·t·‖e_x − p̂‖²,  t ~ U(0, 1), θ from the flow distribution at t
/// L^n = Σ_{i=1}^{n} E[ln N(y | α_i(Ke_x − 1), α_iK) − ln Σ_k p_O(k)·N(y | α_i(Ke_k − 1), α_iK)],
///       α_i = β₁(2i − 1)/n², the flow at t_{i−1} = (i − 1)/n; the Gaussians differ across k only by e^{y_k},
///       so each pixel's term is −ln Σ_k p_O(k)·e^{y_k − y_x}
/// L^r = −E ln p_O(x | θ; 1), θ from the flow distribution at t = 1
/// </code>
/// With K = 2 this is <see cref="BinaryBfn"/> written in two planes.
/// </summary>
public sealed class CategoricalBfn : IDigitFlow
{
    public CategoricalBfn(DenoisingNetwork network, double beta1, int classes, int pixels = 784)
    {
        if (classes < 2) throw new GpuGenException($"bfn: discrete data needs at least 2 classes (K ≥ 2), got {classes}", isUsageError: true);
        if (network is IDigitNetwork digits && digits.OutputsPerPixel != classes)
            throw new ArgumentException($"bfn: {classes} classes need a network with {classes} outputs a pixel, got {digits.OutputsPerPixel}");
        Beta1 = beta1 > 0 && double.IsFinite(beta1) ? beta1 : throw new GpuGenException($"bfn: β₁ must be positive, got {beta1}", isUsageError: true);
        (Network, Classes, Pixels) = (network, classes, pixels);
    }

    public string Kind => "categorical";
    public DenoisingNetwork Network { get; }
    public int Classes { get; }
    public int Pixels { get; }
    public bool Binarized => false;

    /// <summary>β₁, the accuracy at t = 1.</summary>
    public double Beta1 { get; }

    /// <summary>The class of each intensity in [0, 1]: k = min(⌊K·v⌋, K − 1), as floats [B, D].</summary>
    public Tensor Prepare(Tensor images) => Ops.Minimum(Ops.Floor(Ops.Mul(images, (float)Classes)), Classes - 1f);

    /// <summary>The one-hot planes e_x [B, K, D] of the classes [B, D].</summary>
    public Tensor OneHot(Tensor classes) =>
        Ops.Equal(classes.Reshape(classes.Shape[0], 1, Pixels), Tensor.Arange(0, Classes, 1, classes.Device).Reshape(1, Classes, 1));

    /// <summary>The output distribution's log-probabilities [B, K, D] for input logits [B, K, D] at the times [B].</summary>
    public Tensor LogProbabilities(Tensor logits, Tensor times)
    {
        var input = Ops.Sub(Ops.Mul(Ops.Softmax(logits, 1), 2f), 1f);
        return Ops.LogSoftmax(Network.Forward(input, times).Reshape(logits.Shape[0], Classes, Pixels), 1);
    }

    private Tensor Accuracy(Tensor times) => Ops.Mul(Ops.Square(times), (float)Beta1);

    /// <summary>L^∞ averaged over the batch of classes x [B, D].</summary>
    public Tensor Loss(Tensor x, Generator stream) => Ops.Mean(ContinuousLoss(x, stream));

    /// <summary>L^∞ per image [B] (one draw of t and the flow each).</summary>
    public Tensor ContinuousLoss(Tensor x, Generator stream)
    {
        int batch = x.Shape[0];
        var times = Ops.Uniform(Shape.Of(batch), stream, x.Device);
        var logits = Ops.CategoricalFlowEvidence(x, Accuracy(times), Classes, stream);
        var error = Ops.Sum(Ops.Square(Ops.Sub(OneHot(x), Ops.Exp(LogProbabilities(logits, times)))).Reshape(batch, -1), 1);
        return Ops.Mul(Ops.Mul(times, (float)(Classes * Beta1)), error);
    }

    /// <summary>L^n per image [B]: every step i = 1 … n enumerated, one draw of the flow and of the sender's sample each.</summary>
    public Tensor DiscreteLoss(Tensor x, int steps, Generator stream)
    {
        if (steps < 1) throw new ArgumentException($"bfn: the n-step loss needs n ≥ 1, got {steps}");
        int batch = x.Shape[0];
        var onehot = OneHot(x);
        var total = Tensor.Zeros(Shape.Of(batch), x.Device);
        for (int i = 1; i <= steps; i++)
        {
            using var scope = new TensorScope();
            double t = (i - 1.0) / steps, alpha = Beta1 * (2 * i - 1) / ((double)steps * steps);
            var times = Tensor.Full(Shape.Of(batch), (float)t, x.Device);
            var logProbabilities = LogProbabilities(Ops.CategoricalFlowEvidence(x, Accuracy(times), Classes, stream), times);
            var sender = Ops.CategoricalFlowEvidence(x, Tensor.Full(Shape.Of(batch), (float)alpha, x.Device), Classes, stream);
            var senderAtX = Ops.Sum(Ops.Mul(onehot, sender), 1);                                    // y_x [B, D]
            var term = Ops.Sub(senderAtX, Ops.LogSumExp(Ops.Add(logProbabilities, sender), 1));     // −ln Σ_k p_k·e^{y_k − y_x} [B, D]
            var next = Ops.Add(total, Ops.Sum(term, 1));
            total.Dispose();
            total = scope.Keep(next);
        }
        return total;
    }

    /// <summary>L^r per image [B]: −ln p_O(x | θ; 1) with θ from the flow at t = 1.</summary>
    public Tensor ReconstructionLoss(Tensor x, Generator stream)
    {
        int batch = x.Shape[0];
        var ones = Tensor.Full(Shape.Of(batch), 1f, x.Device);
        var logProbabilities = LogProbabilities(Ops.CategoricalFlowEvidence(x, Accuracy(ones), Classes, stream), ones);
        return Ops.Neg(Ops.Sum(Ops.Mul(OneHot(x), logProbabilities).Reshape(batch, -1), 1));
    }

    /// <summary>The intensities (k + ½)/K [B, D] of classes, or the expected intensity Σ_k θ_k·(k + ½)/K of planes of probabilities [B, K, D].</summary>
    private Tensor Intensities(Tensor planes) =>
        Ops.Sum(Ops.Mul(planes, Ops.Mul(Ops.Add(Tensor.Arange(0, Classes, 1, planes.Device), 0.5f), 1f / Classes).Reshape(1, Classes, 1)), 1);

    /// <summary>
    /// n images by <paramref name="steps"/> steps of Algorithm 9: from the uniform prior (logits 0), for
    /// i = 1 … n, p = p_O(θ, (i − 1)/n), k ~ p per pixel, logits += α_i(Ke_k − 1) + √(α_iK)·ε; at the end each
    /// pixel's class is drawn from p_O(θ, 1). Returns the intensities (k + ½)/K [n, D]; <paramref name="visit"/>
    /// sees the expected intensity under θ before each step and under the final p.
    /// </summary>
    public Tensor Sample(int n, Generator stream, int steps, Action<string, Tensor>? visit = null)
    {
        if (steps < 1) throw new GpuGenException($"bfn: sampling needs at least one step, got {steps}", isUsageError: true);
        var device = Sampling.DeviceOf(Network);
        return Sampling.InEvaluationMode(Network, () =>
        {
            var logits = Tensor.Zeros(Shape.Of(n, Classes, Pixels), device);
            for (int i = 1; i <= steps; i++)
            {
                using var scope = new TensorScope();
                double t = (i - 1.0) / steps;
                if (visit is not null) visit($"θ at t = {t:0.##}", Intensities(Ops.Softmax(logits, 1)));
                var p = Ops.Exp(LogProbabilities(logits, Tensor.Full(Shape.Of(n), (float)t, device)));
                var next = Ops.CategoricalFlowUpdate(logits, p, Beta1 * (2 * i - 1) / ((double)steps * steps), stream);
                logits.Dispose();
                logits = scope.Keep(next);
            }
            var final = Ops.Exp(LogProbabilities(logits, Tensor.Full(Shape.Of(n), 1f, device)));
            logits.Dispose();
            visit?.Invoke("p at t = 1", Intensities(final));
            var classes = Ops.Categorical(Ops.Permute(final, 0, 2, 1).Reshape(n * Pixels, Classes), stream).Reshape(n, Pixels);
            return Ops.Mul(Ops.Add(classes, 0.5f), 1f / Classes);
        });
    }
}
