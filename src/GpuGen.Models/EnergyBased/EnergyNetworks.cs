using GpuGen.Nn;

namespace GpuGen.Models.EnergyBased;

/// <summary>The network that gives a digit its energy.</summary>
public enum EnergyNet
{
    /// <summary>784 → width × depth → 1, Swish between.</summary>
    Mlp,
    /// <summary>Two strided 4 × 4 convolutions (1 → 32 → 64 channels, 28 → 14 → 7) and a linear read-out, Swish between.</summary>
    Conv,
}

/// <summary>
/// Energy networks E_θ: rows of values → one scalar per row (low energy: likely). Every one uses
/// Swish (x·σ(x)) between its layers: it is smooth, so ∇ₓE is continuous and Langevin dynamics
/// follows a gradient that does not jump between linear pieces as a ReLU network's would.
/// </summary>
public static class EnergyNetworks
{
    public const int Pixels = 784;

    /// <summary>For 2-D points: 2 → width × depth → 1 (Du &amp; Mordatch's toys used a small MLP too).</summary>
    public static Sequential Toy(Generator init, Device device, int width, int depth) =>
        Sequential.Mlp([2, .. Enumerable.Repeat(width, depth), 1], Activation.Silu, init, device);

    /// <summary>For digits as rows of 784 intensities in [0, 1].</summary>
    public static Sequential Digits(EnergyNet net, Generator init, Device device, int width, int depth) => net switch
    {
        EnergyNet.Conv => new Sequential(
            new Unflatten(1, 28, 28),
            new Conv2d(1, 32, 4, init, device, stride: 2, padding: 1), Activation.Silu(),
            new Conv2d(32, 64, 4, init, device, stride: 2, padding: 1), Activation.Silu(),
            new Flatten(), new Linear(64 * 7 * 7, 1, init, device)),
        _ => Sequential.Mlp([Pixels, .. Enumerable.Repeat(width, depth), 1], Activation.Silu, init, device),
    };

    /// <summary>The network <paramref name="spec"/> describes, initialised from <paramref name="init"/>.</summary>
    public static Sequential Build(EnergySpec spec, Generator init, Device device) =>
        spec.Digits ? Digits(spec.Net, init, device, spec.Width, spec.Depth) : Toy(init, device, spec.Width, spec.Depth);

    public static string NameOf(EnergyNet net) => net == EnergyNet.Conv ? "conv" : "mlp";

    public static readonly IReadOnlyDictionary<string, EnergyNet> Names = new Dictionary<string, EnergyNet>
    {
        ["mlp"] = EnergyNet.Mlp, ["conv"] = EnergyNet.Conv,
    };
}

/// <summary>
/// An energy network's shape: for digits or 2-D points, which network, and an MLP's hidden width and
/// number of hidden layers (the convolutional net's sizes are fixed).
/// </summary>
public sealed record EnergySpec(bool Digits, EnergyNet Net, int Width, int Depth)
{
    public SampleDomain Domain => Digits ? SampleDomain.Digits : SampleDomain.Toy;

    /// <summary>The spec as checkpoint metadata.</summary>
    public Dictionary<string, string> ToMetadata() => new()
    {
        ["net"] = EnergyNetworks.NameOf(Net),
        ["width"] = Width.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["depth"] = Depth.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
