using System.Diagnostics;
using System.Text.Json;
using GpuGen.Data;
using GpuGen.IO;
using GpuGen.Models.Output;
using GpuGen.Optim;

namespace GpuGen.Models.Runner;

/// <summary>
/// Trains any <see cref="TrainingFamily"/> the same way, from the command line or from C#:
/// epochs of Adam steps with progress, a test evaluation after each epoch, a checkpoint written
/// atomically at the end of every epoch (module, optimizer, data order, random streams, curves),
/// resume from that checkpoint bit for bit, a stop at the next step boundary when cancelled
/// (the last complete checkpoint stays), and at the end metrics.json, loss.png,
/// reconstructions.png and samples.png, each written atomically.
///
/// Ownership: every tensor a step makes belongs to that step's scope (the batch to the loader),
/// evaluation and pictures open their own scopes, so a warm run allocates nothing per epoch.
/// </summary>
public static class TrainingRunner
{
    public const string CheckpointFile = "model.safetensors";

    /// <summary>The fixed seed of the once-binarized test split: every run scores the same binary digits.</summary>
    public const ulong TestBinarizationSeed = 0x7E57;

    /// <summary>The options a checkpoint's run recorded (<see cref="RunOptions.Arguments"/>), for a command line's resume.</summary>
    public static IReadOnlyDictionary<string, string> RecordedArguments(IReadOnlyDictionary<string, string> metadata, string path) =>
        RunState.Arguments(metadata, path);

    /// <summary>Trains <paramref name="family"/> on <paramref name="train"/>, scoring it on <paramref name="test"/>.</summary>
    public static RunResult Run(TrainingFamily family, MnistSplit train, MnistSplit test, Device device, RunOptions options,
        IRunProgress? progress = null, CancellationToken cancel = default)
    {
        progress ??= NoProgress.Instance;
        if (options.Epochs <= 0 || options.Batch <= 0) throw new GpuGenException($"{family.Name}: epochs and batch must be positive, got {options.Epochs} and {options.Batch}", isUsageError: true);
        string checkpoint = Path.Combine(options.Out, CheckpointFile);
        OutputFolder.CheckWritable(options.Out);
        var scored = family.BinarizeTest ? test.Binarized(TestBinarizationSeed) : test;
        using var adam = new Adam(family.Module.NamedParameters(), options.LearningRate);
        var order = new Generator(options.Seed + 1);
        var binarize = family.BinarizeTraining ? new Generator(options.Seed + 2) : null;
        var loader = new BatchLoader(train, options.Batch, device, order, binarize);
        var streams = new Dictionary<string, Generator>(family.Streams) { ["data_order"] = order };
        if (binarize is not null) streams["binarize"] = binarize;
        var state = options.Resume ? RunState.Resume(checkpoint, family, adam, streams, options) : RunState.Fresh();

        int stepsPerEpoch = loader.BatchesPerEpoch;
        long totalSteps = (long)options.Epochs * stepsPerEpoch;
        progress.Start(family.Name, options.Epochs, stepsPerEpoch, options.Batch, state.Epoch + 1);
        using (AnomalyScope(options))
            for (int epoch = state.Epoch + 1; epoch <= options.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                double trainLoss;
                try
                {
                    int e = epoch;
                    trainLoss = Training.Epoch(family.Name, family.Module, adam, loader,
                        (x, step) => family.Loss(x, new TrainingStep(e, step, (long)(e - 1) * stepsPerEpoch + step - 1, totalSteps)),
                        epoch, (s, l) => progress.Step(e, s, l), cancel);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    return new RunResult(Metrics(family, train, scored, device, options, state, null), state.Epoch, true, checkpoint);
                }
                catch (GpuGenException error) when (state.Epoch > 0)
                {
                    throw new GpuGenException($"{error.Message}; the checkpoint of epoch {state.Epoch} is kept in {options.Out}", error);
                }
                var terms = Evaluate(family, scored, device, options);
                state = state.After(epoch, trainLoss, terms, clock.Elapsed.TotalSeconds);
                OutputFolder.Create(options.Out);
                Checkpoint.Save(checkpoint, family.Module, adam, state.ToMetadata(family, options, streams));
                progress.EndEpoch(epoch, trainLoss, family.TestTerms.Zip(terms).ToList());
                if (cancel.IsCancellationRequested && epoch < options.Epochs)
                    return new RunResult(Metrics(family, train, scored, device, options, state, null), state.Epoch, true, checkpoint);
            }

        double knn = Training.CodeKnnAccuracy(family.Module, train, scored, device, family.Code);
        var metrics = Metrics(family, train, scored, device, options, state, knn);
        OutputFolder.Create(options.Out);
        WriteOutputs(family, scored, device, options, state, metrics);
        return new RunResult(metrics, state.Epoch, false, checkpoint);
    }

    /// <summary>--detect-anomaly: the core's anomaly mode around training and evaluation.</summary>
    private static IDisposable? AnomalyScope(RunOptions options) => options.DetectAnomaly ? Autograd.DetectAnomaly() : null;

    /// <summary>The test metrics, noise drawn from a fresh evaluation stream (seed + 3): the same
    /// noise at every evaluation, and none taken from training.</summary>
    private static double[] Evaluate(TrainingFamily family, MnistSplit scored, Device device, RunOptions options)
    {
        var noise = new Generator(options.Seed + 3);
        return Training.Average(family.Module, scored, device, options.Batch, x => family.TestLoss(x, noise));
    }

    private static Dictionary<string, object?> Metrics(TrainingFamily family, MnistSplit train, MnistSplit scored, Device device, RunOptions options,
        RunState state, double? knn)
    {
        var metrics = new Dictionary<string, object?>
        {
            ["model"] = family.Name, ["device"] = device.Name, ["epochs"] = state.Epoch, ["batch"] = options.Batch, ["lr"] = options.LearningRate,
            ["seed"] = options.Seed, ["train_examples"] = train.Count, ["test_examples"] = scored.Count,
        };
        if (knn is not null) metrics["test_knn_accuracy"] = knn;
        metrics["train_seconds"] = state.Seconds;
        metrics["examples_per_second"] = state.Seconds > 0 ? state.Epoch * (double)train.Count / state.Seconds : null;
        metrics["train_curve"] = state.TrainCurve;
        metrics["test_curve"] = state.TestCurve;
        foreach (var (key, value) in family.Metadata) metrics.TryAdd(key, value);
        for (int i = 0; i < state.LastTest.Length; i++) metrics[family.TestTerms[i]] = state.LastTest[i];
        if (knn is not null && family.FinalMetrics is not null)
            foreach (var (key, value) in family.FinalMetrics(scored, new Generator(options.Seed + 3))) metrics[key] = value;
        return metrics;
    }

    /// <summary>metrics.json, loss.png (train and test curves), reconstructions.png (8 test digits over
    /// their reconstructions) and samples.png (64 samples from a stream of seed + 4).</summary>
    private static void WriteOutputs(TrainingFamily family, MnistSplit scored, Device device, RunOptions options, RunState state, Dictionary<string, object?> metrics)
    {
        string folder = options.Out;
        AtomicFile.WriteText(Path.Combine(folder, "metrics.json"), JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }));
        var epochs = Enumerable.Range(1, state.TrainCurve.Count).Select(e => (double)e).ToArray();
        LossCurve.SavePng(Path.Combine(folder, "loss.png"), $"{family.Name} on MNIST", "loss per image",
            [("train", epochs, state.TrainCurve.ToArray()), ("test", epochs, state.TestCurve.ToArray())]);
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        family.Module.Eval();
        var x = scored.Images(Enumerable.Range(0, Math.Min(8, scored.Count)).ToArray(), device);
        int shown = x.Shape[0];
        ImageGrid.SavePng(Path.Combine(folder, "reconstructions.png"), [.. x.ToArray(), .. family.Reconstruct(x).ToArray()], 2 * shown, scored.Rows, scored.Cols, shown);
        ImageGrid.SavePng(Path.Combine(folder, "samples.png"), family.Sample(64, new Generator(options.Seed + 4)).ToArray(), 64, scored.Rows, scored.Cols, 8);
    }
}
