using GpuGen.Nn;

namespace GpuGen.Models.SelfSupervised;

/// <summary>Which network maps a digit to its representation.</summary>
public enum EncoderKind
{
    /// <summary>784-1024-512, BatchNorm and ReLU after each Linear.</summary>
    Mlp,
    /// <summary>Two 3 × 3 convolutions (32, 64 channels; BatchNorm, ReLU, 2 × 2 max-pool each), then Linear 3136-512, BatchNorm, ReLU.</summary>
    Conv,
}

/// <summary>
/// The networks of the joint-embedding methods: the encoder whose output (512 features after a ReLU) is
/// the representation that the probes score, and the MLP heads on top of it — SimCLR's projector
/// (Linear, BatchNorm, ReLU, Linear), which the loss sees and the probes do not (Chen et al. 2020 found
/// the representation before the projector the better one), and BYOL's predictor of the same shape.
/// </summary>
public static class Encoders
{
    public const int RepresentationDim = 512;

    public static readonly IReadOnlyDictionary<string, EncoderKind> Names = new Dictionary<string, EncoderKind>
    {
        ["mlp"] = EncoderKind.Mlp, ["conv"] = EncoderKind.Conv,
    };

    public static string NameOf(EncoderKind kind) => kind == EncoderKind.Conv ? "conv" : "mlp";

    /// <summary>Images [N, 784] (28 × 28 intensities) to representations [N, 512].</summary>
    public static Sequential Create(EncoderKind kind, Generator generator, Device device, int pixels = 784) => kind switch
    {
        EncoderKind.Conv => new Sequential(
            new Unflatten(1, 28, 28),
            new Conv2d(1, 32, 3, generator, device, padding: 1), new BatchNorm2d(32, device), Activation.Relu(), new MaxPool2d(2),
            new Conv2d(32, 64, 3, generator, device, padding: 1), new BatchNorm2d(64, device), Activation.Relu(), new MaxPool2d(2),
            new Flatten(),
            new Linear(64 * 7 * 7, RepresentationDim, generator, device), new BatchNorm1d(RepresentationDim, device), Activation.Relu()),
        _ => new Sequential(
            new Linear(pixels, 1024, generator, device), new BatchNorm1d(1024, device), Activation.Relu(),
            new Linear(1024, RepresentationDim, generator, device), new BatchNorm1d(RepresentationDim, device), Activation.Relu()),
    };

    /// <summary>An MLP head inputs → hidden → outputs: Linear, BatchNorm, ReLU, Linear.</summary>
    public static Sequential Head(int inputs, int hidden, int outputs, Generator generator, Device device) => new(
        new Linear(inputs, hidden, generator, device), new BatchNorm1d(hidden, device), Activation.Relu(),
        new Linear(hidden, outputs, generator, device));
}
