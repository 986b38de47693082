using System.Globalization;

namespace GpuGen.Models.EnergyBased;

/// <summary>
/// How an energy-based model trains and samples.
/// </summary>
/// <param name="Langevin">The training chains: K steps of λ and σ from the replay buffer (or noise).</param>
/// <param name="SampleSteps">Steps of the long-run chains from uniform noise that evaluation, the
/// pictures and <c>gpugen sample ebm</c> draw (with the training chains' λ and σ).</param>
/// <param name="Alpha">α, the weight of the energies' squares in the contrastive-divergence loss.</param>
/// <param name="BufferSize">Rows of the replay buffer.</param>
public sealed record EbmSettings(LangevinSettings Langevin, int SampleSteps, float Alpha, int BufferSize)
{
    /// <summary>The long-run chains' settings.</summary>
    public LangevinSettings LongRun => Langevin.WithSteps(SampleSteps);

    /// <summary>One line for the first setting out of range, or null when all are valid.</summary>
    public string? Problem() =>
        Langevin.Steps < 1 ? $"--langevin-steps must be at least 1, got {Langevin.Steps}"
        : !(Langevin.StepSize > 0 && float.IsFinite(Langevin.StepSize)) ? $"--step-size must be positive, got {Langevin.StepSize}"
        : !(Langevin.Noise >= 0 && float.IsFinite(Langevin.Noise)) ? $"--noise must be at least 0, got {Langevin.Noise}"
        : SampleSteps < 1 ? $"--sample-steps must be at least 1, got {SampleSteps}"
        : !(Alpha >= 0 && float.IsFinite(Alpha)) ? $"--alpha must be at least 0, got {Alpha}"
        : BufferSize < 1 ? $"--buffer must be at least 1, got {BufferSize}"
        : null;

    /// <summary>The settings as checkpoint metadata.</summary>
    public Dictionary<string, string> ToMetadata() => new()
    {
        ["langevin_steps"] = Langevin.Steps.ToString(CultureInfo.InvariantCulture),
        ["step_size"] = Langevin.StepSize.ToString("R", CultureInfo.InvariantCulture),
        ["noise"] = Langevin.Noise.ToString("R", CultureInfo.InvariantCulture),
        ["sample_steps"] = SampleSteps.ToString(CultureInfo.InvariantCulture),
        ["alpha"] = Alpha.ToString("R", CultureInfo.InvariantCulture),
        ["buffer"] = BufferSize.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// The defaults of <c>gpugen train ebm</c> for the toys and for digits, chosen by the runs recorded
/// in the README (each a few minutes on two CPU cores).
/// </summary>
public static class EbmDefaults
{
    public const int ToyEpochs = 10, ToyBatch = 256, ToyWidth = 128;
    public const float ToyLearningRate = 1e-3f;

    /// <summary>The toy MLP's first layer initialised ×15 (see <see cref="EnergyNetworks.Toy"/>).</summary>
    public const float ToyInputScale = 15f;
    public const int DigitEpochs = 5, DigitBatch = 100, DigitWidth = 256;
    public const float DigitLearningRate = 1e-4f;
    public const string DigitNet = "mlp";

    /// <summary>Toys: 40 steps of λ/2 = 0.05 with σ = 0.01 (T = σ²/λ = 10⁻³; see <see cref="LangevinSettings"/>).</summary>
    public static EbmSettings Toy => new(new LangevinSettings(40, 0.1f, 0.01f), 200, 0.1f, 10_000);

    /// <summary>Digits: Du &amp; Mordatch's step (λ/2 = 10) and noise (σ = 0.005) on intensities in
    /// [0, 1], with 20 steps per iteration; their α = 1.</summary>
    public static EbmSettings Digits => new(new LangevinSettings(20, 20f, 0.005f), 100, 1f, 10_000);
}
