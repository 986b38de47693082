using System.CommandLine;
using GpuGen.Data;
using GpuGen.Models.Autoencoders;
using GpuGen.Models.GumbelVae;
using GumbelModel = GpuGen.Models.GumbelVae.GumbelVae;

namespace GpuGen.Cli.Commands;

/// <summary><c>gpugen train ae|dae|cae|gumbel-vae</c>: options → model → family, then the shared <see cref="TrainRun"/>.</summary>
internal static class TrainFamilyCommands
{
    public static Command Autoencoder(string kind, TextWriter stdout, TextWriter stderr)
    {
        var common = new TrainOptions(kind, 1e-3f);
        var hidden = common.Shaping(TrainOptions.Positive(new Option<int>("--hidden") { Description = "Units of the code (the sigmoid hidden layer).", DefaultValueFactory = _ => 400 }));
        var latent = TrainOptions.Positive(new Option<int>("--latent") { Description = "The same as --hidden: an autoencoder's one hidden layer is its code." });
        var loss = common.Shaping(new Option<string>("--loss") { Description = "Reconstruction loss: bernoulli (cross-entropy) or squared.", DefaultValueFactory = _ => "bernoulli" });
        TrainOptions.OneOf(loss, "bernoulli", "squared");
        var description = kind switch
        {
            "ae" => "Train an autoencoder: sigmoid code, reconstruction loss.",
            "dae" => "Train a denoising autoencoder (Vincent et al. 2008): reconstruct the clean digit from a corrupted one.",
            _ => "Train a contractive autoencoder (Rifai et al. 2011): reconstruction + λ‖∂h/∂x‖²_F (closed form for the sigmoid encoder).",
        };
        var command = new Command(kind, description) { hidden, latent, loss };
        Option<string>? corruption = null;
        Option<float>? noise = null, contraction = null;
        if (kind == "dae")
        {
            corruption = common.Shaping(new Option<string>("--corruption") { Description = "gaussian (x + N(0, σ²)) or masking (pixels zeroed with probability p).", DefaultValueFactory = _ => "masking" });
            TrainOptions.OneOf(corruption, "gaussian", "masking");
            noise = common.Shaping(TrainOptions.InRange(new Option<float>("--noise") { Description = "σ for gaussian, p for masking.", DefaultValueFactory = _ => 0.3f }, 0f, 1f));
            command.Add(corruption);
            command.Add(noise);
        }
        if (kind == "cae")
        {
            contraction = common.Shaping(TrainOptions.InRange(new Option<float>("--contraction") { Description = "λ, the weight of the contraction penalty.", DefaultValueFactory = _ => 0.1f }, 0f, 1000f));
            command.Add(contraction);
        }
        foreach (var option in common.All) command.Add(option);
        command.SetAction(parse =>
        {
            parse = common.ResolveResume(parse);
            var device = GlobalOptions.ResolveDevice(parse);
            var (train, test) = Mnist.Load(parse.GetValue(common.Data));
            var generator = new Generator(parse.GetValue(common.Seed));
            int code = parse.GetValue(hidden);
            if (parse.GetResult(latent) is { Implicit: false })
            {
                bool hiddenGiven = parse.GetResult(hidden) is { Implicit: false };
                if (hiddenGiven && parse.GetValue(latent) != code)
                    throw new GpuGenException($"{kind}: --hidden {code} and --latent {parse.GetValue(latent)} disagree; the code is the one hidden layer: give one of them", isUsageError: true);
                code = parse.GetValue(latent);
            }
            var lossKind = parse.GetValue(loss) == "squared" ? ReconstructionLoss.SquaredError : ReconstructionLoss.Bernoulli;
            var corruptionKind = corruption is null ? Corruption.None : parse.GetValue(corruption) == "gaussian" ? Corruption.Gaussian : Corruption.Masking;
            using var model = new Autoencoder(generator, device, train.PixelsPerImage, code, lossKind, corruptionKind,
                noise is null ? 0f : parse.GetValue(noise), contraction is null ? 0f : parse.GetValue(contraction));
            return TrainRun.Execute(AutoencoderFamily.Create(kind, model, device), common, parse, train, test, device, stdout, stderr);
        });
        return command;
    }

    public static Command GumbelVae(TextWriter stdout, TextWriter stderr)
    {
        var common = new TrainOptions("gumbel-vae", 1e-3f);
        var latent = common.Shaping(TrainOptions.Positive(new Option<int>("--latent") { Description = "Number of categorical latent variables.", DefaultValueFactory = _ => 20 }));
        var classes = common.Shaping(TrainOptions.Positive(new Option<int>("--classes") { Description = "Classes of each latent variable.", DefaultValueFactory = _ => 10 }));
        var straight = common.Shaping(new Option<bool>("--straight-through") { Description = "One-hot samples forward, relaxed gradients backward (else soft samples)." });
        var command = new Command("gumbel-vae", "Train a categorical VAE with the Gumbel-softmax (Jang et al. 2017) on dynamically binarized digits; τ anneals from 1 to 0.5.")
        {
            latent, classes, straight,
        };
        foreach (var option in common.All) command.Add(option);
        command.SetAction(parse =>
        {
            parse = common.ResolveResume(parse);
            var device = GlobalOptions.ResolveDevice(parse);
            var (train, test) = Mnist.Load(parse.GetValue(common.Data));
            if (parse.GetValue(classes) < 2) throw new GpuGenException("--classes must be at least 2", isUsageError: true);
            using var model = new GumbelModel(new Generator(parse.GetValue(common.Seed)), device, train.PixelsPerImage, parse.GetValue(latent), parse.GetValue(classes), parse.GetValue(straight));
            return TrainRun.Execute(GumbelVaeFamily.Create(model, device), common, parse, train, test, device, stdout, stderr);
        });
        return command;
    }
}
