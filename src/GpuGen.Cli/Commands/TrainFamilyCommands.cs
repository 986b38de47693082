using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using GpuGen.Data;
using GpuGen.IO;
using GpuGen.Models;
using GpuGen.Models.Autoencoders;
using GpuGen.Models.Output;
using GpuGen.Nn;
using GpuGen.Optim;
using GumbelModel = GpuGen.Models.GumbelVae.GumbelVae;

namespace GpuGen.Cli.Commands;

/// <summary><c>gpugen train ae|dae|cae|gumbel-vae</c>: the same outputs as <c>train vae</c> for the rest of the family.</summary>
internal static class TrainFamilyCommands
{
    /// <summary>
    /// One training run: epochs with progress, test loss per epoch, then metrics, checkpoint and
    /// pictures. <paramref name="Extra"/> adds model-specific final metrics (the VAE's IWAE bound).
    /// </summary>
    internal sealed record Run(string Model, Module Module, Func<Tensor, Tensor> Loss, Func<Tensor, double[]> TestLoss, string[] TestTerms,
        Func<Tensor, Tensor> Code, Func<Tensor, Tensor> Reconstruct, Func<int, Tensor> Sample, Dictionary<string, string> Metadata,
        Func<Dictionary<string, object?>>? Extra = null);

    public static Command Autoencoder(string kind, TextWriter stdout, TextWriter stderr)
    {
        var common = new TrainOptions(kind, 1e-3f);
        var hidden = TrainOptions.Positive(new Option<int>("--hidden") { Description = "Units of the code (the sigmoid hidden layer).", DefaultValueFactory = _ => 400 });
        var latent = TrainOptions.Positive(new Option<int>("--latent") { Description = "The same as --hidden: an autoencoder's one hidden layer is its code." });
        var loss = new Option<string>("--loss") { Description = "Reconstruction loss: bernoulli (cross-entropy) or squared.", DefaultValueFactory = _ => "bernoulli" };
        loss.AcceptOnlyFromAmong("bernoulli", "squared");
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
            corruption = new Option<string>("--corruption") { Description = "gaussian (x + N(0, σ²)) or masking (pixels zeroed with probability p).", DefaultValueFactory = _ => "masking" };
            corruption.AcceptOnlyFromAmong("gaussian", "masking");
            noise = TrainOptions.InRange(new Option<float>("--noise") { Description = "σ for gaussian, p for masking.", DefaultValueFactory = _ => 0.3f }, 0f, 1f);
            command.Add(corruption);
            command.Add(noise);
        }
        if (kind == "cae")
        {
            contraction = TrainOptions.InRange(new Option<float>("--contraction") { Description = "λ, the weight of the contraction penalty.", DefaultValueFactory = _ => 0.1f }, 0f, 1000f);
            command.Add(contraction);
        }
        foreach (var option in common.All) command.Add(option);
        command.SetAction(parse =>
        {
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
            var run = new Run(kind, model,
                x => model.Loss(x).Total,
                x => { var l = model.Loss(x); return [l.Total.Item(), l.Reconstruction.Item()]; }, ["test_loss", "test_reconstruction"],
                model.Code, x => model.Forward(x),
                n => Ops.Sigmoid(model.Decode(Ops.Uniform(Shape.Of(n, model.Hidden), generator, device))),
                new Dictionary<string, string> { ["model"] = kind, ["inputs"] = model.Inputs.ToString(), ["hidden"] = model.Hidden.ToString(),
                    ["loss"] = lossKind.ToString(), ["corruption"] = corruptionKind.ToString(), ["noise"] = model.Noise.ToString(), ["contraction"] = model.Contraction.ToString() });
            return Execute(run, common, parse, train, test, device, binarize: false, stdout, stderr);
        });
        return command;
    }

    public static Command GumbelVae(TextWriter stdout, TextWriter stderr)
    {
        var common = new TrainOptions("gumbel-vae", 1e-3f);
        var latent = TrainOptions.Positive(new Option<int>("--latent") { Description = "Number of categorical latent variables.", DefaultValueFactory = _ => 20 });
        var classes = TrainOptions.Positive(new Option<int>("--classes") { Description = "Classes of each latent variable.", DefaultValueFactory = _ => 10 });
        var straight = new Option<bool>("--straight-through") { Description = "One-hot samples forward, relaxed gradients backward (else soft samples)." };
        var command = new Command("gumbel-vae", "Train a categorical VAE with the Gumbel-softmax (Jang et al. 2017) on dynamically binarized digits; τ anneals from 1 to 0.5.")
        {
            latent, classes, straight,
        };
        foreach (var option in common.All) command.Add(option);
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ResolveDevice(parse);
            var (train, test) = Mnist.Load(parse.GetValue(common.Data));
            if (parse.GetValue(classes) < 2) throw new GpuGenException("--classes must be at least 2", isUsageError: true);
            var generator = new Generator(parse.GetValue(common.Seed));
            using var model = new GumbelModel(generator, device, train.PixelsPerImage, parse.GetValue(latent), parse.GetValue(classes), parse.GetValue(straight));
            int totalSteps = parse.GetValue(common.Epochs) * ((train.Count + parse.GetValue(common.Batch) - 1) / parse.GetValue(common.Batch));
            int step = 0;
            var testBinarizer = new Generator(parse.GetValue(common.Seed) + 7);
            var run = new Run("gumbel-vae", model,
                x => { model.Temperature = GumbelModel.Anneal(step++, totalSteps); var l = model.Loss(x, x); return l.NegativeElbo; },
                x =>
                {
                    var binary = Ops.Bernoulli(x, testBinarizer); // the test digits binarized too, as the training ones are
                    var l = model.Loss(binary, binary);
                    return [l.NegativeElbo.Item(), l.Reconstruction.Item(), l.Kl.Item()];
                }, ["test_neg_elbo", "test_reconstruction", "test_kl"],
                model.Code, x => Ops.Sigmoid(model.Decode(model.Code(x))), n => model.SamplePrior(n, device),
                new Dictionary<string, string> { ["model"] = "gumbel-vae", ["inputs"] = model.Inputs.ToString(), ["latent"] = model.Variables.ToString(),
                    ["classes"] = model.Classes.ToString(), ["straight_through"] = model.StraightThrough.ToString() });
            return Execute(run, common, parse, train, test, device, binarize: true, stdout, stderr);
        });
        return command;
    }

    internal static int Execute(Run run, TrainOptions common, ParseResult parse, MnistSplit train, MnistSplit test, Device device, bool binarize,
        TextWriter stdout, TextWriter stderr)
    {
        int epochs = parse.GetValue(common.Epochs), batch = parse.GetValue(common.Batch);
        ulong seed = parse.GetValue(common.Seed);
        string folder = parse.GetValue(common.Out)!;
        TrainOptions.PrepareOutput(folder);
        TrainOptions.WarnAboutSlowDevices(device, stderr);
        using var adam = new Adam(run.Module.NamedParameters(), parse.GetValue(common.LearningRate));
        var loader = new BatchLoader(train, batch, device, new Generator(seed + 1), binarize ? new Generator(seed + 2) : null);
        var trainCurve = new List<double>();
        var testCurve = new List<double>();
        double[] final = [];
        var clock = Stopwatch.StartNew();
        using (var progress = TrainingProgress.Start(stderr, run.Model, epochs, loader.BatchesPerEpoch, batch))
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                double trainLoss = Training.Epoch(run.Model, run.Module, adam, loader, run.Loss, epoch, (s, l) => progress.Step(epoch, s, l));
                final = Training.Average(run.Module, test, device, batch, run.TestLoss); // the last epoch's is the final evaluation
                trainCurve.Add(trainLoss);
                testCurve.Add(final[0]);
                progress.EndEpoch(epoch, $"train loss {trainLoss:F2}, test loss {final[0]:F2}");
            }
        double seconds = clock.Elapsed.TotalSeconds;
        double knn = Training.CodeKnnAccuracy(run.Module, train, test, device, run.Code);
        var metrics = new Dictionary<string, object?>
        {
            ["model"] = run.Model, ["device"] = device.Name, ["epochs"] = epochs, ["batch"] = batch, ["lr"] = parse.GetValue(common.LearningRate),
            ["seed"] = seed, ["train_examples"] = train.Count, ["test_examples"] = test.Count, ["test_knn_accuracy"] = knn,
            ["train_seconds"] = seconds, ["examples_per_second"] = epochs * (double)train.Count / seconds,
            ["train_curve"] = trainCurve, ["test_curve"] = testCurve,
        };
        foreach (var (key, value) in run.Metadata) metrics.TryAdd(key, value);
        for (int i = 0; i < run.TestTerms.Length; i++) metrics[run.TestTerms[i]] = final[i];
        var extra = run.Extra?.Invoke() ?? [];
        foreach (var (key, value) in extra) metrics[key] = value;

        var metadata = new Dictionary<string, string>(run.Metadata) { ["seed"] = seed.ToString() };
        Checkpoint.Save(Path.Combine(folder, "model.safetensors"), run.Module, adam, metadata);
        TrainOptions.WriteMetrics(folder, $"{run.Model} on MNIST", "loss per image", metrics, trainCurve, testCurve);
        using (var scope = new TensorScope())
        using (Autograd.NoGrad())
        {
            run.Module.Eval();
            int[] first = Enumerable.Range(0, 8).ToArray();
            var x = test.Images(first, device);
            ImageGrid.SavePng(Path.Combine(folder, "reconstructions.png"), [.. x.ToArray(), .. run.Reconstruct(x).ToArray()], 16, test.Rows, test.Cols, 8);
            ImageGrid.SavePng(Path.Combine(folder, "samples.png"), run.Sample(64).ToArray(), 64, test.Rows, test.Cols, 8);
        }
        var summary = run.TestTerms.Select((t, i) => $"{t} {final[i]:F2}").Concat(extra.Where(e => e.Value is double).Select(e => $"{e.Key} {e.Value:F2}"));
        stderr.WriteLine($"{string.Join(", ", summary)}; code 5-NN accuracy {knn:P1}; {epochs * (double)train.Count / seconds:N0} examples/s on {device.Name}");
        stderr.WriteLine($"wrote {Path.GetFullPath(folder)}: model.safetensors, metrics.json, loss.png, reconstructions.png, samples.png");
        if (parse.GetValue(common.Json)) stdout.WriteLine(JsonSerializer.Serialize(metrics));
        return GpuGenCli.Ok;
    }
}
