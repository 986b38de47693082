using System.Diagnostics;
using System.Text.Json;
using GpuGen.Data;
using GpuGen.IO;
using GpuGen.Models.Output;

namespace GpuGen.Models.Runner;

/// <summary>
/// Trains any <see cref="TrainingPlan"/> the same way, from the command line or from C#: epochs
/// of the family's iterations with progress, a test evaluation after each epoch, a checkpoint
/// written atomically at the end of every epoch (module, every optimizer, random streams,
/// curves), resume from that checkpoint bit for bit, a stop at the next step boundary when
/// cancelled (the last complete checkpoint stays), and at the end metrics.json, loss.png and
/// the family's pictures, each written atomically.
///
/// Ownership: every tensor an iteration makes belongs to that step's scope (the batch to its
/// source), evaluation and pictures open their own scopes, so a warm run allocates nothing per
/// epoch.
/// </summary>
public static class TrainingRunner
{
    public const string CheckpointFile = "model.safetensors";

    /// <summary>The fixed seed of the once-binarized test split: every run scores the same binary digits.</summary>
    public const ulong TestBinarizationSeed = 0x7E57;

    /// <summary>The options a checkpoint's run recorded (<see cref="RunOptions.Arguments"/>), for a command line's resume.</summary>
    public static IReadOnlyDictionary<string, string> RecordedArguments(IReadOnlyDictionary<string, string> metadata, string path) =>
        RunState.Arguments(metadata, path);

    /// <summary>Trains an autoencoding <paramref name="family"/> on <paramref name="train"/>, scoring it on
    /// <paramref name="test"/> (see <see cref="AutoencodingPlan"/>).</summary>
    public static RunResult Run(TrainingFamily family, MnistSplit train, MnistSplit test, Device device, RunOptions options,
        IRunProgress? progress = null, CancellationToken cancel = default)
    {
        CheckCounts(family.Name, options);
        using var plan = AutoencodingPlan.Create(family, train, test, device, options);
        return Run(plan.Plan, device, options, progress, cancel);
    }

    /// <summary>Trains <paramref name="plan"/> for <see cref="RunOptions.Epochs"/> epochs (continuing the
    /// checkpoint in <see cref="RunOptions.Out"/> when <see cref="RunOptions.Resume"/>).</summary>
    public static RunResult Run(TrainingPlan plan, Device device, RunOptions options, IRunProgress? progress = null, CancellationToken cancel = default)
    {
        progress ??= NoProgress.Instance;
        CheckCounts(plan.Name, options);
        string checkpoint = Path.Combine(options.Out, CheckpointFile);
        OutputFolder.CheckWritable(options.Out);
        var state = options.Resume ? RunState.Resume(checkpoint, plan, options) : RunState.Fresh();

        long totalSteps = (long)options.Epochs * plan.StepsPerEpoch;
        progress.Start(plan.Name, options.Epochs, plan.StepsPerEpoch, options.Batch, state.Epoch + 1);
        using (options.DetectAnomaly ? Autograd.DetectAnomaly() : null)
            for (int epoch = state.Epoch + 1; epoch <= options.Epochs && !state.Stopped; epoch++)
            {
                var clock = Stopwatch.StartNew();
                double[] trainLoss;
                try
                {
                    trainLoss = Epoch(plan, epoch, totalSteps, progress, cancel);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    return new RunResult(Metrics(plan, device, options, state, final: null), state.Epoch, true, checkpoint, []);
                }
                catch (GpuGenException error) when (state.Epoch > 0)
                {
                    throw new GpuGenException($"{error.Message}; the checkpoint of epoch {state.Epoch} is kept in {options.Out}", error);
                }
                double[] test;
                using (new TensorScope()) test = plan.Evaluate(new Generator(options.Seed + 3));
                bool stop;
                using (new TensorScope()) stop = plan.Converged?.Invoke(epoch) ?? false;
                state = state.After(epoch, trainLoss, test, clock.Elapsed.TotalSeconds, stop);
                OutputFolder.Create(options.Out);
                Checkpoint.Save(checkpoint, plan.Module, plan.Optimizers, state.ToMetadata(plan, options));
                if (plan.EpochPictures is not null)
                    using (new TensorScope())
                    using (Autograd.NoGrad())
                        plan.EpochPictures(options.Out, epoch);
                progress.EndEpoch(epoch, trainLoss[0], plan.TestTerms.Zip(test).ToList());
                if (cancel.IsCancellationRequested && epoch < options.Epochs && !stop)
                    return new RunResult(Metrics(plan, device, options, state, final: null), state.Epoch, true, checkpoint, []);
            }

        Dictionary<string, object?>? final;
        using (new TensorScope()) final = plan.FinalMetrics?.Invoke(new Generator(options.Seed + 3)) ?? [];
        var metrics = Metrics(plan, device, options, state, final);
        OutputFolder.Create(options.Out);
        var files = WriteOutputs(plan, options, state, metrics);
        return new RunResult(metrics, state.Epoch, false, checkpoint, files);
    }

    private static void CheckCounts(string name, RunOptions options)
    {
        if (options.Epochs <= 0 || options.Batch <= 0)
            throw new GpuGenException($"{name}: epochs and batch must be positive, got {options.Epochs} and {options.Batch}", isUsageError: true);
    }

    /// <summary>
    /// One epoch of the plan's iterations, each inside a scope of its own; returns the mean of each
    /// train term. A non-finite value stops training with an error naming the model, the term,
    /// the epoch and the step; cancellation is checked only between iterations.
    /// </summary>
    private static double[] Epoch(TrainingPlan plan, int epoch, long totalSteps, IRunProgress progress, CancellationToken cancel)
    {
        plan.Module.Train();
        var sums = new double[plan.TrainTerms.Length];
        int steps = 0;
        foreach (var batch in plan.Batches())
        {
            cancel.ThrowIfCancellationRequested();
            double[] values;
            GpuGen.Launch.Profiler.StepBegins();
            try
            {
                using (new TensorScope())
                    values = plan.Iterate(batch, new TrainingStep(epoch, steps + 1, (long)(epoch - 1) * plan.StepsPerEpoch + steps, totalSteps));
            }
            catch (AnomalyException e)
            {
                throw new GpuGenException($"{plan.Name}: at epoch {epoch}, step {steps + 1}, {e.Message}", e);
            }
            finally
            {
                GpuGen.Launch.Profiler.StepEnds();
            }
            for (int i = 0; i < values.Length; i++)
            {
                if (!double.IsFinite(values[i]))
                    throw new GpuGenException($"{plan.Name}: {plan.TrainTerms[i]} became {values[i]} at epoch {epoch}, step {steps + 1}; lower the learning rate, or run with --detect-anomaly to find the op that made it");
                sums[i] += values[i];
            }
            steps++;
            progress.Step(epoch, steps, values[0]);
        }
        return sums.Select(s => s / Math.Max(steps, 1)).ToArray();
    }

    private static Dictionary<string, object?> Metrics(TrainingPlan plan, Device device, RunOptions options, RunState state, Dictionary<string, object?>? final)
    {
        var metrics = new Dictionary<string, object?>
        {
            ["model"] = plan.Name, ["device"] = device.Name, ["epochs"] = state.Epoch, ["batch"] = options.Batch, ["lr"] = options.LearningRate,
            ["seed"] = options.Seed, ["train_examples"] = plan.ExamplesPerEpoch,
        };
        foreach (var (key, value) in plan.RunFacts) metrics[key] = value;
        metrics["train_seconds"] = state.Seconds;
        metrics["examples_per_second"] = state.Seconds > 0 ? state.Epoch * (double)plan.ExamplesPerEpoch / state.Seconds : null;
        metrics["train_curve"] = plan.TrainTerms.Length == 1
            ? state.TrainCurve.Select(e => e[0]).ToList()
            : plan.TrainTerms.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => state.TrainCurve.Select(e => e[p.i]).ToList());
        metrics["test_curve"] = state.TestCurve;
        if (plan.Converged is not null) metrics["stopped_early"] = state.Stopped;
        foreach (var (key, value) in plan.Metadata) metrics.TryAdd(key, value);
        for (int i = 0; i < state.LastTest.Length; i++) metrics[plan.TestTerms[i]] = state.LastTest[i];
        foreach (var (key, value) in final ?? []) metrics[key] = value;
        return metrics;
    }

    /// <summary>metrics.json, loss.png (each train term and the first test term by epoch) and the
    /// family's pictures (samples from a stream of seed + 4); returns the file names.</summary>
    private static List<string> WriteOutputs(TrainingPlan plan, RunOptions options, RunState state, Dictionary<string, object?> metrics)
    {
        string folder = options.Out;
        AtomicFile.WriteText(Path.Combine(folder, "metrics.json"), JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }));
        var epochs = Enumerable.Range(1, state.TrainCurve.Count).Select(e => (double)e).ToArray();
        var series = plan.TrainTerms.Select((term, i) => (plan.TrainTerms.Length == 1 ? "train" : term, epochs, state.TrainCurve.Select(e => e[i]).ToArray())).ToList();
        series.Add((plan.TestTerms[0], epochs, state.TestCurve.ToArray()));
        LossCurve.SavePng(Path.Combine(folder, "loss.png"), $"{plan.Name} on {plan.RunFacts.GetValueOrDefault("data") ?? "MNIST"}", plan.LossUnit, series);
        List<string> files = [CheckpointFile, "metrics.json", "loss.png"];
        if (plan.WritePictures is not null)
        {
            using var scope = new TensorScope();
            using var noGrad = Autograd.NoGrad();
            plan.Module.Eval();
            files.AddRange(plan.WritePictures(folder, new Generator(options.Seed + 4)));
        }
        return files;
    }
}
