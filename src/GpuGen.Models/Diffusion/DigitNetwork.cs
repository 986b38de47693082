using System.Globalization;
using GpuGen.Models.Runner;

namespace GpuGen.Models.Diffusion;

/// <summary>A network over the pixels of a digit: <see cref="DigitFlowMlp"/> or <see cref="UNet"/>. Its output
/// [B, OutputsPerPixel·Pixels] (or [B, OutputsPerPixel, 28, 28]) holds one plane of Pixels values per output.</summary>
public interface IDigitNetwork
{
    int Pixels { get; }
    int OutputsPerPixel { get; }
}

/// <summary>
/// Which network a digit model uses (<c>--net mlp|unet</c>) and its sizes, as the command line gives them
/// and a checkpoint records them (metadata 'net'; 'width' and 'depth' for the MLP, 'channels' for the
/// U-Net; 'time_scale'). The time scale maps the model's time onto what the network reads: a BFN's
/// t ∈ [0, 1] is scaled by 1000 for the U-Net's sinusoidal embedding (made for whole timesteps), a DDPM's
/// t ∈ {0 … T − 1} by 1/T for the MLP's single time input.
/// </summary>
public sealed record DigitNetworkSpec(string Net, int Width, int Depth, int Channels, float TimeScale)
{
    public static readonly string[] Names = ["mlp", "unet"];

    /// <summary>A new network with <paramref name="outputsPerPixel"/> planes out, initialised from <paramref name="init"/>.</summary>
    public DenoisingNetwork Create(Generator init, Device device, int outputsPerPixel, int pixels = 784, int inputsPerPixel = 1) => Net switch
    {
        "mlp" => new DigitFlowMlp(init, device, outputsPerPixel, pixels, Width, Depth, TimeScale, inputsPerPixel),
        "unet" when pixels == 784 => new UNet(init, device, inputsPerPixel, outputsPerPixel, Channels, TimeScale),
        "unet" => throw new GpuGenException($"--net unet: the U-Net reads 28 × 28 digits, got {pixels} pixels", isUsageError: true),
        _ => throw new GpuGenException($"unknown --net '{Net}': expected {string.Join(" or ", Names)}", isUsageError: true),
    };

    /// <summary>The entries a checkpoint records for this network.</summary>
    public IEnumerable<KeyValuePair<string, string>> Metadata()
    {
        yield return new("net", Net);
        if (Net == "mlp")
        {
            yield return new("width", Width.ToString(CultureInfo.InvariantCulture));
            yield return new("depth", Depth.ToString(CultureInfo.InvariantCulture));
        }
        else yield return new("channels", Channels.ToString(CultureInfo.InvariantCulture));
        yield return new("time_scale", TimeScale.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>The network a checkpoint records; <paramref name="defaultNet"/> for checkpoints written before
    /// 'net' was recorded, and a time scale of 1 before 'time_scale' was.</summary>
    public static DigitNetworkSpec Read(CheckpointMetadata meta, string defaultNet)
    {
        string net = meta.Optional("net") ?? defaultNet;
        float scale = meta.Optional("time_scale") is null ? 1f : (float)meta.Number("time_scale");
        return net switch
        {
            "mlp" => new DigitNetworkSpec(net, meta.Size("width"), meta.Size("depth"), 0, scale),
            "unet" => new DigitNetworkSpec(net, 0, 0, meta.Size("channels"), scale),
            _ => throw new GpuGenException($"checkpoint {meta.Path}: metadata 'net' is '{net}', expected one of {string.Join(", ", Names)}"),
        };
    }

    /// <summary>The network a checkpoint records, built and loaded; disposed if the tensors do not fit.</summary>
    public static DenoisingNetwork Load(CheckpointMetadata meta, string defaultNet, Device device, int outputsPerPixel, int inputsPerPixel = 1) =>
        meta.LoadInto(Read(meta, defaultNet).Create(new Generator(0), device, outputsPerPixel, 784, inputsPerPixel));
}
