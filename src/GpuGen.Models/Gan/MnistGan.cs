using GpuGen.Nn;

namespace GpuGen.Models.Gan;

/// <summary>
/// A GAN of MLPs for 28 × 28 digits in [0, 1]: G: z ~ N(0, I₁₀₀) → 256 → 512 → 784 with ReLU and a
/// sigmoid output; D: 784 → 512 → 256 → 1 with LeakyReLU(0.2), and for the original GAN dropout
/// (p 0.5) after each hidden layer as in Goodfellow et al. (a Wasserstein critic keeps none: its
/// penalty assumes a deterministic function). Children <c>generator</c> and <c>critic</c>.
/// </summary>
public sealed class MnistGan : Module
{
    public const int NoiseDim = 100, Pixels = 784;

    public MnistGan(Generator init, Device device, Generator? dropout)
    {
        Device = device;
        Dropout = dropout is not null;
        Generator = AddModule("generator", new Sequential(
            new Linear(NoiseDim, 256, init, device), Activation.Relu(),
            new Linear(256, 512, init, device), Activation.Relu(),
            new Linear(512, Pixels, init, device), Activation.Sigmoid()));
        var critic = new List<Module> { new Linear(Pixels, 512, init, device), Activation.LeakyRelu(0.2f) };
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

    /// <summary>G(z) for z drawn from <paramref name="noise"/>: [n, 784] intensities.</summary>
    public Tensor Sample(int n, Generator noise) => Generator.Forward(Ops.Normal(Shape.Of(n, NoiseDim), noise, Device));

    public override Tensor Forward(Tensor z) => Generator.Forward(z);
}
