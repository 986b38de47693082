using GpuGen.Data;
using GpuGen.Models.Metrics;
using GpuGen.Models.Output;
using GpuGen.Models.Runner;
using GpuGen.Optim;

namespace GpuGen.Models.SelfSupervised;

/// <summary>
/// A <see cref="JointEmbedding"/> on MNIST as a <see cref="TrainingPlan"/>: Adam over its trained parameters
/// at the run's learning rate; each step, a seeded batch (seed + 1; the last partial batch dropped, so
/// every contrastive batch has its full set of negatives), <see cref="JointEmbeddingSettings.Views"/>
/// augmented views of it (stream seed + 2), the method's loss, the optimizer's step and the method's
/// after-step update. After each epoch: the loss on views of the test split (drawn from the evaluation
/// stream) and the representation's 5-NN accuracy. At the end: the linear and k-NN probes of the
/// representation beside the same probes on raw pixels and on a randomly initialised encoder of the same
/// shape, and the feature spectra (spectrum.png, effective ranks). Pictures: views.png (an image and its
/// views per row). The returned plan owns its optimizer: dispose it after the run.
/// </summary>
public static class JointEmbeddingPlan
{
    public const int PictureImages = 8, PictureViews = 3;

    public static OwnedPlan Create(JointEmbedding model, Augmentation augmentation, string augmentationName, MnistSplit train, MnistSplit test, Device device, RunOptions options)
    {
        if (options.Batch < 2)
            throw new GpuGenException($"{model.Name}: a batch of {options.Batch} image has no other image to contrast with; use --batch 2 or more", isUsageError: true);
        if (options.Batch > train.Count)
            throw new GpuGenException($"{model.Name}: --batch {options.Batch} is more than the {train.Count} training images", isUsageError: true);
        if (augmentation.Problem() is { } problem) throw new GpuGenException($"{model.Name}: {problem}", isUsageError: true);
        var adam = new Adam(model.TrainedParameters(), options.LearningRate);
        var order = new Generator(options.Seed + 1);
        var views = new Generator(options.Seed + 2);
        var loader = new BatchLoader(train, options.Batch, device, order, dropLast: true);
        var testLoader = new BatchLoader(test, Math.Min(options.Batch, test.Count), device, dropLast: true);
        int viewCount = model.Settings.Views;
        var plan = new TrainingPlan
        {
            Name = model.Name,
            Module = model,
            Optimizers = [("", adam)],
            Metadata = new Dictionary<string, string>(model.Settings.Metadata()) { ["augmentation"] = augmentationName },
            Streams = new Dictionary<string, Generator> { ["data_order"] = order, ["views"] = views },
            StepsPerEpoch = loader.BatchesPerEpoch,
            ExamplesPerEpoch = loader.BatchesPerEpoch * options.Batch,
            Batches = () => loader.Epoch().Select(b => b.Images),
            TrainTerms = ["loss"],
            Iterate = (x, step) =>
            {
                var loss = model.Loss(Views(x, augmentation, views, viewCount));
                float value = Training.Step(model.Name, adam, loss, step.Epoch, step.Step);
                model.AfterStep();
                return [value];
            },
            TestTerms = ["test_loss", "test_knn_accuracy"],
            Evaluate = stream => Training.InEvaluationMode(model, () =>
            {
                double sum = 0;
                int batches = 0;
                foreach (var (x, _) in testLoader.Epoch())
                {
                    using var scope = new TensorScope();
                    sum += model.Loss(Views(x, augmentation, stream, viewCount)).Item();
                    batches++;
                }
                return new[] { sum / Math.Max(batches, 1), Training.CodeKnnAccuracy(model, train, test, device, model.Represent) };
            }),
            FinalMetrics = _ => FinalMetrics(model, train, test, device, options.Seed),
            WritePictures = (folder, stream) =>
            {
                WriteViews(Path.Combine(folder, "views.png"), test, augmentation, stream, device);
                WriteSpectrum(Path.Combine(folder, "spectrum.png"), model, train, device, options.Seed);
                return ["views.png", "spectrum.png"];
            },
            LossUnit = $"{model.Name} loss",
            RunFacts = new Dictionary<string, object?>
            {
                ["encoder"] = Encoders.NameOf(model.Settings.Encoder), ["views"] = viewCount, ["augmentation"] = augmentationName,
                ["augmentation_ranges"] = augmentation.ToString(), ["temperature"] = model.Settings.Temperature, ["test_examples"] = test.Count,
            },
        };
        return new OwnedPlan(plan, adam);
    }

    /// <summary><paramref name="count"/> independent views of a batch, each one Ops.Augment call on the stream.</summary>
    public static Tensor[] Views(Tensor x, Augmentation augmentation, Generator stream, int count)
    {
        using var noGrad = Autograd.NoGrad();
        return Enumerable.Range(0, count).Select(_ => Ops.Augment(x, augmentation, stream)).ToArray();
    }

    /// <summary>
    /// The probes of the representation, of raw pixels and of a randomly initialised encoder (seed + 99,
    /// the same shape), and the effective ranks: what metrics.json and <c>gpugen eval</c> report.
    /// </summary>
    public static Dictionary<string, object?> FinalMetrics(JointEmbedding model, MnistSplit train, MnistSplit test, Device device, ulong seed,
        bool linear = true, bool knn = true)
    {
        var metrics = new Dictionary<string, object?>();
        using var scope = new TensorScope();
        void Probe(string prefix, Tensor trainFeatures, Tensor testFeatures)
        {
            if (linear)
            {
                var accuracy = RepresentationProbes.Linear(trainFeatures, train.Labels, testFeatures, test.Labels);
                metrics[$"{prefix}linear_probe_train_accuracy"] = accuracy.Train;
                metrics[$"{prefix}linear_probe_test_accuracy"] = accuracy.Test;
            }
            if (knn) metrics[$"{prefix}knn_probe_test_accuracy"] = RepresentationProbes.Knn(trainFeatures, train.Labels, testFeatures, test.Labels);
        }
        var trainCodes = Training.Codes(model, train, device, model.Represent);
        Probe("", trainCodes, Training.Codes(model, test, device, model.Represent));
        metrics["effective_rank"] = FeatureSpectrum.EffectiveRank(FeatureSpectrum.SingularValues(trainCodes));
        Probe("raw_pixels_", train.Images(train.AllIndices(), device), test.Images(test.AllIndices(), device));
        using (var random = JointEmbeddingModels.Create(model.Settings, new Generator(seed + 99), device))
        {
            var randomTrain = Training.Codes(random, train, device, random.Represent);
            Probe("random_encoder_", randomTrain, Training.Codes(random, test, device, random.Represent));
            metrics["random_encoder_effective_rank"] = FeatureSpectrum.EffectiveRank(FeatureSpectrum.SingularValues(randomTrain));
        }
        return metrics;
    }

    /// <summary>views.png: a row per test image, the image then <see cref="PictureViews"/> of its views.</summary>
    public static void WriteViews(string path, MnistSplit test, Augmentation augmentation, Generator stream, Device device)
    {
        using var scope = new TensorScope();
        int n = Math.Min(PictureImages, test.Count);
        var x = test.Images(Enumerable.Range(0, n).ToArray(), device);
        var columns = new List<float[]> { x.ToArray() };
        columns.AddRange(Views(x, augmentation, stream, PictureViews).Select(v => v.ToArray()));
        int pixels = test.PixelsPerImage, width = columns.Count;
        var grid = new float[n * width * pixels];
        for (int row = 0; row < n; row++)
            for (int c = 0; c < width; c++)
                Array.Copy(columns[c], row * pixels, grid, (row * width + c) * pixels, pixels);
        ImageGrid.SavePng(path, grid, n * width, test.Rows, test.Cols, width);
    }

    /// <summary>spectrum.png: the trained representation's singular values beside a random encoder's.</summary>
    public static void WriteSpectrum(string path, JointEmbedding model, MnistSplit train, Device device, ulong seed)
    {
        using var scope = new TensorScope();
        var trained = FeatureSpectrum.SingularValues(Training.Codes(model, train, device, model.Represent));
        double[] initial;
        using (var random = JointEmbeddingModels.Create(model.Settings, new Generator(seed + 99), device))
            initial = FeatureSpectrum.SingularValues(Training.Codes(random, train, device, random.Represent));
        SpectrumPlot.SavePng(path, $"{model.Name}: singular values of the representation (training split)",
            [($"{model.Name}, trained", trained), ("random encoder", initial)]);
    }
}
