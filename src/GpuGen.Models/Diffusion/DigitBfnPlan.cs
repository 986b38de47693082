using System.Globalization;
using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Output;
using GpuGen.Models.Runner;
using GpuGen.Optim;

namespace GpuGen.Models.Diffusion;

/// <summary>
/// A BFN of digits (<see cref="IDigitFlow"/>: binary or discretised) as a <see cref="TrainingPlan"/>:
/// digits in a seeded order (seed + 1) — binarized with a fresh Bernoulli draw each epoch (seed + 2) and
/// tested on the test split binarized once (<see cref="TrainingRunner.TestBinarizationSeed"/>), or binned —
/// and the continuous-time loss L^∞ with Adam(lr). Test term after each epoch: L^∞ (nats per image).
/// Final metrics, on the test split: L^n for n = 10, 25 and 100, the reconstruction term L^r, and the bounds
/// L^n + L^r, in nats per image and in bits per dimension. Pictures: samples.png (64 digits drawn with
/// 100 steps) and chain.png (the input distribution over the steps for eight of them). The returned plan
/// owns its optimizer.
/// </summary>
public static class DigitBfnPlan
{
    public static readonly int[] LossSteps = [10, 25, 100];
    public const int SampleSteps = 100;

    public static OwnedPlan Create(IDigitFlow model, IReadOnlyDictionary<string, string> metadata, MnistSplit train, MnistSplit test, Device device, Generator noise, RunOptions options)
    {
        var network = model.Network;
        var scored = Scored(model, test);
        var adam = new Adam(network.NamedParameters(), options.LearningRate);
        var order = new Generator(options.Seed + 1);
        var binarize = model.Binarized ? new Generator(options.Seed + 2) : null;
        var loader = new BatchLoader(train, options.Batch, device, order, binarize);
        var streams = new Dictionary<string, Generator> { ["model"] = noise, ["data_order"] = order };
        if (binarize is not null) streams["binarize"] = binarize;
        var plan = new TrainingPlan
        {
            Name = "bfn",
            Module = network,
            Optimizers = [("", adam)],
            Metadata = metadata,
            Streams = streams,
            StepsPerEpoch = loader.BatchesPerEpoch,
            ExamplesPerEpoch = train.Count,
            Batches = () => loader.Epoch().Select(b => b.Images),
            TrainTerms = ["loss"],
            Iterate = (images, step) => [Training.Step("bfn", adam, model.Loss(model.Prepare(images), noise), step.Epoch, step.Step)],
            TestTerms = ["test_loss_continuous"],
            Evaluate = stream => Training.Average(network, scored, device, options.Batch, x => [Mean(model.ContinuousLoss(model.Prepare(x), stream))]),
            FinalMetrics = stream => FinalMetrics(model, scored, device, options.Batch, stream),
            WritePictures = (folder, stream) => WritePictures(folder, model, scored, stream),
            LossUnit = "nats per image",
            RunFacts = new Dictionary<string, object?> { ["data"] = $"mnist ({model.Kind})", ["test_examples"] = scored.Count },
        };
        return new OwnedPlan(plan, adam);
    }

    /// <summary>The test split as the model is scored on it: binarized once for a binary flow.</summary>
    public static MnistSplit Scored(IDigitFlow model, MnistSplit test) => model.Binarized ? test.Binarized(TrainingRunner.TestBinarizationSeed) : test;

    /// <summary>A digit flow's checkpoint metadata: the flow, its parameters (β₁ for binary data; the bins and σ₁
    /// for discretised data) and the network (<see cref="DigitNetworkSpec.Metadata"/>).</summary>
    public static Dictionary<string, string> Metadata(IDigitFlow model, DigitNetworkSpec net)
    {
        var metadata = new Dictionary<string, string>(net.Metadata()) { ["model"] = "bfn", ["data"] = "mnist", ["flow"] = model.Kind };
        if (model is BinaryBfn binary) metadata["beta1"] = binary.Beta1.ToString("R", CultureInfo.InvariantCulture);
        if (model is CategoricalBfn categorical)
        {
            metadata["beta1"] = categorical.Beta1.ToString("R", CultureInfo.InvariantCulture);
            metadata["classes"] = categorical.Classes.ToString(CultureInfo.InvariantCulture);
        }
        if (model is DiscretisedBfn discretised)
        {
            metadata["bins"] = discretised.Bins.ToString(CultureInfo.InvariantCulture);
            metadata["sigma1"] = discretised.Flow.Sigma1.ToString("R", CultureInfo.InvariantCulture);
        }
        return metadata;
    }

    /// <summary>The model a <c>gpugen train bfn --data mnist</c> checkpoint describes (binary, or discretised
    /// with --bins, categorical with --classes; the MLP, or the U-Net with --net unet), loaded; one clear error for another family's
    /// checkpoint, nothing left allocated. The caller owns the network (<see cref="IDigitFlow.Network"/>).</summary>
    public static IDigitFlow Load(string path, Device device)
    {
        var meta = new CheckpointMetadata(path, "bfn");
        if (meta.Optional("flow") == "categorical")
        {
            double categoricalBeta1 = meta.Number("beta1");
            int classes = meta.Size("classes");
            if (classes < 2) throw new GpuGenException($"checkpoint {path}: metadata 'classes' is {classes}, needs at least 2");
            return new CategoricalBfn(DigitNetworkSpec.Load(meta, "mlp", device, classes, classes), categoricalBeta1, classes);
        }
        if (meta.Optional("flow") == "discretised")
        {
            var flow = new ContinuousBayesianFlow(meta.Number("sigma1"));
            int bins = meta.Size("bins");
            return new DiscretisedBfn(DigitNetworkSpec.Load(meta, "mlp", device, 2), flow, bins);
        }
        double beta1 = meta.Number("beta1");
        return new BinaryBfn(DigitNetworkSpec.Load(meta, "mlp", device, 1), beta1);
    }

    private static double Mean(Tensor perImage) => perImage.ToArray().Average(v => (double)v);

    /// <summary>The paper's table on a test split (as <see cref="Scored"/> gives it): L^n for each n, L^r, their
    /// sums and a fresh L^∞, in nats per image, and the bounds in bits per dimension, each averaged over the
    /// split with draws from the stream.</summary>
    public static Dictionary<string, object?> FinalMetrics(IDigitFlow model, MnistSplit scored, Device device, int batch, Generator stream)
    {
        var network = model.Network;
        double Average(Func<Tensor, Tensor> perImage) => Training.Average(network, scored, device, batch, x => [Mean(perImage(model.Prepare(x)))])[0];
        double reconstruction = Average(x => model.ReconstructionLoss(x, stream));
        var metrics = new Dictionary<string, object?>
        {
            ["test_loss_reconstruction"] = reconstruction,
            ["test_loss_continuous_final"] = Average(x => model.ContinuousLoss(x, stream)),
        };
        double bitsPerDimension = 1 / (model.Pixels * Math.Log(2));
        foreach (int n in LossSteps)
        {
            double loss = Average(x => model.DiscreteLoss(x, n, stream));
            metrics[$"test_loss_{n}_steps"] = loss;
            metrics[$"test_nll_bound_{n}_steps"] = loss + reconstruction;
            metrics[$"test_bits_per_dim_{n}_steps"] = (loss + reconstruction) * bitsPerDimension;
        }
        metrics["sample_steps"] = SampleSteps;
        return metrics;
    }

    private static IReadOnlyList<string> WritePictures(string folder, IDigitFlow model, MnistSplit scored, Generator stream)
    {
        int size = scored.Rows * scored.Cols;
        var states = new List<float[]>();
        float[] samples;
        using (new TensorScope())
            samples = model.Sample(64, stream, SampleSteps, (_, state) => states.Add(state.ToArray().AsSpan(0, 8 * size).ToArray())).ToArray();
        ImageGrid.SavePng(Path.Combine(folder, "samples.png"), samples, 64, scored.Rows, scored.Cols, 8);
        // the first eight chains at six points of the run: one row per point, from the prior to the result
        var shown = Enumerable.Range(0, 6).SelectMany(k => states[(int)Math.Round(k * (states.Count - 1) / 5.0)]).ToArray();
        ImageGrid.SavePng(Path.Combine(folder, "chain.png"), shown, 48, scored.Rows, scored.Cols, 8);
        return ["samples.png", "chain.png"];
    }
}
