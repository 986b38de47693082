using System.Globalization;
using GpuGen.Data;
using GpuGen.Models.Output;
using GpuGen.Models.Runner;
using GpuGen.Optim;

namespace GpuGen.Models.Clustering;

/// <summary>
/// DEC (Xie et al. 2016) or IDEC (Guo et al. 2017) on MNIST as a <see cref="TrainingPlan"/>, in
/// two phases that the runner sees as one run of epochs (so checkpoints, resume, loss.png and
/// metrics.json cover both):
/// <list type="number">
/// <item>Epochs 1 … P (<see cref="DecSettings.PretrainEpochs"/>): autoencoder pre-training. The
/// paper pre-trains greedily layer by layer as denoising autoencoders (dropout 20%, 50,000
/// iterations per layer) and then fine-tunes the whole stack end to end (100,000 iterations);
/// here the whole d-500-500-2000-10 stack is trained end to end from PyTorch's default
/// initialisation with Adam on the mean squared error, as DEC's and IDEC's Keras code does (200
/// epochs, batch 256), with masking noise on the input as the paper's denoising (the command's
/// defaults, 60 epochs and 30% masking, were the best of the settings measured on the 8,000
/// embedded digits; longer plain training over-fits them: see the README). With
/// <see cref="DecSettings.Augment"/> (the command's default, <c>--augment mild</c>) each batch's
/// digits are replaced by random views (small rotations, shifts, warps) in both phases, as DEC-DA
/// (Guo et al. 2018): the reconstruction target is the view itself, and clustering sees views while
/// P and Q over the whole set are computed on the clean digits. On 8,000 digits this is what lifts
/// test accuracy from 76.4% to 89.5% (README).</item>
/// <item>Epochs P + 1 …: clustering. At its first step, k-means (k-means++, 20 restarts) on the
/// codes of the training digits sets the centres. Every clustering epoch starts by computing
/// Q over the whole training set and from it the target P (eq. 3), fixed for that epoch: the
/// target is refreshed every T = one pass (⌈n / batch⌉ iterations: 32 for 8,000 digits at batch
/// 256, near the 30 the IDEC paper uses for USPS's 9,298). Each step minimises KL(P ‖ Q) over the
/// encoder and the centres (DEC: SGD, momentum 0.9) or the reconstruction error + γ·KL over the
/// whole autoencoder and the centres (IDEC: Adam). After each epoch the hard assignments are
/// compared with those at its start (the next refresh's): fewer than the tolerance (0.1%)
/// changed ends the run, the paper's stopping rule.</item>
/// </list>
/// Test terms after every epoch: the test reconstruction error, and the accuracy and NMI of the
/// test digits' clusters: during pre-training those of a quick k-means on the test codes,
/// afterwards argmax_j q_ij with the learned centres. The returned plan owns its optimizers.
/// </summary>
public static class DecPlan
{
    /// <summary>k-means++ restarts of the per-epoch test clustering during pre-training (a progress signal, not the result).</summary>
    public const int ProgressRestarts = 3;

    public static OwnedPlan Create(DecModel model, DecSettings settings, MnistSplit train, MnistSplit test, RunOptions options)
    {
        settings.Validate();
        if (model.Clusters < 2) throw new GpuGenException($"{settings.Name}: --clusters must be at least 2, got {model.Clusters}", isUsageError: true);
        if (model.Clusters > train.Count)
            throw new GpuGenException($"{settings.Name}: --clusters {model.Clusters} is more than the {train.Count} training examples", isUsageError: true);
        if (model.Inputs != train.PixelsPerImage) throw new ArgumentException($"{settings.Name}: the model takes {model.Inputs} pixels, the digits have {train.PixelsPerImage}");
        var pretrain = new Adam(model.AutoencoderParameters(), options.LearningRate);
        Optimizer cluster = settings.Variant == DecVariant.Dec
            ? new Sgd(model.ClusteringParameters(DecVariant.Dec), settings.ClusterLearningRate, momentum: 0.9f)
            : new Adam(model.ClusteringParameters(DecVariant.Idec), settings.ClusterLearningRate);
        var order = new Generator(options.Seed + 1);
        var kmeansStream = new Generator(options.Seed + 7);
        var corruption = new Generator(options.Seed + 8);
        var views = new Generator(options.Seed + 9);
        var batches = new IndexedBatches(train, options.Batch, model.Device, order);
        var run = new DecTraining(model, settings, train, test, batches, pretrain, cluster, kmeansStream, corruption, views);
        var plan = new TrainingPlan
        {
            Name = settings.Name,
            Module = model,
            Optimizers = [("pretrain", pretrain), ("cluster", cluster)],
            Metadata = Metadata(model, settings),
            Streams = new Dictionary<string, Generator> { ["data_order"] = order, ["kmeans"] = kmeansStream, ["corruption"] = corruption, ["views"] = views },
            StepsPerEpoch = batches.BatchesPerEpoch,
            ExamplesPerEpoch = train.Count,
            Batches = batches.Epoch,
            TrainTerms = ["loss", "reconstruction", "kl"],
            Iterate = run.Iterate,
            TestTerms = ["test_reconstruction", "test_accuracy", "test_nmi"],
            Evaluate = run.Evaluate,
            Converged = run.Converged,
            FinalMetrics = _ => run.FinalMetrics(),
            WritePictures = (folder, _) =>
            {
                ClusterPicture.SavePng(Path.Combine(folder, "clusters.png"), model, test);
                return ["clusters.png"];
            },
            LossUnit = "loss per image (reconstruction: per pixel)",
            RunFacts = new Dictionary<string, object?> { ["test_examples"] = test.Count, ["clusters"] = model.Clusters, ["pretrain_epochs"] = settings.PretrainEpochs },
        };
        return new OwnedPlan(plan, pretrain, cluster);
    }

    public static Dictionary<string, string> Metadata(DecModel model, DecSettings settings) =>
        new(settings.Metadata())
        {
            ["model"] = settings.Name,
            ["inputs"] = model.Inputs.ToString(CultureInfo.InvariantCulture),
            ["clusters"] = model.Clusters.ToString(CultureInfo.InvariantCulture),
            ["code"] = model.CodeSize.ToString(CultureInfo.InvariantCulture),
            ["hidden"] = string.Join(",", model.Hidden.Select(h => h.ToString(CultureInfo.InvariantCulture))),
        };
}
