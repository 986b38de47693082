using GpuGen.Data;
using GpuGen.Models.Metrics;
using GpuGen.Models.Output;
using GpuGen.Models.Runner;
using GpuGen.Optim;

namespace GpuGen.Models.Gan;

/// <summary>
/// A <see cref="MnistGan"/> on MNIST digits in [0, 1] as a <see cref="TrainingPlan"/>. An epoch is
/// one pass over the training split in iterations of CriticIters·batch digits (seed + 1 orders
/// them); noise from the model's stream (the seed), dropout from its own. Optimizers as
/// <see cref="ToyGanPlan"/>. Test terms, after each epoch, of 2,000 samples (evaluation stream)
/// against the test digits, through <see cref="MnistJudge"/>: the Fréchet distance in its 400-d
/// features, its mean max-softmax on the samples and the entropy of its labels. Pictures: a grid
/// of 64 samples at the end, and after every epoch grids/epoch_NNN.png from one fixed z (seed + 7). The returned plan owns its optimizers and judge: dispose it after the run.
/// </summary>
public static class MnistGanPlan
{
    public const int EvaluationSamples = 2000;
    public static OwnedPlan Create(MnistGan model, GanSettings settings, MnistSplit train, MnistSplit test, Generator noise, Generator? dropout, RunOptions options)
    {
        if (settings.CriticIters <= 0) throw new GpuGenException($"--critic-iters must be positive, got {settings.CriticIters}", isUsageError: true);
        int rows = settings.CriticIters * options.Batch;
        if (rows > train.Count)
            throw new GpuGenException($"--batch {options.Batch} × --critic-iters {settings.CriticIters} = {rows} digits per iteration, more than the {train.Count} training digits", isUsageError: true);
        string name = ToyGanPlan.NameOf(settings.Kind);
        var (critic, generator) = ToyGanPlan.Optimizers(settings.Kind, model.Critic, model.Generator, options.LearningRate);
        var judge = MnistJudge.Train(train, test, model.Device);
        var order = new Generator(options.Seed + 1);
        var loader = new BatchLoader(train, rows, model.Device, order, dropLast: true);
        var game = new GanObjective(settings, model.Critic, model.CriticSamples, critic, generator, noise);
        Tensor? labels = null; // the current batch's labels: the loader owns them, valid through the iteration
        var streams = new Dictionary<string, Generator> { ["model"] = noise, ["data_order"] = order };
        if (dropout is not null) streams["dropout"] = dropout;
        int reference = Math.Min(EvaluationSamples, test.Count);
        string[] terms = model.Conditional ? [.. Terms, "test_label_accuracy"] : Terms;
        var plan = new TrainingPlan
        {
            Name = name,
            Module = model,
            Optimizers = [("critic", critic), ("generator", generator)],
            Metadata = new Dictionary<string, string>(ToyGanPlan.Settings(name, settings)) { ["data"] = "mnist", ["net"] = NetName(model.Net) },
            Streams = streams,
            StepsPerEpoch = loader.BatchesPerEpoch,
            ExamplesPerEpoch = loader.BatchesPerEpoch * rows,
            Batches = () => loader.Epoch().Select(b =>
            {
                labels = b.Labels;
                return b.Images;
            }),
            TrainTerms = settings.Terms,
            Iterate = (real, _) => game.Iterate(model.CriticInput(real, labels!)),
            TestTerms = terms,
            Evaluate = stream =>
            {
                var scores = Score(model, judge, test, reference, stream);
                return terms.Select(t => (double)scores[t]!).ToArray();
            },
            FinalMetrics = stream => new Dictionary<string, object?>(Parzen(model, test, stream))
            {
                ["judge_test_accuracy"] = judge.TestAccuracy, ["evaluation_samples"] = reference,
            },
            WritePictures = (folder, stream) =>
            {
                Grid(model, Path.Combine(folder, "samples.png"), stream);
                return ["samples.png"];
            },
            EpochPictures = (folder, epoch) =>
            {
                model.Eval();
                Directory.CreateDirectory(Path.Combine(folder, "grids"));
                Grid(model, Path.Combine(folder, "grids", $"epoch_{epoch:D3}.png"), new Generator(options.Seed + 7)); // the same z every epoch
                model.Train();
            },
            LossUnit = "loss per batch",
            RunFacts = new Dictionary<string, object?> { ["data"] = "mnist", ["critic_iters"] = settings.CriticIters, ["test_examples"] = test.Count },
        };
        return new OwnedPlan(plan, critic, generator, judge);
    }

    public static string NetName(DigitNet net) => net == DigitNet.Conv ? "conv" : "mlp";

    private static readonly string[] Terms = ["test_frechet_distance", "test_mean_max_softmax", "test_label_entropy"];

    /// <summary>64 samples in 8 rows, or for a conditional model 10 rows of 10, one per class.</summary>
    public static void Grid(MnistGan model, string path, Generator noise)
    {
        if (model.Conditional)
            ImageGrid.SavePng(path, Host(model.SampleMany(100, noise, Enumerable.Range(0, 100).Select(i => i / 10).ToArray())), 100, 28, 28, 10);
        else
            ImageGrid.SavePng(path, Host(model.SampleMany(64, noise)), 64, 28, 28, 8);
    }

    private static float[] Host(Tensor t)
    {
        using (t) return t.ToArray();
    }

    public const int ParzenSamples = 10_000;

    /// <summary>
    /// The GAN paper's Parzen-window log-likelihood (<see cref="ParzenWindow"/>) of test digits under
    /// <see cref="ParzenSamples"/> samples: σ chosen on the first half of the test split, the
    /// likelihood reported on the second half (the training digits are not used: the GAN saw them).
    /// </summary>
    public static Dictionary<string, object?> Parzen(MnistGan model, MnistSplit test, Generator stream)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        model.Eval();
        var samples = model.SampleMany(ParzenSamples, stream);
        int half = test.Count / 2;
        var validation = test.Images(Enumerable.Range(0, half).ToArray(), model.Device);
        var held = test.Images(Enumerable.Range(half, test.Count - half).ToArray(), model.Device);
        var (sigma, validationLl, testLl) = ParzenWindow.Evaluate(samples, validation, held);
        return new Dictionary<string, object?>
        {
            ["test_parzen_log_likelihood"] = testLl, ["parzen_sigma"] = sigma, ["parzen_validation_log_likelihood"] = validationLl,
            ["parzen_samples"] = ParzenSamples,
        };
    }

    /// <summary>The judge's scores of <paramref name="count"/> samples against the first as many test
    /// digits; for a conditional model also the fraction the judge labels as they were asked for
    /// (label i mod 10 for sample i).</summary>
    public static Dictionary<string, object?> Score(MnistGan model, MnistJudge judge, MnistSplit test, int count, Generator stream)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        model.Eval();
        var samples = model.SampleMany(count, stream);
        var digits = test.Images(Enumerable.Range(0, count).ToArray(), model.Device);
        return judge.Score(samples, digits, model.Conditional ? Enumerable.Range(0, count).Select(i => i % model.LabelCount).ToArray() : null);
    }
}
