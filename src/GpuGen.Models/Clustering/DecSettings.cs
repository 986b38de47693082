using System.Globalization;
using GpuGen.Data;

namespace GpuGen.Models.Clustering;

/// <summary>
/// What a DEC or IDEC run does besides the runner's options: its pre-training length, the
/// clustering optimizer's learning rate, IDEC's γ, the stopping tolerance and the k-means restarts.
/// </summary>
/// <param name="PretrainEpochs">Passes of end-to-end autoencoder training (Adam at the run's learning rate) before k-means.</param>
/// <param name="ClusterLearningRate">DEC: SGD with momentum 0.9 (the DEC code's 0.01); IDEC: Adam (the IDEC code's 0.001).</param>
/// <param name="Gamma">IDEC's weight of the clustering loss: L = L_reconstruction + γ·KL (0.1 as the paper).</param>
/// <param name="Tolerance">Stop when fewer than this fraction of hard assignments change between two target refreshes (0.1% as the paper).</param>
/// <param name="KMeansRestarts">k-means++ restarts on the pre-trained codes, the least inertia kept (20 as the paper).</param>
/// <param name="Augment">Random views (<see cref="Augmentation"/>) that replace each digit in both phases, as DEC-DA (Guo et al. 2018): pre-training reconstructs the view itself, clustering fits the view's assignment to the clean digit's target; <see cref="Augmentation.None"/> (or null) for the paper's DEC.</param>
/// <param name="PretrainNoise">Masking probability of the pre-training input (a denoising autoencoder: each pixel zeroed with this probability, the clean digit the target; the paper's 20% dropout); 0: a plain autoencoder.</param>
public sealed record DecSettings(DecVariant Variant, int PretrainEpochs, float ClusterLearningRate, float Gamma = 0.1f, double Tolerance = 0.001, int KMeansRestarts = 20,
    float PretrainNoise = 0f, Augmentation? Augment = null)
{
    /// <summary>Whether the digits are replaced by random views (DEC-DA) rather than used as they are.</summary>
    public bool Augmented => Augment is not null && Augment != Augmentation.None;

    public string Name => Variant == DecVariant.Dec ? "dec" : "idec";

    public static float DefaultClusterLearningRate(DecVariant variant) => variant == DecVariant.Dec ? 0.01f : 0.001f;

    public void Validate()
    {
        if (PretrainEpochs < 1) throw new GpuGenException($"{Name}: --pretrain-epochs must be at least 1, got {PretrainEpochs}", isUsageError: true);
        if (!(ClusterLearningRate > 0 && ClusterLearningRate < 10)) throw new GpuGenException($"{Name}: --cluster-lr must be in (0, 10), got {ClusterLearningRate}", isUsageError: true);
        if (!(Gamma > 0 && float.IsFinite(Gamma))) throw new GpuGenException($"{Name}: --gamma must be positive, got {Gamma}", isUsageError: true);
        if (!(Tolerance >= 0 && Tolerance < 1)) throw new GpuGenException($"{Name}: --tol must be in [0, 1), got {Tolerance}", isUsageError: true);
        if (!(PretrainNoise >= 0 && PretrainNoise < 1)) throw new GpuGenException($"{Name}: --pretrain-noise must be in [0, 1), got {PretrainNoise}", isUsageError: true);
        if (Augment?.Problem() is { } problem) throw new GpuGenException($"{Name}: --augment: {problem}", isUsageError: true);
        if (KMeansRestarts < 1) throw new GpuGenException($"{Name}: k-means needs at least one restart, got {KMeansRestarts}", isUsageError: true);
    }

    /// <summary>The settings as checkpoint metadata.</summary>
    public Dictionary<string, string> Metadata() => new()
    {
        ["pretrain_epochs"] = PretrainEpochs.ToString(CultureInfo.InvariantCulture),
        ["cluster_lr"] = ClusterLearningRate.ToString("R", CultureInfo.InvariantCulture),
        ["gamma"] = Gamma.ToString("R", CultureInfo.InvariantCulture),
        ["tol"] = Tolerance.ToString("R", CultureInfo.InvariantCulture),
        ["kmeans_restarts"] = KMeansRestarts.ToString(CultureInfo.InvariantCulture),
        ["pretrain_noise"] = PretrainNoise.ToString("R", CultureInfo.InvariantCulture),
        ["augment"] = Augmented ? Augment!.ToString() : "none",
    };
}
