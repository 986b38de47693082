using GpuGen.Nn;
using GpuGen.Optim;

namespace GpuGen.Models.Runner;

/// <summary>
/// What the <see cref="TrainingRunner"/> trains, for any model family: the family's parts bound
/// to a device, its data and the run's options. A family declares here what differs between
/// families — its optimizers (a VAE has one, a GAN two), one training iteration (a WGAN-GP
/// iteration is five critic steps and a generator step), its evaluation, its final metrics and
/// its pictures — and the runner does the rest the same way for all: epochs of iterations,
/// progress, the non-finite guard, checkpoints of the module and every optimizer with the random
/// streams' offsets, resume bit for bit, interruption at a step boundary, metrics.json and
/// loss.png. The same plan runs from C# and from <c>gpugen train</c>.
/// </summary>
public sealed record TrainingPlan
{
    /// <summary>The model's name in commands, checkpoints and messages (vae, wgan-gp …).</summary>
    public required string Name { get; init; }

    /// <summary>Every trained part as one module (a GAN's generator and critic are its children),
    /// so one checkpoint holds them all under their paths.</summary>
    public required Module Module { get; init; }

    /// <summary>The optimizers by name ("" for a model's only one); each is checkpointed whole.</summary>
    public required IReadOnlyList<(string Name, Optimizer Optimizer)> Optimizers { get; init; }

    /// <summary>The family and its sizes: written into every checkpoint and required to match on resume.</summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>Every random stream training draws from (the data order, the model's noise …) by
    /// name: their offsets are checkpointed, so a resumed run draws what the first would have.</summary>
    public required IReadOnlyDictionary<string, Generator> Streams { get; init; }

    /// <summary>Iterations in an epoch (a checkpoint is written after each epoch).</summary>
    public required int StepsPerEpoch { get; init; }

    /// <summary>Training examples an epoch goes through (for examples per second and metrics.json).</summary>
    public required int ExamplesPerEpoch { get; init; }

    /// <summary>One epoch's batches, each owned by the source (valid inside its loop iteration).</summary>
    public required Func<IEnumerable<Tensor>> Batches { get; init; }

    /// <summary>Names of the values <see cref="Iterate"/> returns; the first is the progress bar's loss.</summary>
    public required string[] TrainTerms { get; init; }

    /// <summary>
    /// One training iteration on a batch: the family's own forward, backward and optimizer
    /// steps. It runs inside the runner's step scope (every tensor it makes is freed after it)
    /// and returns the values of <see cref="TrainTerms"/>; a non-finite one stops the run.
    /// </summary>
    public required Func<Tensor, TrainingStep, double[]> Iterate { get; init; }

    /// <summary>Names of the test metrics; the first is the test curve of loss.png.</summary>
    public required string[] TestTerms { get; init; }

    /// <summary>The test metrics after an epoch, drawing any noise from the given evaluation
    /// stream (never a training stream, so evaluating leaves training unchanged).</summary>
    public required Func<Generator, double[]> Evaluate { get; init; }

    /// <summary>A stopping rule, asked after each epoch (given its number; after its test evaluation,
    /// before its checkpoint): true ends the run there as if it were the last epoch (DEC stops when
    /// fewer than 0.1% of assignments change). The checkpoint records the stop, so resuming a stopped
    /// run trains no further; metrics.json says whether the rule stopped it (stopped_early).</summary>
    public Func<int, bool>? Converged { get; init; }

    /// <summary>Metrics computed once after training (in metrics.json), from an evaluation stream.</summary>
    public Func<Generator, Dictionary<string, object?>>? FinalMetrics { get; init; }

    /// <summary>Writes the family's pictures into the folder after training (samples from the given
    /// stream) and returns their file names.</summary>
    public Func<string, Generator, IReadOnlyList<string>>? WritePictures { get; init; }

    /// <summary>Pictures written after every epoch's checkpoint (a grid from a fixed z, so progress shows
    /// at a glance), into the output folder, given the epoch; returns nothing, and must not draw
    /// from a training stream.</summary>
    public Action<string, int>? EpochPictures { get; init; }

    /// <summary>What loss.png's vertical axis says the losses are ("loss per image" …).</summary>
    public string LossUnit { get; init; } = "loss";

    /// <summary>Facts about the run that metrics.json reports beside the family's metadata (data set, sizes).</summary>
    public IReadOnlyDictionary<string, object?> RunFacts { get; init; } = new Dictionary<string, object?>();
}
