using GpuGen.Nn;

namespace GpuGen.Models.GumbelVae;

/// <summary>
/// The categorical VAE of Jang, Gu &amp; Poole (2017): N categorical latent variables of K classes
/// (default 20 × 10) sampled with the Gumbel-softmax relaxation at temperature τ — soft, or
/// straight-through (one-hot forward, relaxed gradient) — encoder 784-512-256 and decoder
/// 256-512-784 with ReLU, Bernoulli likelihood, and the KL to the uniform categorical prior:
/// KL(q ‖ U) = Σ_n Σ_k q_nk·log(K·q_nk).
/// </summary>
public sealed class GumbelVae : Module
{
    public GumbelVae(Generator generator, Device? device = null, int inputs = 784, int variables = 20, int classes = 10, bool straightThrough = false)
    {
        if (inputs <= 0 || variables <= 0 || classes < 2) throw new ArgumentException($"gumbel-vae: need positive sizes and at least 2 classes, got {inputs}, {variables}×{classes}");
        (Inputs, Variables, Classes, StraightThrough, Sampler) = (inputs, variables, classes, straightThrough, generator);
        Encoder = AddModule("encoder", new Sequential(
            new Linear(inputs, 512, generator, device), Activation.Relu(),
            new Linear(512, 256, generator, device), Activation.Relu(),
            new Linear(256, variables * classes, generator, device)));
        Decoder = AddModule("decoder", new Sequential(
            new Linear(variables * classes, 256, generator, device), Activation.Relu(),
            new Linear(256, 512, generator, device), Activation.Relu(),
            new Linear(512, inputs, generator, device)));
    }

    public int Inputs { get; }
    public int Variables { get; }
    public int Classes { get; }
    public bool StraightThrough { get; }
    public Generator Sampler { get; }
    public Sequential Encoder { get; }
    public Sequential Decoder { get; }

    /// <summary>The temperature for this forward pass (annealed by the trainer: <see cref="Anneal"/>).</summary>
    public float Temperature { get; set; } = 1f;

    /// <summary>Jang et al.'s schedule τ = max(τ_min, τ₀·exp(−r·step)); with r = ln(τ₀/τ_min)/steps it reaches τ_min at the end of training.</summary>
    public static float Anneal(int step, int totalSteps, float start = 1f, float minimum = 0.5f) =>
        Math.Max(minimum, start * MathF.Exp(-MathF.Log(start / minimum) * step / Math.Max(1, totalSteps)));

    /// <summary>Logits of q(c|x): [b, N, K].</summary>
    public Tensor Logits(Tensor x) => Encoder.Forward(x).Reshape(x.Shape[0], Variables, Classes);

    /// <summary>q(c|x) flattened, [b, N·K]: the representation for nearest-neighbour accuracy.</summary>
    public Tensor Code(Tensor x) => Ops.Softmax(Logits(x), -1).Reshape(x.Shape[0], Variables * Classes);

    public Tensor Decode(Tensor c) => Decoder.Forward(c);

    /// <summary>Reconstruction logits through one relaxed sample.</summary>
    public override Tensor Forward(Tensor x) =>
        Decode(Ops.GumbelSoftmax(Logits(x), Temperature, Sampler, StraightThrough).Reshape(x.Shape[0], Variables * Classes));

    /// <summary>The training loss: −ELBO with one sample at the current <see cref="Temperature"/> (relaxed,
    /// or one-hot forward when straight-through) from the training stream, averaged over the batch.</summary>
    public Models.Vae.VaeLoss Loss(Tensor x, Tensor targets) => Loss(x, targets, Sampler, Temperature, StraightThrough);

    /// <summary>
    /// −ELBO = E_q[−log p(x|c)] + KL(q ‖ U) with one sample c from <paramref name="noise"/>. With
    /// <paramref name="hard"/> the sample is one-hot: argmax(logits + g), the Gumbel-max trick, an
    /// exact draw of the discrete q(c|x) whatever τ, so its −ELBO is an unbiased estimate of the
    /// discrete model's bound on −log p(x) (what a test score must be). Relaxed, the sample is the
    /// softmax((logits + g)/τ), which the decoder never sees in the discrete model: that value bounds
    /// nothing, and is reported only under its own name.
    /// </summary>
    public Models.Vae.VaeLoss Loss(Tensor x, Tensor targets, Generator noise, float temperature, bool hard)
    {
        int b = x.Shape[0];
        var logits = Logits(x);
        var sample = Ops.GumbelSoftmax(logits, temperature, noise, hard).Reshape(b, Variables * Classes);
        var reconstruction = Ops.Sum(Ops.BceWithLogits(Decode(sample), targets), 1);
        var logQ = Ops.LogSoftmax(logits, -1);
        var kl = Ops.Sum(Ops.Mul(Ops.Exp(logQ), Ops.Add(logQ, MathF.Log(Classes))).Reshape(b, Variables * Classes), 1);
        return new Models.Vae.VaeLoss(Ops.Mean(Ops.Add(reconstruction, kl)), Ops.Mean(reconstruction), Ops.Mean(kl));
    }

    /// <summary>Decodings of codes drawn from the uniform prior: one-hot per variable.</summary>
    public Tensor SamplePrior(int count, Device device, Generator? noise = null)
    {
        using var uniform = Tensor.Ones(Shape.Of(count * Variables, Classes), device);
        var picks = Ops.Categorical(uniform, noise ?? Sampler);
        using var classIndex = Tensor.Arange(0, Classes, 1, device);
        var oneHot = Ops.Equal(picks.Reshape(-1, 1), classIndex.Reshape(1, -1)).Reshape(count, Variables * Classes);
        return Ops.Sigmoid(Decode(oneHot));
    }
}
