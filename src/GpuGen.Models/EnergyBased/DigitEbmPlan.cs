using GpuGen.Data;
using GpuGen.Models.Metrics;
using GpuGen.Models.Runner;

namespace GpuGen.Models.EnergyBased;

/// <summary>
/// An <see cref="EnergyModel"/> on MNIST digits (intensities in [0, 1]) as a <see cref="TrainingPlan"/>:
/// an epoch is one pass over the training split in batches (seed + 1 orders them), the chains'
/// randomness from the model's stream. Test terms, after each epoch, of n long-run samples
/// (<see cref="EbmSettings.SampleSteps"/> steps from uniform noise, evaluation stream) against the
/// first n test digits, through <see cref="MnistJudge"/> as the GANs are scored: the Fréchet distance
/// in its features, its mean max-softmax and the entropy of its labels. Final metrics: the judge's
/// accuracy and the replay buffer's rows scored the same way. Pictures: see
/// <see cref="EbmPictures.WriteDigits"/>. The returned plan owns its optimizer and judge.
/// </summary>
public static class DigitEbmPlan
{
    /// <summary>Samples scored after each epoch (fewer than the GANs' 2,000: each costs a long Langevin run).</summary>
    public const int EvaluationSamples = 500;

    public static readonly string[] Terms = ["test_frechet_distance", "test_mean_max_softmax", "test_label_entropy"];

    public static OwnedPlan Create(EnergyModel model, EbmSettings settings, MnistSplit train, MnistSplit test, Generator noise, RunOptions options,
        int evaluationSamples = EvaluationSamples)
    {
        if (options.Batch > train.Count)
            throw new GpuGenException($"--batch {options.Batch} is more than the {train.Count} training digits", isUsageError: true);
        var optimizer = EbmObjective.Optimizer(model, options.LearningRate);
        var judge = MnistJudge.Train(train, test, model.Device);
        var order = new Generator(options.Seed + 1);
        var loader = new BatchLoader(train, options.Batch, model.Device, order, dropLast: true);
        var objective = new EbmObjective(model, settings, optimizer, noise);
        int count = Math.Min(evaluationSamples, test.Count);
        var plan = new TrainingPlan
        {
            Name = EbmCheckpoint.ModelName,
            Module = model,
            Optimizers = [("", optimizer)],
            Metadata = EbmCheckpoint.Metadata("mnist", model, settings),
            Streams = new Dictionary<string, Generator> { ["model"] = noise, ["data_order"] = order },
            StepsPerEpoch = loader.BatchesPerEpoch,
            ExamplesPerEpoch = loader.BatchesPerEpoch * options.Batch,
            Batches = () => loader.Epoch().Select(b => b.Images),
            TrainTerms = EbmObjective.Terms,
            Iterate = objective.Iterate,
            TestTerms = Terms,
            Evaluate = stream =>
            {
                var scores = Score(model, settings, judge, test, count, stream);
                return Terms.Select(t => (double)scores[t]!).ToArray();
            },
            FinalMetrics = stream =>
            {
                var buffer = ScoreBuffer(model, judge, test, count);
                return new Dictionary<string, object?>
                {
                    ["judge_test_accuracy"] = judge.TestAccuracy, ["evaluation_samples"] = count, ["sample_steps"] = settings.SampleSteps,
                    ["buffer_frechet_distance"] = buffer["test_frechet_distance"], ["buffer_mean_max_softmax"] = buffer["test_mean_max_softmax"],
                    ["buffer_label_entropy"] = buffer["test_label_entropy"],
                };
            },
            WritePictures = (folder, stream) => EbmPictures.WriteDigits(folder, model, settings, stream),
            LossUnit = "loss per batch",
            RunFacts = new Dictionary<string, object?> { ["data"] = "mnist", ["langevin_steps"] = settings.Langevin.Steps, ["test_examples"] = test.Count },
        };
        return new OwnedPlan(plan, optimizer, judge);
    }

    /// <summary>The judge's scores of <paramref name="count"/> long-run samples (chains from uniform noise
    /// drawn from <paramref name="stream"/>) against the first as many test digits.</summary>
    public static Dictionary<string, object?> Score(EnergyModel model, EbmSettings settings, MnistJudge judge, MnistSplit test, int count, Generator stream)
    {
        using var scope = new TensorScope();
        var samples = LangevinSampler.FromNoise(model.Energy, count, settings.LongRun, model.Domain, model.Device, stream);
        using var noGrad = Autograd.NoGrad();
        return judge.Score(samples, test.Images(Enumerable.Range(0, count).ToArray(), model.Device));
    }

    /// <summary>The judge's scores of the replay buffer's first rows (the persistent training chains).</summary>
    public static Dictionary<string, object?> ScoreBuffer(EnergyModel model, MnistJudge judge, MnistSplit test, int count)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        int rows = Math.Min(count, model.Replay.Shape[0]);
        return judge.Score(model.Replay.Slice(0, rows), test.Images(Enumerable.Range(0, rows).ToArray(), model.Device));
    }
}
