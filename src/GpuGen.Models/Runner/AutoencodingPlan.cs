using GpuGen.Data;
using GpuGen.Models.Output;
using GpuGen.Optim;

namespace GpuGen.Models.Runner;

/// <summary>
/// The <see cref="TrainingPlan"/> of a family that encodes and reconstructs digits (the
/// autoencoders, the VAE, the Gumbel-softmax VAE), from its <see cref="TrainingFamily"/>: one
/// Adam at the run's learning rate, MNIST batches in a seeded order (seed + 1; a fresh Bernoulli
/// draw each epoch from seed + 2 when the family trains on binarized digits), one
/// <see cref="Training.Step"/> per batch, the test terms averaged over the test split (binarized
/// once when the family asks), the 5-NN accuracy of the codes at the end, and
/// reconstructions.png and samples.png. The returned plan owns the optimizer: dispose it after the run.
/// </summary>
public static class AutoencodingPlan
{
    public static OwnedPlan Create(TrainingFamily family, MnistSplit train, MnistSplit test, Device device, RunOptions options)
    {
        var scored = family.BinarizeTest ? test.Binarized(TrainingRunner.TestBinarizationSeed) : test;
        var adam = new Adam(family.Module.NamedParameters(), options.LearningRate);
        var order = new Generator(options.Seed + 1);
        var binarize = family.BinarizeTraining ? new Generator(options.Seed + 2) : null;
        var loader = new BatchLoader(train, options.Batch, device, order, binarize);
        var streams = new Dictionary<string, Generator>(family.Streams) { ["data_order"] = order };
        if (binarize is not null) streams["binarize"] = binarize;
        var plan = new TrainingPlan
        {
            Name = family.Name,
            Module = family.Module,
            Optimizers = [("", adam)],
            Metadata = family.Metadata,
            Streams = streams,
            StepsPerEpoch = loader.BatchesPerEpoch,
            ExamplesPerEpoch = train.Count,
            Batches = () => loader.Epoch().Select(b => b.Images),
            TrainTerms = ["loss"],
            Iterate = (x, step) => [Training.Step(family.Name, adam, family.Loss(x, step), step.Epoch, step.Step)],
            TestTerms = family.TestTerms,
            Evaluate = noise => Training.Average(family.Module, scored, device, options.Batch, x => family.TestLoss(x, noise)),
            FinalMetrics = noise =>
            {
                var metrics = new Dictionary<string, object?> { ["test_knn_accuracy"] = Training.CodeKnnAccuracy(family.Module, train, scored, device, family.Code) };
                foreach (var (key, value) in family.FinalMetrics?.Invoke(scored, noise) ?? []) metrics[key] = value;
                return metrics;
            },
            WritePictures = (folder, noise) =>
            {
                var x = scored.Images(Enumerable.Range(0, Math.Min(8, scored.Count)).ToArray(), device);
                int shown = x.Shape[0];
                ImageGrid.SavePng(Path.Combine(folder, "reconstructions.png"), [.. x.ToArray(), .. family.Reconstruct(x).ToArray()], 2 * shown, scored.Rows, scored.Cols, shown);
                ImageGrid.SavePng(Path.Combine(folder, "samples.png"), family.Sample(64, noise).ToArray(), 64, scored.Rows, scored.Cols, 8);
                return ["reconstructions.png", "samples.png"];
            },
            LossUnit = "loss per image",
            RunFacts = new Dictionary<string, object?> { ["test_examples"] = scored.Count },
        };
        return new OwnedPlan(plan, adam);
    }
}
