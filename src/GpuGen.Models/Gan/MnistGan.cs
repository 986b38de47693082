using GpuGen.Nn;

namespace GpuGen.Models.Gan;

/// <summary>
/// A GAN of MLPs for 28 × 28 digits in [0, 1]: G: z ~ N(0, I₁₀₀) → 256 → 512 → 784 with ReLU and a
/// sigmoid output; D: 784 → 512 → 256 → 1 with LeakyReLU(0.2), and for the original GAN dropout
/// (p 0.5) after each hidden layer as in Goodfellow et al. (a Wasserstein critic keeps none: its
/// penalty assumes a deterministic function). Children <c>generator</c> and <c>critic</c>.
/// Conditional (Mirza &amp; Osindero 2014; <c>classes</c> &gt; 0): the label, one-hot, is concatenated
/// to z at G's input and to the image at D's, so D sees rows [x | y] of 784 + classes values.
/// </summary>
public sealed class MnistGan : Module
{
    public const int NoiseDim = 100, Pixels = 784, Classes = 10;

    public MnistGan(Generator init, Device device, Generator? dropout, int classes = 0)
    {
        if (classes < 0) throw new ArgumentException($"mnist gan: classes must be ≥ 0, got {classes}");
        Device = device;
        Dropout = dropout is not null;
        LabelCount = classes;
        Generator = AddModule("generator", new Sequential(
            new Linear(NoiseDim + classes, 256, init, device), Activation.Relu(),
            new Linear(256, 512, init, device), Activation.Relu(),
            new Linear(512, Pixels, init, device), Activation.Sigmoid()));
        var critic = new List<Module> { new Linear(Pixels + classes, 512, init, device), Activation.LeakyRelu(0.2f) };
        if (dropout is not null) critic.Add(new Nn.Dropout(0.5f, dropout));
        critic.AddRange([new Linear(512, 256, init, device), Activation.LeakyRelu(0.2f)]);
        if (dropout is not null) critic.Add(new Nn.Dropout(0.5f, dropout));
        critic.Add(new Linear(256, 1, init, device));
        Critic = AddModule("critic", new Sequential([.. critic]));
    }

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
