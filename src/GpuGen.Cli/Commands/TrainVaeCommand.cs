using System.CommandLine;
using GpuGen.Data;
using GpuGen.Models.Vae;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen train vae</c>: the Kingma &amp; Welling VAE on MNIST (the embedded subset unless --data
/// names a folder of MNIST files), through the shared runner (<see cref="TrainRun"/>),
/// which writes model.safetensors, metrics.json, loss.png, reconstructions.png and samples.png.
/// The VAE adds the importance-weighted bound on the test split to the metrics.
/// </summary>
internal static class TrainVaeCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var common = new TrainOptions("vae", 1e-3f);
        var hidden = common.Shaping(TrainOptions.Positive(new Option<int>("--hidden") { Description = "Units of the encoder's and decoder's hidden layer.", DefaultValueFactory = _ => 400 }));
        var latent = common.Shaping(TrainOptions.Positive(new Option<int>("--latent") { Description = "Dimensions of z.", DefaultValueFactory = _ => 20 }));
        var iw = common.Shaping(new Option<int>("--iw-samples") { Description = "Samples of the importance-weighted bound on the test split after training (0: skip).", DefaultValueFactory = _ => 100 });
        iw.Validators.Add(r => { if (TrainOptions.Value<int>(r) is < 0) r.AddError("--iw-samples must be ≥ 0"); });
        var command = new Command("vae", "Train a variational autoencoder (Kingma & Welling 2014) on MNIST: Gaussian encoder, Bernoulli decoder, −ELBO with the analytic KL.")
        {
            hidden, latent, iw,
        };
        foreach (var option in common.All) command.Add(option);
        command.SetAction(parse =>
        {
            parse = common.ResolveResume(parse);
            var device = GlobalOptions.ResolveDevice(parse);
            var (train, test) = Mnist.Load(parse.GetValue(common.Data)); // clear errors for a missing or corrupt folder, before anything is written
            using var vae = new Vae(new Generator(parse.GetValue(common.Seed)), device, train.PixelsPerImage, parse.GetValue(hidden), parse.GetValue(latent));
            var family = VaeFamily.Create(vae, device, parse.GetValue(iw), parse.GetValue(common.Batch));
            return TrainRun.Execute(family, common, parse, train, test, device, stdout, stderr);
        });
        return command;
    }
}
