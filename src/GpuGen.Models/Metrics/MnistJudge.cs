using GpuGen.Data;
using GpuGen.Models.Classifiers;
using GpuGen.Nn;
using GpuGen.Optim;

namespace GpuGen.Models.Metrics;

/// <summary>
/// The classifier that scores generated digits: a 784-400-400-10 ReLU MLP that GpuGen trains on the
/// training split (Adam 10⁻³, batch 100, 5 epochs, seeded, so the same data give the same judge),
/// with its test accuracy reported beside every score. Its 400-d penultimate activations are the
/// features of the Fréchet distance; its softmax gives the confidence and the label histogram.
/// </summary>
public sealed class MnistJudge : IDisposable
{
    public const int FeatureDim = 400, Classes = 10;
    private readonly MlpClassifier _net;

    private MnistJudge(MlpClassifier net, double accuracy)
    {
        _net = net;
        TestAccuracy = accuracy;
    }

    /// <summary>The judge's accuracy on the test split: how much its opinion of samples is worth.</summary>
    public double TestAccuracy { get; }

    public static MnistJudge Train(MnistSplit train, MnistSplit test, Device device, int epochs = 5, ulong seed = 1234)
    {
        var net = new MlpClassifier([train.PixelsPerImage, FeatureDim, FeatureDim, Classes], new Generator(seed), device);
        try
        {
            using (var adam = new Adam(net.NamedParameters(), 1e-3f))
                for (int epoch = 1; epoch <= epochs; epoch++)
                {
                    int step = 0;
                    foreach (var (images, labels) in new BatchLoader(train, 100, device, new Generator(seed + (ulong)epoch)).Epoch())
                    {
                        using var scope = new TensorScope();
                        Training.Step("judge", adam, Losses.CrossEntropy(net.Forward(images), labels), epoch, ++step);
                    }
                }
            net.Eval();
            double correct = 0;
            using (Autograd.NoGrad())
                foreach (var (images, labels) in new BatchLoader(test, 500, device).Epoch())
                {
                    using var scope = new TensorScope();
                    correct += Losses.Accuracy(net.Forward(images), labels) * images.Shape[0];
                }
            return new MnistJudge(net, correct / test.Count);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>The 400-d penultimate features (after the second ReLU) of images [n, 784], on the host.</summary>
    public float[] Features(Tensor images) => Run(images, _net.Net.Layers.Count - 1);

    /// <summary>The softmax over the ten digits of images [n, 784], on the host.</summary>
    public float[] Probabilities(Tensor images)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        return Ops.Softmax(_net.Forward(images), 1).ToArray();
    }

    /// <summary>Every score of the GAN issue for samples against reference digits (both [n, 784]);
    /// with the labels the samples were asked for (a conditional model), also the fraction the
    /// judge reads as asked.</summary>
    public Dictionary<string, object?> Score(Tensor samples, Tensor reference, int[]? asked = null)
    {
        var probabilities = Probabilities(samples);
        var labels = Enumerable.Range(0, samples.Shape[0]).Select(i => ArgMax(probabilities.AsSpan(i * Classes, Classes))).ToArray();
        var scores = new Dictionary<string, object?>
        {
            ["test_frechet_distance"] = SampleQuality.FrechetDistance(Features(samples), Features(reference), FeatureDim),
            ["test_mean_max_softmax"] = SampleQuality.MeanMaxProbability(probabilities, Classes),
            ["test_label_entropy"] = SampleQuality.LabelEntropy(labels, Classes),
            ["judge_test_accuracy"] = TestAccuracy,
        };
        if (asked is not null) scores["test_label_accuracy"] = (double)labels.Where((l, i) => l == asked[i]).Count() / labels.Length;
        return scores;
    }

    private float[] Run(Tensor images, int layers)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        var x = images;
        for (int i = 0; i < layers; i++) x = _net.Net.Layers[i].Forward(x);
        return x.ToArray();
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    public void Dispose() => _net.Dispose();
}
