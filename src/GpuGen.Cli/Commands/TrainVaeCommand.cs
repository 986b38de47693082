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
            var settings = new Settings(parse.GetValue(common.Data), parse.GetValue(common.Epochs), parse.GetValue(common.Batch), parse.GetValue(common.LearningRate),
                parse.GetValue(hidden), parse.GetValue(latent), parse.GetValue(common.Seed), parse.GetValue(iw), parse.GetValue(common.Out)!);
            var metrics = Run(settings, device, stderr);
            if (parse.GetValue(common.Json)) stdout.WriteLine(JsonSerializer.Serialize(metrics));
            return GpuGenCli.Ok;
        });
        return command;
    }

    private sealed record Settings(string? Data, int Epochs, int Batch, float LearningRate, int Hidden, int Latent, ulong Seed, int IwSamples, string Out);

    private static Dictionary<string, object?> Run(Settings s, Device device, TextWriter log)
    {
        var (train, test) = Mnist.Load(s.Data); // clear errors for a missing or corrupt folder, before anything is written
        TrainOptions.PrepareOutput(s.Out);
        TrainOptions.WarnAboutSlowDevices(device, log);
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
        TrainOptions.WriteMetrics(s.Out, "VAE on MNIST", "−ELBO (nats per image)", metrics, trainCurve, testCurve);
        VaePictures.Reconstructions(vae, test, device, Path.Combine(s.Out, "reconstructions.png"));
        VaePictures.Samples(vae, 64, device, test.Rows, test.Cols, Path.Combine(s.Out, "samples.png"));

        log.WriteLine($"test −ELBO {final.NegativeElbo:F2} nats" + (final.ImportanceWeighted is { } b ? $", IWAE({s.IwSamples}) bound {b:F2} nats" : "")
                      + $"; code 5-NN accuracy {knn:P1}; {s.Epochs * (double)train.Count / seconds:N0} examples/s on {device.Name}");
        log.WriteLine($"wrote {Path.GetFullPath(s.Out)}: model.safetensors, metrics.json, loss.png, reconstructions.png, samples.png");
        return metrics;
    }

}
