using GpuGen.Nn;

namespace GpuGen.Models.Gan;

/// <summary>The networks of a GAN on 28 × 28 digits.</summary>
public enum DigitNet
{
    /// <summary>Fully connected G and D (Goodfellow et al.'s MNIST setting).</summary>
    Mlp,
    /// <summary>Transposed-convolution G and strided-convolution D (Radford et al.'s DCGAN).</summary>
    Conv,
}

/// <summary>
/// The generator and critic of <see cref="MnistGan"/>. Every network maps rows of 784 intensities in
/// [0, 1] (the critic's input, the generator's output), so the game, the metrics and the pictures do
/// not depend on the architecture.
/// </summary>
public static class DigitNets
{
    public const int NoiseDim = 100, Pixels = 784;

    /// <summary>G: z (+ one-hot label) → 256 → 512 → 784, ReLU, sigmoid output.</summary>
    public static Sequential MlpGenerator(Generator init, Device device, int classes) => new(
        new Linear(NoiseDim + classes, 256, init, device), Activation.Relu(),
        new Linear(256, 512, init, device), Activation.Relu(),
        new Linear(512, Pixels, init, device), Activation.Sigmoid());

    /// <summary>D: 784 (+ one-hot label) → 512 → 256 → 1 with LeakyReLU(0.2), dropout (p 0.5) after
    /// each hidden layer when a dropout stream is given (the GAN paper's maxout net used dropout).</summary>
    public static Sequential MlpCritic(Generator init, Device device, int classes, Generator? dropout)
    {
        var layers = new List<Module> { new Linear(Pixels + classes, 512, init, device), Activation.LeakyRelu(0.2f) };
        if (dropout is not null) layers.Add(new Dropout(0.5f, dropout));
        layers.AddRange([new Linear(512, 256, init, device), Activation.LeakyRelu(0.2f)]);
        if (dropout is not null) layers.Add(new Dropout(0.5f, dropout));
        layers.Add(new Linear(256, 1, init, device));
        return new Sequential([.. layers]);
    }

    /// <summary>
    /// The DCGAN generator at MNIST's size: z [n, 100] as a 1 × 1 image → ConvT 7×7 → 128 × 7 × 7 →
    /// ConvT 4×4 stride 2 → 64 × 14 × 14 → ConvT 4×4 stride 2 → 1 × 28 × 28, BatchNorm and ReLU between,
    /// tanh at the end (as the paper), then (t + 1)/2 to give intensities in [0, 1]. No biases before
    /// BatchNorm (its β replaces them). Weights N(0, 0.02) and BatchNorm γ N(1, 0.02) (the paper's init).
    /// </summary>
    public static Sequential ConvGenerator(Generator init, Device device)
    {
        var net = new Sequential(
            new Unflatten(NoiseDim, 1, 1),
            new ConvTranspose2d(NoiseDim, 128, 7, init, device, bias: false), new BatchNorm2d(128, device), Activation.Relu(),
            new ConvTranspose2d(128, 64, 4, init, device, stride: 2, padding: 1, bias: false), new BatchNorm2d(64, device), Activation.Relu(),
            new ConvTranspose2d(64, 1, 4, init, device, stride: 2, padding: 1), Activation.Tanh(),
            new Flatten(), Activation.Affine(0.5f, 0.5f));
        DcganInit(net, init);
        return net;
    }

    /// <summary>
    /// The DCGAN discriminator at MNIST's size: intensities x ↦ 2x − 1 (the paper's [−1, 1] range) as
    /// 1 × 28 × 28 → Conv 4×4 stride 2 → 64 × 14 × 14 → Conv 4×4 stride 2 → 128 × 7 × 7 → Linear → 1 logit,
    /// LeakyReLU(0.2) after each convolution, BatchNorm before the second one's activation when
    /// <paramref name="batchNorm"/> (DCGAN; a WGAN-GP critic has none: its penalty is per example).
    /// </summary>
    public static Sequential ConvCritic(Generator init, Device device, bool batchNorm)
    {
        var layers = new List<Module>
        {
            Activation.Affine(2f, -1f), new Unflatten(1, 28, 28),
            new Conv2d(1, 64, 4, init, device, stride: 2, padding: 1), Activation.LeakyRelu(0.2f),
            new Conv2d(64, 128, 4, init, device, stride: 2, padding: 1, bias: !batchNorm),
        };
        if (batchNorm) layers.Add(new BatchNorm2d(128, device));
        layers.AddRange([Activation.LeakyRelu(0.2f), new Flatten(), new Linear(128 * 7 * 7, 1, init, device)]);
        var net = new Sequential([.. layers]);
        DcganInit(net, init);
        return net;
    }

    /// <summary>Radford et al.: every weight N(0, 0.02), BatchNorm's γ (the only weight of rank 1 in
    /// these nets) N(1, 0.02), biases 0.</summary>
    private static void DcganInit(Module net, Generator init)
    {
        foreach (var (path, p) in net.NamedParameters())
        {
            if (path.EndsWith("bias", StringComparison.Ordinal)) Init.Constant(p, 0f);
            else Init.Normal(p, init, p.Rank == 1 ? 1f : 0f, 0.02f);
        }
    }
}
