using System.Globalization;
using System.Text.Json;
using GpuGen.IO;
using GpuGen.Optim;

namespace GpuGen.Models.Runner;

/// <summary>
/// What a checkpoint holds of a run besides the module and optimizer tensors, in its metadata:
/// the epochs completed, the offsets of every training random stream at the end of the last of
/// them, the loss curves, the last test metrics, the training time so far, and the options of
/// the run. With these and the optimizer's state a resumed run repeats an uninterrupted one bit
/// for bit on the same device.
/// </summary>
/// <param name="TrainCurve">Per epoch, the mean of each train term.</param>
/// <param name="Stopped">The plan's stopping rule ended the run (<see cref="TrainingPlan.Converged"/>): no epoch follows.</param>
internal sealed record RunState(int Epoch, List<double[]> TrainCurve, List<double> TestCurve, double[] LastTest, double Seconds, bool Stopped = false)
{
    private const string EpochKey = "run.epoch", StreamsKey = "run.streams", TrainCurveKey = "run.train_curve", TestCurveKey = "run.test_curve",
        LastTestKey = "run.last_test", SecondsKey = "run.seconds", BatchKey = "run.batch", LearningRateKey = "run.lr", SeedKey = "run.seed",
        EpochsKey = "run.epochs", ArgumentsKey = "run.arguments", StoppedKey = "run.stopped";

    public static RunState Fresh() => new(0, [], [], [], 0);

    /// <summary>The checkpoint metadata for this state: the family's, the seed, and the run's.</summary>
    public Dictionary<string, string> ToMetadata(TrainingPlan plan, RunOptions options)
    {
        var meta = new Dictionary<string, string>(plan.Metadata)
        {
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            [EpochKey] = Epoch.ToString(CultureInfo.InvariantCulture),
            [EpochsKey] = options.Epochs.ToString(CultureInfo.InvariantCulture),
            [BatchKey] = options.Batch.ToString(CultureInfo.InvariantCulture),
            [LearningRateKey] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            [SeedKey] = options.Seed.ToString(CultureInfo.InvariantCulture),
            [StreamsKey] = JsonSerializer.Serialize(plan.Streams.ToDictionary(s => s.Key, s => s.Value.Offset)),
            [TrainCurveKey] = JsonSerializer.Serialize(TrainCurve),
            [TestCurveKey] = JsonSerializer.Serialize(TestCurve),
            [LastTestKey] = JsonSerializer.Serialize(LastTest),
            [SecondsKey] = Seconds.ToString("R", CultureInfo.InvariantCulture),
            [ArgumentsKey] = JsonSerializer.Serialize(options.Arguments),
        };
        if (Stopped) meta[StoppedKey] = "true";
        return meta;
    }

    /// <summary>The options a checkpoint's run was started with (for the command line's --resume).</summary>
    public static IReadOnlyDictionary<string, string> Arguments(IReadOnlyDictionary<string, string> metadata, string path) =>
        metadata.TryGetValue(ArgumentsKey, out var text)
            ? Parse<Dictionary<string, string>>(text, ArgumentsKey, path)
            : throw new GpuGenException($"checkpoint {path}: no '{ArgumentsKey}' in its metadata: not written by a training run, so it cannot be resumed");

    /// <summary>
    /// Reads the run's state from <paramref name="path"/>, checks that it belongs to this plan and
    /// these options, and only then loads the module and optimizers and moves the streams to their
    /// saved offsets. Any problem is one error, with nothing changed.
    /// </summary>
    public static RunState Resume(string path, TrainingPlan plan, RunOptions options)
    {
        var streams = plan.Streams;
        if (!File.Exists(path))
            throw new GpuGenException($"--resume: there is no checkpoint {path} (a run writes it at the end of its first epoch)");
        var file = SafeTensors.Load(path);
        var meta = file.Metadata;
        string Get(string key) => meta.TryGetValue(key, out var v) ? v
            : throw new GpuGenException($"checkpoint {path}: no '{key}' in its metadata: not written by a training run, so it cannot be resumed");
        if (meta.TryGetValue("model", out var model) && model != plan.Name)
            throw new GpuGenException($"checkpoint {path}: holds a '{model}' model, not a '{plan.Name}'");
        Same(Get(BatchKey), options.Batch.ToString(CultureInfo.InvariantCulture), "--batch", path);
        Same(Get(LearningRateKey), options.LearningRate.ToString("R", CultureInfo.InvariantCulture), "--lr", path);
        Same(Get(SeedKey), options.Seed.ToString(CultureInfo.InvariantCulture), "--seed", path);
        int epoch = int.TryParse(Get(EpochKey), CultureInfo.InvariantCulture, out int e) && e >= 1 ? e
            : throw new GpuGenException($"checkpoint {path}: '{EpochKey}' is not a count of epochs");
        var offsets = Parse<Dictionary<string, ulong>>(Get(StreamsKey), StreamsKey, path);
        foreach (var name in streams.Keys.Where(n => !offsets.ContainsKey(n)))
            throw new GpuGenException($"checkpoint {path}: has no offset for the random stream '{name}'");
        foreach (var name in offsets.Keys.Where(n => !streams.ContainsKey(n)))
            throw new GpuGenException($"checkpoint {path}: has a random stream '{name}' that this run does not");
        var state = new RunState(epoch, Parse<List<double[]>>(Get(TrainCurveKey), TrainCurveKey, path), Parse<List<double>>(Get(TestCurveKey), TestCurveKey, path),
            Parse<double[]>(Get(LastTestKey), LastTestKey, path),
            double.TryParse(Get(SecondsKey), CultureInfo.InvariantCulture, out double s) ? s : 0,
            meta.GetValueOrDefault(StoppedKey) == "true");
        if (state.TrainCurve.Count != epoch || state.TestCurve.Count != epoch || state.LastTest.Length != plan.TestTerms.Length
            || state.TrainCurve.Any(e => e.Length != plan.TrainTerms.Length))
            throw new GpuGenException($"checkpoint {path}: its curves do not have one value per completed epoch ({epoch})");

        var expected = new Dictionary<string, string>(plan.Metadata) { ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture) };
        Checkpoint.Load(file, path, plan.Module, plan.Optimizers, expected); // validates everything before it writes
        foreach (var (name, generator) in streams) generator.Seek(offsets[name]);
        return state;
    }

    public RunState After(int epoch, double[] trainLoss, double[] test, double seconds, bool stopped = false) =>
        new(epoch, [.. TrainCurve, trainLoss], [.. TestCurve, test[0]], test, Seconds + seconds, stopped);

    private static void Same(string stored, string given, string option, string path)
    {
        if (stored != given)
            throw new GpuGenException($"--resume: the checkpoint {path} was trained with {option} {stored}, not {given}; a resumed run must use the same to continue it exactly", isUsageError: true);
    }

    private static T Parse<T>(string text, string key, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text) ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            throw new GpuGenException($"checkpoint {path}: metadata '{key}' is not valid ({text[..Math.Min(text.Length, 40)]})");
        }
    }
}
