using GpuGen.Data;
using GpuGen.Nn;

namespace GpuGen.Models.Runner;

/// <summary>Where a training step sits in the run: what schedules (a temperature, a learning rate) read.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Step">1-based step within the epoch.</param>
/// <param name="GlobalStep">Steps taken before this one in the whole run (0 at the first).</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
public readonly record struct TrainingStep(int Epoch, int Step, long GlobalStep, long TotalSteps);

/// <summary>
/// What a model family declares to be trained by the <see cref="TrainingRunner"/>: its module, one
/// training step's loss, its test metrics, its codes, reconstructions and samples, the metadata
/// that identifies it in a checkpoint, and the random streams that training draws from (whose
/// offsets every checkpoint keeps, so a resumed run continues bit for bit). Everything the
/// runner does with it — epochs, progress, checkpoints, resume, interruption, metrics.json,
/// pictures, the NaN guard — is the same for every family.
/// </summary>
public sealed record TrainingFamily
{
    /// <summary>The model's name in commands, checkpoints and messages (vae, ae, gumbel-vae …).</summary>
    public required string Name { get; init; }

    public required Module Module { get; init; }

    /// <summary>The scalar loss of one training batch (the runner differentiates and steps it).</summary>
    public required Func<Tensor, TrainingStep, Tensor> Loss { get; init; }

    /// <summary>Names of the test metrics; the first is the test curve of loss.png.</summary>
    public required string[] TestTerms { get; init; }

    /// <summary>The batch means of <see cref="TestTerms"/>, drawing any noise from the given
    /// evaluation stream (never a training stream, so evaluating leaves training unchanged).</summary>
    public required Func<Tensor, Generator, double[]> TestLoss { get; init; }

    /// <summary>The representation scored by 5-NN accuracy.</summary>
    public required Func<Tensor, Tensor> Code { get; init; }

    /// <summary>Reconstructions of images, as intensities, for reconstructions.png.</summary>
    public required Func<Tensor, Tensor> Reconstruct { get; init; }

    /// <summary>n samples as intensities, for samples.png, drawn from the given stream.</summary>
    public required Func<int, Generator, Tensor> Sample { get; init; }

    /// <summary>The family and its sizes: written into every checkpoint and required to match on resume.</summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>The training random streams by name (the model's own noise, …): their offsets are checkpointed.</summary>
    public IReadOnlyDictionary<string, Generator> Streams { get; init; } = new Dictionary<string, Generator>();

    /// <summary>Train on a fresh Bernoulli draw of every digit each epoch (dynamic binarization).</summary>
    public bool BinarizeTraining { get; init; }

    /// <summary>Test on digits binarized once, with a fixed seed (<see cref="TrainingRunner.TestBinarizationSeed"/>).</summary>
    public bool BinarizeTest { get; init; }

    /// <summary>Metrics computed once after training (the VAE's importance-weighted bound), on the
    /// test split the family is scored on, with an evaluation stream.</summary>
    public Func<MnistSplit, Generator, Dictionary<string, object?>>? FinalMetrics { get; init; }
}
