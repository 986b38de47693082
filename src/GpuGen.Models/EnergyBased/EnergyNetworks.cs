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

    /// <summary>
    /// For 2-D points: 2 → width × depth → 1 (Du &amp; Mordatch's toys used a small MLP too), its first
    /// layer's initial weights and biases multiplied by <paramref name="inputScale"/>. An MLP learns
    /// the fine detail of a low-dimensional input slowly (its "spectral bias": the wide, smooth
    /// features of PyTorch's initialisation vary over about one unit, the modes of the toys over
    /// hundredths); with the default initialisation the energy learned the 8 Gaussians' ring but
    /// never its modes, with the first layer ×15 it does (measured in the README). The same cure as
    /// the first-layer frequency ω₀ of SIREN (Sitzmann et al. 2020) or Fourier features (Tancik et
    /// al. 2020), here as a scale of the ordinary first layer.
    /// </summary>
    public static Sequential Toy(Generator init, Device device, int width, int depth, float inputScale = 1f)
    {
        var net = Sequential.Mlp([2, .. Enumerable.Repeat(width, depth), 1], Activation.Silu, init, device);
        if (inputScale != 1f)
            using (Autograd.NoGrad())
            {
                var first = (Linear)net.Layers[0];
                Ops.Scale(first.Weight, inputScale);
                Ops.Scale(first.Bias!, inputScale);
            }
        return net;
    }

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
        spec.Digits ? Digits(spec.Net, init, device, spec.Width, spec.Depth) : Toy(init, device, spec.Width, spec.Depth, spec.InputScale);

    public static string NameOf(EnergyNet net) => net == EnergyNet.Conv ? "conv" : "mlp";

    public static readonly IReadOnlyDictionary<string, EnergyNet> Names = new Dictionary<string, EnergyNet>
    {
        ["mlp"] = EnergyNet.Mlp, ["conv"] = EnergyNet.Conv,
    };
}

/// <summary>
/// An energy network's shape: for digits or 2-D points, which network, and an MLP's hidden width and
/// number of hidden layers (the convolutional net's sizes are fixed); for the toys, the scale of the
/// first layer's initialisation (<see cref="EnergyNetworks.Toy"/>: it matters only to a new network,
/// a checkpoint's weights replace it, so it is recorded with the run's options, not in the metadata
/// that a resumed run must match: runs saved before it existed resume as they were).
/// </summary>
public sealed record EnergySpec(bool Digits, EnergyNet Net, int Width, int Depth, float InputScale = 1f)
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
