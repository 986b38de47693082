using GpuGen.Nn;

namespace GpuGen.Models.Gan;

/// <summary>
/// A GAN for 28 × 28 digits in [0, 1] (<see cref="DigitNets"/>): with <see cref="DigitNet.Mlp"/>,
/// G: z ~ N(0, I₁₀₀) → 256 → 512 → 784 and D: 784 → 512 → 256 → 1, with for the original GAN
/// dropout (p 0.5) in D as in Goodfellow et al. (a Wasserstein critic keeps none: its penalty
/// assumes a deterministic function); with <see cref="DigitNet.Conv"/>, the DCGAN's
/// transposed-convolution G (BatchNorm, ReLU) and strided-convolution D (LeakyReLU 0.2, BatchNorm
/// when <c>criticBatchNorm</c>: the DCGAN, not the WGAN-GP critic). Children <c>generator</c> and
/// <c>critic</c>. Conditional (Mirza &amp; Osindero 2014; <c>classes</c> &gt; 0, MLP only): the label,
/// one-hot, is concatenated to z at G's input and to the image at D's, so D sees rows [x | y] of
/// 784 + classes values.
/// </summary>
public sealed class MnistGan : Module
{
    public const int NoiseDim = DigitNets.NoiseDim, Pixels = DigitNets.Pixels, Classes = 10;

    public MnistGan(Generator init, Device device, Generator? dropout, int classes = 0, DigitNet net = DigitNet.Mlp, bool criticBatchNorm = false)
    {
        if (classes < 0) throw new ArgumentException($"mnist gan: classes must be ≥ 0, got {classes}");
        if (net == DigitNet.Conv && (classes > 0 || dropout is not null))
            throw new ArgumentException("mnist gan: the convolutional nets take no label and no dropout");
        if (net == DigitNet.Mlp && criticBatchNorm) throw new ArgumentException("mnist gan: BatchNorm in the critic is for the convolutional nets");
        Device = device;
        Net = net;
        Dropout = dropout is not null;
        CriticBatchNorm = criticBatchNorm;
        LabelCount = classes;
        Generator = AddModule("generator", net == DigitNet.Conv ? DigitNets.ConvGenerator(init, device) : DigitNets.MlpGenerator(init, device, classes));
        Critic = AddModule("critic", net == DigitNet.Conv ? DigitNets.ConvCritic(init, device, criticBatchNorm) : DigitNets.MlpCritic(init, device, classes, dropout));
    }

    public DigitNet Net { get; }
    public bool CriticBatchNorm { get; }
    public Sequential Generator { get; }
    public Sequential Critic { get; }
    public Device Device { get; }
    public bool Dropout { get; }

    /// <summary>Classes of the conditioning label (0: unconditional).</summary>
    public int LabelCount { get; }
    public bool Conditional => LabelCount > 0;

    /// <summary>G(z) for z drawn from <paramref name="noise"/>: [n, 784] intensities; a conditional
    /// model draws label i mod classes for sample i (every class equally often).</summary>
    public Tensor Sample(int n, Generator noise) =>
        Conditional ? Sample(Enumerable.Range(0, n).Select(i => i % LabelCount).ToArray(), noise) : Generator.Forward(Ops.Normal(Shape.Of(n, NoiseDim), noise, Device));

    /// <summary>G(z, y) for the given labels (a conditional model): [labels, 784].</summary>
    public Tensor Sample(int[] labels, Generator noise)
    {
        if (!Conditional) throw new GpuGenException("sample: this GAN is not conditional: it takes no label");
        var z = Ops.Normal(Shape.Of(labels.Length, NoiseDim), noise, Device);
        return Generator.Forward(Ops.Concat([z, OneHot(labels)], 1));
    }

    /// <summary>
    /// <paramref name="n"/> samples (for a conditional model, <paramref name="labels"/> or label i mod
    /// classes) without recording, drawn <paramref name="chunk"/> at a time so that a convolutional
    /// generator's intermediate images stay small however many are asked for: [n, 784].
    /// </summary>
    public Tensor SampleMany(int n, Generator noise, int[]? labels = null, int chunk = 250)
    {
        using var noGrad = Autograd.NoGrad();
        if (labels is not null && labels.Length != n) throw new ArgumentException($"sample: {labels.Length} labels for {n} samples");
        var parts = new List<Tensor>();
        using var scope = new TensorScope();
        for (int start = 0; start < n; start += chunk)
        {
            int count = Math.Min(chunk, n - start);
            // each chunk's activations go when the chunk is done (10,000 DCGAN samples held ~5 GB of them)
            using var chunkScope = new TensorScope();
            parts.Add(chunkScope.Keep(!Conditional ? Sample(count, noise)
                : Sample(labels is null ? Enumerable.Range(start, count).Select(i => i % LabelCount).ToArray() : labels[start..(start + count)], noise)));
        }
        var all = parts.Count == 1 ? parts[0] : Ops.Concat([.. parts], 0);
        return scope.Keep(all);
    }

    /// <summary>What the critic scores: the images, with their one-hot labels appended when conditional.</summary>
    public Tensor CriticInput(Tensor images, Tensor labels) => Conditional ? Ops.Concat([images, OneHot(labels)], 1) : images;

    /// <summary>Generated critic inputs for the game: G(z, y) with y = i mod classes, and y appended.</summary>
    public Tensor CriticSamples(int n, Generator noise)
    {
        if (!Conditional) return Sample(n, noise);
        var labels = Enumerable.Range(0, n).Select(i => i % LabelCount).ToArray();
        return Ops.Concat([Sample(labels, noise), OneHot(labels)], 1);
    }

    private Tensor OneHot(int[] labels) => OneHot(Tensor.FromArray(labels.Select(l => (float)l).ToArray(), Device));

    private Tensor OneHot(Tensor labels)
    {
        using var noGrad = Autograd.NoGrad();
        return Ops.Scatter(Tensor.Ones(labels.Shape, Device), labels, LabelCount);
    }

    public override Tensor Forward(Tensor z) => Generator.Forward(z);
}
