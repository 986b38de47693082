using GpuGen.Models.Runner;

namespace GpuGen.Models.Autoencoders;

/// <summary>The plain, denoising and contractive autoencoders as a <see cref="TrainingFamily"/>.</summary>
public static class AutoencoderFamily
{
    /// <param name="kind">ae, dae or cae: the name in commands and checkpoints.</param>
    public static TrainingFamily Create(string kind, Autoencoder model, Device device) => new()
    {
        Name = kind,
        Module = model,
        Loss = (x, _) => model.Loss(x).Total,
        TestTerms = ["test_loss", "test_reconstruction"],
        TestLoss = (x, _) => { var l = model.Loss(x); return [l.Total.Item(), l.Reconstruction.Item()]; }, // no noise: evaluation does not corrupt
        Code = model.Code,
        Reconstruct = x => model.Forward(x),
        // an autoencoder has no prior: decodings of uniform random codes
        Sample = (n, noise) => Ops.Sigmoid(model.Decode(Ops.Uniform(Shape.Of(n, model.Hidden), noise, device))),
        Metadata = Metadata(kind, model),
        Streams = new Dictionary<string, Generator> { ["model"] = model.Sampler },
    };

    public static Dictionary<string, string> Metadata(string kind, Autoencoder model) => new()
    {
        ["model"] = kind, ["inputs"] = model.Inputs.ToString(), ["hidden"] = model.Hidden.ToString(),
        ["loss"] = model.LossKind.ToString(), ["corruption"] = model.CorruptionKind.ToString(),
        ["noise"] = model.Noise.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ["contraction"] = model.Contraction.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
    };
}
