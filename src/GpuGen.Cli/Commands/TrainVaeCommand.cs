using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using GpuGen.Data;
using GpuGen.IO;
using GpuGen.Models.Output;
using GpuGen.Models.Vae;
using GpuGen.Optim;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen train vae</c>: trains the Kingma &amp; Welling VAE on MNIST (the embedded subset unless
/// --data names a folder of MNIST files) and writes into --out: model.safetensors (the checkpoint),
/// metrics.json, loss.png, reconstructions.png and samples.png. Every file is written atomically.
/// </summary>
internal static class TrainVaeCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var data = new Option<string?>("--data") { Description = "Folder with the MNIST files (train-images-idx3-ubyte[.gz] and the rest). Default: the embedded 10,000-digit subset.", HelpName = "dir" };
        var epochs = Positive(new Option<int>("--epochs") { Description = "Passes over the training split.", DefaultValueFactory = _ => 10 });
        var batch = Positive(new Option<int>("--batch") { Description = "Examples per step.", DefaultValueFactory = _ => 100 });
        var lr = new Option<float>("--lr") { Description = "Adam's learning rate.", DefaultValueFactory = _ => 1e-3f };
        lr.Validators.Add(r => { if (Value<float>(r) is { } v && !(v is > 0f and < 10f)) r.AddError($"--lr must be in (0, 10), got {v}"); });
        var hidden = Positive(new Option<int>("--hidden") { Description = "Units of the encoder's and decoder's hidden layer.", DefaultValueFactory = _ => 400 });
        var latent = Positive(new Option<int>("--latent") { Description = "Dimensions of z.", DefaultValueFactory = _ => 20 });
        var seed = new Option<ulong>("--seed") { Description = "Seed of initialisation, shuffling and sampling: the same seed on the same device gives the same numbers.", DefaultValueFactory = _ => 0UL };
        var iw = new Option<int>("--iw-samples") { Description = "Samples of the importance-weighted bound on the test split after training (0: skip).", DefaultValueFactory = _ => 100 };
        iw.Validators.Add(r => { if (Value<int>(r) is < 0) r.AddError("--iw-samples must be ≥ 0"); });
        var output = new Option<string>("--out") { Description = "Folder for the checkpoint, metrics and pictures.", DefaultValueFactory = _ => Path.Combine("runs", "vae"), HelpName = "dir" };
        var json = new Option<bool>("--json") { Description = "Print the metrics as one JSON object on stdout." };

        var command = new Command("vae", "Train a variational autoencoder (Kingma & Welling 2014) on MNIST: Gaussian encoder, Bernoulli decoder, −ELBO with the analytic KL.")
        {
            data, epochs, batch, lr, hidden, latent, seed, iw, output, json,
        };
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ResolveDevice(parse);
            var settings = new Settings(parse.GetValue(data), parse.GetValue(epochs), parse.GetValue(batch), parse.GetValue(lr),
                parse.GetValue(hidden), parse.GetValue(latent), parse.GetValue(seed), parse.GetValue(iw), parse.GetValue(output)!);
            var metrics = Run(settings, device, stderr);
            if (parse.GetValue(json)) stdout.WriteLine(JsonSerializer.Serialize(metrics));
            return GpuGenCli.Ok;
        });
        return command;
    }

    private static Option<int> Positive(Option<int> option)
    {
        option.Validators.Add(r => { if (Value<int>(r) is { } v && v <= 0) r.AddError($"{option.Name} must be positive, got {v}"); });
        return option;
    }

    /// <summary>The option's value, or null when it did not convert (the parser reports that error itself).</summary>
    private static T? Value<T>(System.CommandLine.Parsing.OptionResult result) where T : struct
    {
        try
        {
            return result.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private sealed record Settings(string? Data, int Epochs, int Batch, float LearningRate, int Hidden, int Latent, ulong Seed, int IwSamples, string Out);

    private static Dictionary<string, object?> Run(Settings s, Device device, TextWriter log)
    {
        var (train, test) = Mnist.Load(s.Data); // clear errors for a missing or corrupt folder, before anything is written
        PrepareOutput(s.Out);
        var generator = new Generator(s.Seed);
        using var vae = new Vae(generator, device, train.PixelsPerImage, s.Hidden, s.Latent);
        using var adam = new Adam(vae.NamedParameters(), s.LearningRate);
        var loader = new BatchLoader(train, s.Batch, device, new Generator(s.Seed + 1));

        var trainCurve = new List<double>();
        var testCurve = new List<double>();
        var clock = Stopwatch.StartNew();
        using (var progress = TrainingProgress.Start(log, "vae", s.Epochs, loader.BatchesPerEpoch, s.Batch))
            for (int epoch = 1; epoch <= s.Epochs; epoch++)
            {
                double trainLoss = VaeTraining.TrainEpoch(vae, adam, loader, epoch, (step, loss) => progress.Step(epoch, step, loss));
                double testLoss = VaeTraining.Evaluate(vae, test, device, s.Batch).NegativeElbo;
                trainCurve.Add(trainLoss);
                testCurve.Add(testLoss);
                progress.EndEpoch(epoch, $"train −ELBO {trainLoss:F2}, test −ELBO {testLoss:F2} nats");
            }
        double seconds = clock.Elapsed.TotalSeconds;

        var final = VaeTraining.Evaluate(vae, test, device, s.Batch, s.IwSamples);
        double knn = VaeTraining.CodeKnnAccuracy(vae, train, test, device);
        var metrics = new Dictionary<string, object?>
        {
            ["model"] = "vae", ["device"] = device.Name, ["epochs"] = s.Epochs, ["batch"] = s.Batch, ["lr"] = s.LearningRate,
            ["hidden"] = s.Hidden, ["latent"] = s.Latent, ["seed"] = s.Seed, ["train_examples"] = train.Count, ["test_examples"] = test.Count,
            ["test_neg_elbo"] = final.NegativeElbo, ["test_reconstruction"] = final.Reconstruction, ["test_kl"] = final.Kl,
            ["test_iwae_bound"] = final.ImportanceWeighted, ["iw_samples"] = s.IwSamples, ["test_knn_accuracy"] = knn,
            ["train_seconds"] = seconds, ["examples_per_second"] = s.Epochs * (double)train.Count / seconds,
            ["train_curve"] = trainCurve, ["test_curve"] = testCurve,
        };

        var metadata = VaeCheckpoint.Metadata(vae, s.Seed);
        metadata["sampler_offset"] = generator.Offset.ToString();
        Checkpoint.Save(Path.Combine(s.Out, "model.safetensors"), vae, adam, metadata);
        AtomicFile.WriteText(Path.Combine(s.Out, "metrics.json"), JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }));
        var epochsAxis = Enumerable.Range(1, s.Epochs).Select(e => (double)e).ToArray();
        LossCurve.SavePng(Path.Combine(s.Out, "loss.png"), "VAE on MNIST", "−ELBO (nats per image)",
            [("train", epochsAxis, trainCurve.ToArray()), ("test", epochsAxis, testCurve.ToArray())]);
        VaePictures.Reconstructions(vae, test, device, Path.Combine(s.Out, "reconstructions.png"));
        VaePictures.Samples(vae, 64, device, test.Rows, test.Cols, Path.Combine(s.Out, "samples.png"));

        log.WriteLine($"test −ELBO {final.NegativeElbo:F2} nats" + (final.ImportanceWeighted is { } b ? $", IWAE({s.IwSamples}) bound {b:F2} nats" : "")
                      + $"; code 5-NN accuracy {knn:P1}; {s.Epochs * (double)train.Count / seconds:N0} examples/s on {device.Name}");
        log.WriteLine($"wrote {Path.GetFullPath(s.Out)}: model.safetensors, metrics.json, loss.png, reconstructions.png, samples.png");
        return metrics;
    }

    /// <summary>Creates --out (a clear error if it cannot be, or is a file) and checks it can be written.</summary>
    private static void PrepareOutput(string folder)
    {
        try
        {
            if (File.Exists(folder)) throw new GpuGenException($"--out {folder} is a file, not a folder");
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GpuGenException($"cannot write to --out {folder}: {e.Message}", e);
        }
    }

}
