using System.CommandLine;
using System.Text.Json;
using GpuGen.Data;
using GpuGen.Models.Vae;

namespace GpuGen.Cli.Commands;

/// <summary><c>gpugen eval vae</c> and <c>gpugen sample vae</c>: what a trained checkpoint gives.</summary>
internal static class VaeCheckpointCommands
{
    private static Option<string> CheckpointOption() => new("--checkpoint")
    {
        Description = "A model.safetensors written by 'gpugen train vae'.", Required = true, HelpName = "file",
    };

    private static Option<string?> DataOption() => new("--data")
    {
        Description = "Folder with the MNIST files. Default: the embedded subset.", HelpName = "dir",
    };

    private static Option<ulong> SeedOption() => new("--seed")
    {
        Description = "Seed of the sampling noise.", DefaultValueFactory = _ => 0UL,
    };

    public static Command Eval(TextWriter stdout, TextWriter stderr)
    {
        var checkpoint = CheckpointOption();
        var data = DataOption();
        var seed = SeedOption();
        var iw = new Option<int>("--iw-samples") { Description = "Samples of the importance-weighted bound on −log p(x).", DefaultValueFactory = _ => 100 };
        iw.Validators.Add(r => { if (TrainOptions.Value<int>(r) is < 1) r.AddError("--iw-samples must be ≥ 1"); });
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout." };
        var command = new Command("vae", "Evaluate a VAE checkpoint on the test split: −ELBO, the importance-weighted bound, reconstruction, and the 5-NN accuracy of its codes.")
        {
            checkpoint, data, iw, seed, json,
        };
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ResolveDevice(parse);
            var (train, test) = Mnist.Load(parse.GetValue(data));
            using var vae = VaeCheckpoint.Load(parse.GetValue(checkpoint)!, device, new Generator(parse.GetValue(seed)));
            var result = VaeTraining.Evaluate(vae, test, device, iwSamples: parse.GetValue(iw), noise: new Generator(parse.GetValue(seed)));
            double knn = VaeTraining.CodeKnnAccuracy(vae, train, test, device);
            var metrics = new Dictionary<string, object?>
            {
                ["model"] = "vae", ["checkpoint"] = parse.GetValue(checkpoint), ["test_examples"] = test.Count,
                ["test_neg_elbo"] = result.NegativeElbo, ["test_reconstruction"] = result.Reconstruction, ["test_kl"] = result.Kl,
                ["test_iwae_bound"] = result.ImportanceWeighted, ["iw_samples"] = parse.GetValue(iw), ["test_knn_accuracy"] = knn,
            };
            if (parse.GetValue(json)) stdout.WriteLine(JsonSerializer.Serialize(metrics));
            else
            {
                stdout.WriteLine($"test −ELBO            {result.NegativeElbo:F2} nats per image");
                stdout.WriteLine($"IWAE bound (k = {parse.GetValue(iw)}) {result.ImportanceWeighted:F2} nats per image");
                stdout.WriteLine($"reconstruction        {result.Reconstruction:F2} nats, KL {result.Kl:F2} nats");
                stdout.WriteLine($"code 5-NN accuracy    {knn:P2}");
            }
            return GpuGenCli.Ok;
        });
        return command;
    }

    public static Command Sample(TextWriter stdout, TextWriter stderr)
    {
        var checkpoint = CheckpointOption();
        var data = DataOption();
        var seed = SeedOption();
        var n = new Option<int>("--n") { Description = "Number of samples in the grid.", DefaultValueFactory = _ => 64 };
        n.Validators.Add(r => { if (TrainOptions.Value<int>(r) is < 1 or > 4096) r.AddError("--n must be in [1, 4096]"); });
        var interpolate = new Option<bool>("--interpolate") { Description = "Instead of samples: 8 rows of 10 decodings between the codes of two test digits." };
        var output = new Option<string>("--out") { Description = "A .png (a grid) or a .npy (the samples as float32 [n, 1, rows, cols] in [0, 1], for NumPy).", DefaultValueFactory = _ => "samples.png", HelpName = "file" };
        var command = new Command("vae", "Draw samples (or a latent-space interpolation) from a VAE checkpoint into a PNG grid.")
        {
            checkpoint, n, interpolate, data, seed, output,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            bool npy = SampleOutput.IsNpy(path);
            var device = GlobalOptions.ResolveDevice(parse);
            using var vae = VaeCheckpoint.Load(parse.GetValue(checkpoint)!, device, new Generator(parse.GetValue(seed)));
            int side = (int)Math.Round(Math.Sqrt(vae.Inputs));
            if (side * side != vae.Inputs) throw new GpuGenException($"sample: the model's {vae.Inputs} outputs are not a square image");
            if (npy && parse.GetValue(interpolate)) throw new GpuGenException("sample: --interpolate draws a picture: give a .png --out", isUsageError: true);
            if (npy)
                GpuGen.IO.NpyFile.Save(path, VaePictures.SampleValues(vae, parse.GetValue(n), device), parse.GetValue(n), 1, side, side);
            else if (parse.GetValue(interpolate))
                VaePictures.Interpolation(vae, Mnist.Load(parse.GetValue(data)).Test, device, path);
            else
                VaePictures.Samples(vae, parse.GetValue(n), device, side, side, path);
            stderr.WriteLine($"wrote {Path.GetFullPath(path)}");
            return GpuGenCli.Ok;
        });
        return command;
    }
}
