using System.CommandLine;
using System.Globalization;
using GpuGen.Data;
using GpuGen.Models.Clustering;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen train dec|idec</c>: deep embedded clustering (Xie et al. 2016) and its variant that
/// keeps the decoder (Guo et al. 2017) on MNIST digits: options → <see cref="DecModel"/> and
/// <see cref="DecSettings"/> → <see cref="DecPlan"/>, then the shared <see cref="TrainRun"/>. The
/// runner's epochs are the pre-training epochs followed by at most --epochs clustering epochs
/// (one target refresh each), so --resume continues either phase.
/// </summary>
internal static class TrainClusteringCommands
{
    public const int DefaultPretrainEpochs = 60, DefaultClusteringEpochs = 100, DefaultBatch = 256;
    public const float DefaultPretrainNoise = 0.3f;
    public const string DefaultAugment = "mild";

    public static Command Build(DecVariant variant, TextWriter stdout, TextWriter stderr)
    {
        string name = variant == DecVariant.Dec ? "dec" : "idec";
        var common = new TrainOptions(name, 1e-3f);
        common.LearningRate.Description = "Adam's learning rate for the autoencoder's pre-training.";
        common.Data.Description = "mnist (the embedded 8,000 / 2,000 digits, the default) or a folder of MNIST files.";
        common.Data.HelpName = "mnist|dir";
        common.Batch.DefaultValueFactory = _ => DefaultBatch;
        common.Batch.Description = "Digits per step, in both phases (256 as the paper).";
        common.Epochs.DefaultValueFactory = _ => DefaultClusteringEpochs;
        common.Epochs.Description = "At most this many clustering epochs after pre-training; each is one pass over the training digits after a refresh of the target distribution. " +
            "Training stops earlier when fewer than --tol of the assignments change in an epoch (with --resume: the total to reach).";
        var pretrain = common.Shaping(TrainOptions.Positive(new Option<int>("--pretrain-epochs")
        {
            Description = "Passes of end-to-end autoencoder pre-training (Adam at --lr on the squared error) before k-means. " +
                "The paper pre-trains layer by layer as denoising autoencoders and then fine-tunes end to end; DEC's Keras code trains end to end for 200 epochs (here the test reconstruction stops improving after about 60 epochs of the 8,000 digits).",
            DefaultValueFactory = _ => DefaultPretrainEpochs,
        }));
        var noise = common.Shaping(TrainOptions.InRange(new Option<float>("--pretrain-noise")
        {
            Description = "Masking noise of pre-training: each input pixel is zeroed with this probability and the clean digit reconstructed (a denoising autoencoder, as the paper's 20% dropout); 0 for a plain autoencoder.",
            DefaultValueFactory = _ => DefaultPretrainNoise,
        }, 0f, 1f));
        var augment = common.Shaping(new Option<string>("--augment")
        {
            Description = "Random views that replace each digit in both phases, as DEC-DA (Guo et al. 2018): mild (±10° rotation, ±2-pixel shift, ±1-pixel warp, the default), weak (±3-pixel shifts and noise), digits (the joint-embedding views) or none (the paper's DEC).",
            DefaultValueFactory = _ => DefaultAugment,
            HelpName = "mild|weak|digits|none",
        });
        TrainOptions.OneOf(augment, Augmentation.Presets.Keys);
        var clusters = common.Shaping(new Option<int>("--clusters") { Description = "k, the number of clusters (10 for the ten digits).", DefaultValueFactory = _ => 10, HelpName = "k" });
        clusters.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v < 2) r.AddError($"--clusters must be at least 2, got {v}"); });
        var clusterLr = common.Shaping(new Option<float>("--cluster-lr")
        {
            Description = variant == DecVariant.Dec
                ? "Learning rate of the clustering phase: SGD with momentum 0.9 on the encoder and centres (0.01 as DEC's code)."
                : "Learning rate of the clustering phase: Adam on the whole autoencoder and the centres (0.001 as IDEC's code).",
            DefaultValueFactory = _ => DecSettings.DefaultClusterLearningRate(variant),
        });
        clusterLr.Validators.Add(r => { if (TrainOptions.Value<float>(r) is { } v && !(v is > 0f and < 10f)) r.AddError($"--cluster-lr must be in (0, 10), got {v}"); });
        var tolerance = common.Shaping(TrainOptions.InRange(new Option<float>("--tol") { Description = "Stop when fewer than this fraction of assignments change between target refreshes (0.001 as the paper).", DefaultValueFactory = _ => 0.001f }, 0f, 1f));
        var restarts = common.Shaping(TrainOptions.Positive(new Option<int>("--kmeans-restarts") { Description = "k-means++ restarts on the pre-trained codes; the least inertia is kept (20 as the paper).", DefaultValueFactory = _ => 20 }));
        var command = new Command(name, variant == DecVariant.Dec
            ? "Deep embedded clustering (Xie et al. 2016) of MNIST digits: pre-train a d-500-500-2000-10 autoencoder, k-means on its codes, then minimise KL(P ‖ Q) between Student-t soft assignments Q and their sharpened target P over the encoder and the centres. Reports clustering accuracy (Hungarian map) and NMI after k-means and after DEC."
            : "Improved DEC (Guo et al. 2017): as dec, but the decoder is kept and the clustering phase minimises reconstruction + γ·KL(P ‖ Q), which preserves the codes' local structure.")
        {
            pretrain, noise, augment, clusters, clusterLr, tolerance, restarts,
        };
        Option<float>? gamma = null;
        if (variant == DecVariant.Idec)
        {
            gamma = common.Shaping(new Option<float>("--gamma") { Description = "γ, the weight of the clustering loss against the reconstruction (0.1 as the paper).", DefaultValueFactory = _ => 0.1f });
            gamma.Validators.Add(r => { if (TrainOptions.Value<float>(r) is { } v && !(v > 0 && float.IsFinite(v))) r.AddError($"--gamma must be positive, got {v}"); });
            command.Add(gamma);
        }
        foreach (var option in common.All) command.Add(option);
        command.SetAction(parse =>
        {
            parse = common.ResolveResume(parse);
            var device = GlobalOptions.ResolveDevice(parse);
            var (train, test) = Mnist.Load(DataFolder(parse.GetValue(common.Data)));
            var settings = new DecSettings(variant, parse.GetValue(pretrain), parse.GetValue(clusterLr), gamma is null ? 0.1f : parse.GetValue(gamma),
                double.Parse(parse.GetValue(tolerance).ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), parse.GetValue(restarts), parse.GetValue(noise), // --tol: 0.001, not the float's 0.0010000000475
                Augmentation.Presets[parse.GetValue(augment)!]);
            int k = parse.GetValue(clusters);
            if (k > train.Count)
                throw new GpuGenException($"{name}: --clusters {k} is more than the {train.Count} training examples", isUsageError: true);
            var options = common.RunOptions(parse) with { Epochs = settings.PretrainEpochs + parse.GetValue(common.Epochs) };
            using var model = new DecModel(new Generator(parse.GetValue(common.Seed)), device, train.PixelsPerImage, k);
            using var plan = DecPlan.Create(model, settings, train, test, options);
            return TrainRun.Execute(plan.Plan, options, common, parse, device, stdout, stderr);
        });
        return command;
    }

    /// <summary>--data mnist (or none) is the embedded subset; anything else a folder of MNIST files.</summary>
    public static string? DataFolder(string? data) => data is null or "mnist" ? null : data;
}
