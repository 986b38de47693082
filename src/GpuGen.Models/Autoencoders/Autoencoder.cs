using GpuGen.Nn;

namespace GpuGen.Models.Autoencoders;

/// <summary>How an autoencoder scores a reconstruction.</summary>
public enum ReconstructionLoss
{
    /// <summary>Σ (x̂ − x)² per image, x̂ = σ(logits).</summary>
    SquaredError,
    /// <summary>Σ BCE(logits, x) per image: x as Bernoulli probabilities.</summary>
    Bernoulli,
}

/// <summary>What a denoising autoencoder does to its input before encoding it.</summary>
public enum Corruption
{
    None,
    /// <summary>x + N(0, σ²) (Vincent et al. 2008 use both kinds).</summary>
    Gaussian,
    /// <summary>Each pixel set to 0 with probability p.</summary>
    Masking,
}

/// <summary>The loss of an autoencoder for a batch, each term averaged over the batch.</summary>
public sealed record AutoencoderLoss(Tensor Total, Tensor Reconstruction, Tensor? Penalty);

/// <summary>
/// The autoencoder family: a one-hidden-layer sigmoid encoder h = σ(W·x + b) and a decoder
/// x̂ = σ(W'·h + b'). Plain (AE), denoising (DAE: the input is corrupted, the target is the clean
/// x; Vincent et al. 2008) or contractive (CAE: + λ‖∂h/∂x‖²_F; Rifai et al. 2011). The codes h
/// are the representation (k-NN accuracy, interpolation).
/// </summary>
public sealed class Autoencoder : Module
{
    public Autoencoder(Generator generator, Device? device = null, int inputs = 784, int hidden = 400,
        ReconstructionLoss loss = ReconstructionLoss.Bernoulli, Corruption corruption = Corruption.None, float noise = 0.3f,
        float contraction = 0f, bool contractionThroughTape = false)
    {
        if (inputs <= 0 || hidden <= 0) throw new ArgumentException($"autoencoder: sizes must be positive, got {inputs}-{hidden}");
        if (!(noise >= 0) || (corruption == Corruption.Masking && noise >= 1)) throw new ArgumentException($"autoencoder: noise level {noise} is out of range");
        if (!(contraction >= 0)) throw new ArgumentException($"autoencoder: the contraction weight must be ≥ 0, got {contraction}");
        (Inputs, Hidden, LossKind, CorruptionKind, Noise, Contraction, ContractionThroughTape) = (inputs, hidden, loss, corruption, noise, contraction, contractionThroughTape);
        Encoder = AddModule("encoder", new Linear(inputs, hidden, generator, device));
        Decoder = AddModule("decoder", new Linear(hidden, inputs, generator, device));
        Sampler = generator;
    }

    public int Inputs { get; }
    public int Hidden { get; }
    public ReconstructionLoss LossKind { get; }
    public Corruption CorruptionKind { get; }
    public float Noise { get; }
    public float Contraction { get; }
    public bool ContractionThroughTape { get; }
    public Linear Encoder { get; }
    public Linear Decoder { get; }
    public Generator Sampler { get; }

    /// <summary>The code h = σ(W·x + b).</summary>
    public Tensor Code(Tensor x) => Ops.Sigmoid(Encoder.Forward(x));

    /// <summary>Decoder logits for codes h; σ gives the reconstruction.</summary>
    public Tensor Decode(Tensor h) => Decoder.Forward(h);

    public override Tensor Forward(Tensor x) => Ops.Sigmoid(Decode(Code(x)));

    /// <summary>Reconstruction of the clean x from (in training, for a DAE) its corruption, plus the contraction penalty.</summary>
    public AutoencoderLoss Loss(Tensor x)
    {
        var input = Training ? Corrupt(x) : x;
        if (Contraction > 0 && ContractionThroughTape && !input.RequiresGrad)
        {
            input = input.Detach();
            input.RequiresGrad = true; // the penalty differentiates h with respect to the input
        }
        var h = Code(input);
        var logits = Decode(h);
        var reconstruction = LossKind == ReconstructionLoss.Bernoulli
            ? Ops.Mean(Ops.Sum(Ops.BceWithLogits(logits, x), 1))
            : Ops.Mean(Ops.Sum(Ops.Square(Ops.Sub(Ops.Sigmoid(logits), x)), 1));
        if (Contraction == 0) return new AutoencoderLoss(reconstruction, reconstruction, null);
        var penalty = ContractionThroughTape ? Contractive.ThroughTape(h, input) : Contractive.SigmoidClosedForm(h, Encoder.Weight);
        return new AutoencoderLoss(Ops.Add(reconstruction, Ops.Mul(penalty, Contraction)), reconstruction, penalty);
    }

    private Tensor Corrupt(Tensor x)
    {
        switch (CorruptionKind)
        {
            case Corruption.Gaussian:
                using (Autograd.NoGrad()) return Ops.Add(x, Ops.Normal(x.Shape, Sampler, x.Device, 0f, Noise));
            case Corruption.Masking:
                using (Autograd.NoGrad())
                {
                    var keep = Ops.Bernoulli(Tensor.Full(x.Shape, 1f - Noise, x.Device), Sampler);
                    return Ops.Mul(x, keep);
                }
            default:
                return x;
        }
    }
}

/// <summary>The contractive penalty ‖∂h/∂x‖²_F, averaged over the batch (Rifai et al. 2011, eq. 2).</summary>
public static class Contractive
{
    /// <summary>
    /// For h = σ(W·x + b): ∂h_j/∂x_i = h_j(1 − h_j)·W_ji, so ‖J‖²_F = Σ_j (h_j(1 − h_j))²·Σ_i W_ji²
    /// (the paper's eq. 3): two reductions instead of a Jacobian.
    /// </summary>
    public static Tensor SigmoidClosedForm(Tensor h, Tensor weight)
    {
        var slope = Ops.Square(Ops.Mul(h, Ops.Sub(1f, h)));          // [b, hidden]
        var rowNorms = Ops.Sum(Ops.Square(weight), 1);                  // [hidden]
        return Ops.Mean(Ops.Sum(Ops.Mul(slope, rowNorms), 1));
    }

    /// <summary>
    /// Any encoder: the Jacobian's rows through the tape, one backward per code unit (a one-hot
    /// gradOutput per column gives ∂h_j/∂x for the whole batch at once, examples being
    /// independent), each recorded (createGraph) so the penalty trains the encoder: gradients
    /// of gradients. Cost: one backward per unit — the closed form is the fast path.
    /// </summary>
    public static Tensor ThroughTape(Tensor h, Tensor x)
    {
        int batch = h.Shape[0], units = h.Shape[1];
        Tensor? total = null;
        for (int j = 0; j < units; j++)
        {
            var oneHot = new float[batch * units];
            for (int b = 0; b < batch; b++) oneHot[b * units + j] = 1f;
            var column = Tensor.FromArray(oneHot, h.Shape, h.Device);
            var row = Autograd.Grad([h], [x], [column], createGraph: true, retainGraph: true)[0];   // ∂h_j/∂x per example
            var squares = Ops.Sum(Ops.Square(row));
            total = total is null ? squares : Ops.Add(total, squares);
        }
        return Ops.Div(total!, batch);
    }
}
