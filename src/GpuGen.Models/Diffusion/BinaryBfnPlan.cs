using System.Globalization;
using GpuGen.Data;
using GpuGen.Models.Output;
using GpuGen.Models.Runner;
using GpuGen.Optim;

namespace GpuGen.Models.Diffusion;

/// <summary>
/// A <see cref="BinaryBfn"/> on binarized MNIST as a <see cref="TrainingPlan"/>: digits in a seeded
/// order (seed + 1) with a fresh Bernoulli draw each epoch (seed + 2), the continuous-time loss L^∞
/// with Adam(lr); tested on the test split binarized once (<see cref="TrainingRunner.TestBinarizationSeed"/>).
/// Test term after each epoch: L^∞ (nats per image). Final metrics, on the test split: L^n for
/// n = 10, 25 and 100, the reconstruction term L^r, and the bounds L^n + L^r, in nats per image; the
/// sampling steps of the pictures. Pictures: samples.png (64 digits drawn with 100 steps) and chain.png
/// (θ over the steps for eight of them). The returned plan owns its optimizer.
/// </summary>
public static class BinaryBfnPlan
{
    public static readonly int[] LossSteps = [10, 25, 100];
    public const int SampleSteps = 100;

    public static OwnedPlan Create(BinaryFlowMlp network, BinaryBfn bfn, MnistSplit train, MnistSplit test, Generator noise, RunOptions options)
    {
        var device = network.Device;
        var scored = test.Binarized(TrainingRunner.TestBinarizationSeed);
        var adam = new Adam(network.NamedParameters(), options.LearningRate);
        var order = new Generator(options.Seed + 1);
        var binarize = new Generator(options.Seed + 2);
        var loader = new BatchLoader(train, options.Batch, device, order, binarize);
        var plan = new TrainingPlan
        {
            Name = "bfn",
            Module = network,
            Optimizers = [("", adam)],
            Metadata = Metadata(network, bfn),
            Streams = new Dictionary<string, Generator> { ["model"] = noise, ["data_order"] = order, ["binarize"] = binarize },
            StepsPerEpoch = loader.BatchesPerEpoch,
            ExamplesPerEpoch = train.Count,
            Batches = () => loader.Epoch().Select(b => b.Images),
            TrainTerms = ["loss"],
            Iterate = (x, step) => [Training.Step("bfn", adam, bfn.Loss(x, noise), step.Epoch, step.Step)],
            TestTerms = ["test_loss_continuous"],
            Evaluate = stream => Training.Average(network, scored, device, options.Batch, x => [Mean(bfn.ContinuousLoss(x, stream))]),
            FinalMetrics = stream => FinalMetrics(network, bfn, scored, device, options.Batch, stream),
            WritePictures = (folder, stream) => WritePictures(folder, bfn, scored, stream),
            LossUnit = "nats per image",
            RunFacts = new Dictionary<string, object?> { ["data"] = "mnist (binarized)", ["test_examples"] = scored.Count, ["beta1"] = bfn.Beta1 },
        };
        return new OwnedPlan(plan, adam);
    }

    public static Dictionary<string, string> Metadata(BinaryFlowMlp network, BinaryBfn bfn) => new()
    {
        ["model"] = "bfn",
        ["data"] = "mnist",
        ["beta1"] = bfn.Beta1.ToString("R", CultureInfo.InvariantCulture),
        ["width"] = network.Width.ToString(CultureInfo.InvariantCulture),
        ["depth"] = network.Depth.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The network and model a <c>gpugen train bfn --data mnist</c> checkpoint describes, loaded (one
    /// clear error for another family's checkpoint, nothing left allocated). The caller owns the network.</summary>
    public static (BinaryFlowMlp Network, BinaryBfn Bfn) Load(string path, Device device)
    {
        var meta = new CheckpointMetadata(path, "bfn");
        double beta1 = meta.Number("beta1");
        var network = meta.LoadInto(new BinaryFlowMlp(new Generator(0), device, 784, meta.Size("width"), meta.Size("depth")));
        return (network, new BinaryBfn(network, beta1));
    }

    private static double Mean(Tensor perImage) => perImage.ToArray().Average(v => (double)v);

    /// <summary>The paper's table on a test split (already binarized): L^n for each n, L^r, their sums and a
    /// fresh L^∞, in nats per image, each averaged over the split with draws from the stream.</summary>
    public static Dictionary<string, object?> FinalMetrics(BinaryFlowMlp network, BinaryBfn bfn, MnistSplit scored, Device device, int batch, Generator stream)
    {
        double reconstruction = Training.Average(network, scored, device, batch, x => [Mean(bfn.ReconstructionLoss(x, stream))])[0];
        var metrics = new Dictionary<string, object?>
        {
            ["test_loss_reconstruction"] = reconstruction,
            ["test_loss_continuous_final"] = Training.Average(network, scored, device, batch, x => [Mean(bfn.ContinuousLoss(x, stream))])[0],
        };
        foreach (int n in LossSteps)
        {
            double loss = Training.Average(network, scored, device, batch, x => [Mean(bfn.DiscreteLoss(x, n, stream))])[0];
            metrics[$"test_loss_{n}_steps"] = loss;
            metrics[$"test_nll_bound_{n}_steps"] = loss + reconstruction;
        }
        metrics["sample_steps"] = SampleSteps;
        return metrics;
    }

    private static IReadOnlyList<string> WritePictures(string folder, BinaryBfn bfn, MnistSplit scored, Generator stream)
    {
        var states = new List<float[]>();
        float[] samples;
        using (new TensorScope())
            samples = bfn.Sample(64, scored.Rows * scored.Cols, stream, SampleSteps,
                (_, theta) => states.Add(theta.ToArray().AsSpan(0, 8 * scored.Rows * scored.Cols).ToArray())).ToArray();
        ImageGrid.SavePng(Path.Combine(folder, "samples.png"), samples, 64, scored.Rows, scored.Cols, 8);
        // the first eight chains at six points of the run: one row per point, from the prior (grey) to the final p
        var shown = Enumerable.Range(0, 6).SelectMany(k => states[(int)Math.Round(k * (states.Count - 1) / 5.0)]).ToArray();
        ImageGrid.SavePng(Path.Combine(folder, "chain.png"), shown, 48, scored.Rows, scored.Cols, 8);
        return ["samples.png", "chain.png"];
    }
}
