using System.CommandLine;
using GpuGen.Data;
using GpuGen.Models.Vae;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen train vae</c>: the Kingma &amp; Welling VAE on MNIST (the embedded subset unless --data
/// names a folder of MNIST files), through the shared runner (<see cref="TrainFamilyCommands.Execute"/>),
/// which writes model.safetensors, metrics.json, loss.png, reconstructions.png and samples.png.
/// The VAE adds the importance-weighted bound on the test split to the metrics.
/// </summary>
internal static class TrainVaeCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var common = new TrainOptions("vae", 1e-3f);
        var hidden = TrainOptions.Positive(new Option<int>("--hidden") { Description = "Units of the encoder's and decoder's hidden layer.", DefaultValueFactory = _ => 400 });
        var latent = TrainOptions.Positive(new Option<int>("--latent") { Description = "Dimensions of z.", DefaultValueFactory = _ => 20 });
        var iw = new Option<int>("--iw-samples") { Description = "Samples of the importance-weighted bound on the test split after training (0: skip).", DefaultValueFactory = _ => 100 };
        iw.Validators.Add(r => { if (TrainOptions.Value<int>(r) is < 0) r.AddError("--iw-samples must be ≥ 0"); });
        var command = new Command("vae", "Train a variational autoencoder (Kingma & Welling 2014) on MNIST: Gaussian encoder, Bernoulli decoder, −ELBO with the analytic KL.")
        {
            hidden, latent, iw,
        };
        foreach (var option in common.All) command.Add(option);
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ResolveDevice(parse);
            var (train, test) = Mnist.Load(parse.GetValue(common.Data)); // clear errors for a missing or corrupt folder, before anything is written
            ulong seed = parse.GetValue(common.Seed);
            int samples = parse.GetValue(iw), batch = parse.GetValue(common.Batch);
            using var vae = new Vae(new Generator(seed), device, train.PixelsPerImage, parse.GetValue(hidden), parse.GetValue(latent));
            var run = new TrainFamilyCommands.Run("vae", vae,
                x => vae.Loss(x, x).NegativeElbo,
                x => { var l = vae.Loss(x, x); return [l.NegativeElbo.Item(), l.Reconstruction.Item(), l.Kl.Item()]; },
                ["test_neg_elbo", "test_reconstruction", "test_kl"],
                vae.Code, x => Ops.Sigmoid(vae.Decode(vae.Code(x))),
                n => Ops.Sigmoid(vae.Decode(Ops.Normal(Shape.Of(n, vae.Latent), vae.Sampler, device))),
                VaeCheckpoint.Metadata(vae, seed),
                () => new Dictionary<string, object?>
                {
                    ["iw_samples"] = samples,
                    ["test_iwae_bound"] = samples > 0 ? VaeTraining.ImportanceWeightedBound(vae, test, device, batch, samples) : null,
                });
            return TrainFamilyCommands.Execute(run, common, parse, train, test, device, binarize: false, stdout, stderr);
        });
        return command;
    }
}
