using GpuGen.Nn;

namespace GpuGen.Models.Vae;

/// <summary>The terms of a VAE's loss for a batch, each averaged over the batch, in nats.</summary>
/// <param name="NegativeElbo">−ELBO = reconstruction + KL: the loss to minimise.</param>
/// <param name="Reconstruction">−E_q[log p(x|z)], one sample.</param>
/// <param name="Kl">KL(q(z|x) ‖ N(0, I)), analytic.</param>
public sealed record VaeLoss(Tensor NegativeElbo, Tensor Reconstruction, Tensor Kl);

/// <summary>
/// The variational autoencoder of Kingma &amp; Welling (2014): a Gaussian encoder
/// q(z|x) = N(μ(x), diag σ²(x)) with one ReLU hidden layer, a Bernoulli decoder p(x|z) with
/// one ReLU hidden layer and logits out, prior N(0, I). With intensities in [0, 1] as targets
/// (as in the paper's and PyTorch's examples), log p(x|z) = −Σ BCE(logits, x).
/// Parameter paths: encoder.fc1, encoder.mu, encoder.log_var, decoder.fc1, decoder.out.
/// </summary>
public sealed class Vae : Module
{
    public Vae(Generator generator, Device? device = null, int inputs = 784, int hidden = 400, int latent = 20)
    {
        if (inputs <= 0 || hidden <= 0 || latent <= 0)
            throw new ArgumentException($"vae: sizes must be positive, got {inputs}-{hidden}-{latent}");
        (Inputs, Hidden, Latent) = (inputs, hidden, latent);
        Encoder = AddModule("encoder", new GaussianEncoder(inputs, hidden, latent, generator, device));
        Decoder = AddModule("decoder", new Sequential(
            new Linear(latent, hidden, generator, device), Activation.Relu(), new Linear(hidden, inputs, generator, device)));
        Sampler = generator;
    }

    public int Inputs { get; }
    public int Hidden { get; }
    public int Latent { get; }
    public GaussianEncoder Encoder { get; }
    public Sequential Decoder { get; }

    /// <summary>The generator the reparameterization draws ε from.</summary>
    public Generator Sampler { get; }

    /// <summary>Reconstruction logits of x through one sampled z.</summary>
    public override Tensor Forward(Tensor x)
    {
        var (mu, logVar) = Encoder.Encode(x);
        return Decoder.Forward(Ops.Reparameterize(mu, logVar, Sampler));
    }

    /// <summary>Decoder logits for latent codes z [n, latent]; Sigmoid gives pixel probabilities.</summary>
    public Tensor Decode(Tensor z) => Decoder.Forward(z);

    /// <summary>−ELBO of x against targets (x itself, or its binarization) with one sample of z,
    /// whose noise comes from <paramref name="noise"/> (default: the training stream, <see cref="Sampler"/>;
    /// evaluation passes its own, so that scoring the model leaves training unchanged).</summary>
    public VaeLoss Loss(Tensor x, Tensor targets, Generator? noise = null)
    {
        var (mu, logVar) = Encoder.Encode(x);
        var logits = Decoder.Forward(Ops.Reparameterize(mu, logVar, noise ?? Sampler));
        var reconstruction = Ops.Sum(Ops.BceWithLogits(logits, targets), 1);                          // [b]
        // KL(N(μ, σ²) ‖ N(0, 1)) = −½ Σ (1 + log σ² − μ² − σ²)   (the paper's appendix B)
        var kl = Ops.Mul(Ops.Sum(Ops.Sub(Ops.Sub(Ops.Add(logVar, 1f), Ops.Square(mu)), Ops.Exp(logVar)), 1), -0.5f);
        return new VaeLoss(Ops.Mean(Ops.Add(reconstruction, kl)), Ops.Mean(reconstruction), Ops.Mean(kl));
    }

    /// <summary>
    /// The importance-weighted bound on −log p(x) with k samples (Burda et al. 2016), per example:
    /// −log (1/k) Σ_j p(x|z_j)·p(z_j)/q(z_j|x), z_j ~ q(z|x), through a stable log-sum-exp. All k·b
    /// samples go through the decoder as one batch. Tighter than −ELBO, and exact as k → ∞.
    /// </summary>
    public Tensor ImportanceWeightedBound(Tensor x, Tensor targets, int k, Generator? noise = null)
    {
        if (k < 1) throw new ArgumentException($"iwae: need at least one sample, got {k}");
        int b = x.Shape[0];
        var (mu, logVar) = Encoder.Encode(x);
        var eps = Ops.Normal(Shape.Of(k, b, Latent), noise ?? Sampler, x.Device);
        var muK = Ops.Expand(mu.Reshape(1, b, Latent), eps.Shape);
        var logVarK = Ops.Expand(logVar.Reshape(1, b, Latent), eps.Shape);
        var z = Ops.Reparameterize(muK, logVarK, eps);                                                 // [k, b, L]
        var logits = Decoder.Forward(z.Reshape(k * b, Latent));                                         // [k·b, D]
        var targetsK = Ops.Expand(targets.Reshape(1, b, Inputs), Shape.Of(k, b, Inputs)).Reshape(k * b, Inputs);
        var logPxz = Ops.Neg(Ops.Sum(Ops.BceWithLogits(logits, targetsK), 1)).Reshape(k, b);
        // log p(z) − log q(z|x) = Σ −½(z² + log 2π) + ½(ε² + log σ² + log 2π) = ½ Σ (ε² + log σ² − z²)
        var logRatio = Ops.Mul(Ops.Sum(Ops.Sub(Ops.Add(Ops.Square(eps), logVarK), Ops.Square(z)), 2), 0.5f);  // [k, b]
        var logWeights = Ops.Add(logPxz, logRatio);
        return Ops.Neg(Ops.Sub(Ops.LogSumExp(logWeights, 0), MathF.Log(k)));                             // [b]
    }

    /// <summary>μ(x): the latent code used for nearest-neighbour classification and interpolation.</summary>
    public Tensor Code(Tensor x) => Encoder.Encode(x).Mu;
}

/// <summary>x → ReLU(fc1) → (μ, log σ²), two linear heads.</summary>
public sealed class GaussianEncoder : Module
{
    public GaussianEncoder(int inputs, int hidden, int latent, Generator generator, Device? device)
    {
        Fc1 = AddModule("fc1", new Linear(inputs, hidden, generator, device));
        Mu = AddModule("mu", new Linear(hidden, latent, generator, device));
        LogVar = AddModule("log_var", new Linear(hidden, latent, generator, device));
    }

    public Linear Fc1 { get; }
    public Linear Mu { get; }
    public Linear LogVar { get; }

    public (Tensor Mu, Tensor LogVar) Encode(Tensor x)
    {
        var h = Ops.Relu(Fc1.Forward(x));
        return (Mu.Forward(h), LogVar.Forward(h));
    }

    public override Tensor Forward(Tensor x) => Encode(x).Mu;
}
