namespace GpuGen.Models.Runner;

/// <summary>How the <see cref="TrainingRunner"/> trains: the options every family shares.</summary>
public sealed record RunOptions
{
    public int Epochs { get; init; } = 10;
    public int Batch { get; init; } = 100;
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>The run's seed: the data order (seed + 1), dynamic binarization (seed + 2), evaluation
    /// noise (seed + 3) and samples (seed + 4) draw from streams derived from it; the family's own
    /// streams are seeded by whoever builds it (the commands use the seed itself).</summary>
    public ulong Seed { get; init; }

    /// <summary>The folder of the checkpoint, metrics and pictures. It is created when the first
    /// epoch's checkpoint is written, so a run that fails before that leaves nothing behind.</summary>
    public required string Out { get; init; }

    /// <summary>Continue from the checkpoint in <see cref="Out"/> (its epoch, data order, random streams and optimizer state).</summary>
    public bool Resume { get; init; }

    /// <summary>Check every op's output for NaN and infinity, naming the op that first made one (slow; for debugging).</summary>
    public bool DetectAnomaly { get; init; }

    /// <summary>The options that made this run, as text by option name: kept in the checkpoint so
    /// that a resumed run can be checked against (or rebuilt from) them.</summary>
    public IReadOnlyDictionary<string, string> Arguments { get; init; } = new Dictionary<string, string>();
}

/// <summary>What the runner reports while it trains (the command line's progress bar or plain lines).</summary>
public interface IRunProgress
{
    void Start(string model, int epochs, int stepsPerEpoch, int batch, int firstEpoch);
    void Step(int epoch, int step, double loss);
    void EndEpoch(int epoch, double trainLoss, IReadOnlyList<(string Term, double Value)> test);
}

/// <summary>Reports nothing (a C# caller that wants only the result).</summary>
public sealed class NoProgress : IRunProgress
{
    public static readonly NoProgress Instance = new();
    public void Start(string model, int epochs, int stepsPerEpoch, int batch, int firstEpoch) { }
    public void Step(int epoch, int step, double loss) { }
    public void EndEpoch(int epoch, double trainLoss, IReadOnlyList<(string Term, double Value)> test) { }
}

/// <summary>The outcome of a run.</summary>
/// <param name="Metrics">What metrics.json holds (after an interruption: the metrics so far, not written).</param>
/// <param name="EpochsCompleted">Epochs whose checkpoint is on disk.</param>
/// <param name="Interrupted">True when a cancellation stopped the run at a step boundary.</param>
/// <param name="Checkpoint">The checkpoint's path (it may not exist if no epoch completed).</param>
/// <param name="Files">The files written into the output folder at the end (none when interrupted).</param>
public sealed record RunResult(Dictionary<string, object?> Metrics, int EpochsCompleted, bool Interrupted, string Checkpoint, IReadOnlyList<string> Files);
