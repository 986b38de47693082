using GpuGen.Nn;
using GpuGen.Optim;

namespace GpuGen.Models.Metrics;

/// <summary>A probe's accuracies: on the split it was fitted to and on the held-out test split.</summary>
public readonly record struct ProbeAccuracy(double Train, double Test);

/// <summary>
/// How much a frozen representation knows about the labels, as the self-supervised papers score it:
/// a linear probe (multinomial logistic regression on the features, fitted on the training split,
/// accuracy on the test split) and a k-NN probe (cosine similarity, k = 5, majority vote).
/// </summary>
public static class RepresentationProbes
{
    /// <summary>
    /// Logistic regression W·f + b on features standardised with the training split's mean and standard
    /// deviation: full-batch Adam (lr 0.01, <paramref name="steps"/> steps; the problem is convex and
    /// deterministic), no regularisation. Features [n, d] and [m, d]; labels 0–9.
    /// </summary>
    public static ProbeAccuracy Linear(Tensor trainFeatures, byte[] trainLabels, Tensor testFeatures, byte[] testLabels, int classes = 10, int steps = 300, ulong seed = 7)
    {
        if (trainFeatures.Rank != 2 || testFeatures.Rank != 2 || trainFeatures.Shape[1] != testFeatures.Shape[1])
            throw new ShapeMismatchException($"linear probe: features have shapes {trainFeatures.Shape} and {testFeatures.Shape}; expected [n, d] and [m, d]");
        if (trainLabels.Length != trainFeatures.Shape[0] || testLabels.Length != testFeatures.Shape[0])
            throw new ArgumentException("linear probe: one label per feature row");
        var device = trainFeatures.Device;
        using var scope = new TensorScope();
        Tensor mean, scale;
        using (Autograd.NoGrad())
        {
            mean = Ops.Mean(trainFeatures, 0, keepDim: true);
            scale = Ops.Rsqrt(Ops.Add(Ops.Variance(trainFeatures, 0, keepDim: true), 1e-6f)); // a constant feature stays 0
        }
        var train = Standardise(trainFeatures, mean, scale);
        var test = Standardise(testFeatures, mean, scale);
        var trainY = Labels(trainLabels, device);
        var testY = Labels(testLabels, device);
        using var classifier = new Linear(train.Shape[1], classes, new Generator(seed), device);
        using (var adam = new Adam(classifier.NamedParameters(), 0.01f))
            for (int step = 1; step <= steps; step++)
            {
                using var stepScope = new TensorScope();
                Training.Step("linear probe", adam, Losses.CrossEntropy(classifier.Forward(train), trainY), 1, step);
            }
        using var noGrad = Autograd.NoGrad();
        return new ProbeAccuracy(Losses.Accuracy(classifier.Forward(train), trainY), Losses.Accuracy(classifier.Forward(test), testY));
    }

    /// <summary>The fraction of test rows whose 5 most cosine-similar training rows vote for the right label.</summary>
    public static double Knn(Tensor trainFeatures, byte[] trainLabels, Tensor testFeatures, byte[] testLabels, int k = 5)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        // on unit vectors the Euclidean ranking is the cosine ranking: ‖a − b‖² = 2 − 2·cos
        return NearestNeighbours.Accuracy(UnitRows(trainFeatures), trainLabels, UnitRows(testFeatures), testLabels, k);
    }

    private static Tensor UnitRows(Tensor x) => Ops.Mul(x, Ops.Rsqrt(Ops.Add(Ops.Sum(Ops.Square(x), 1, keepDim: true), 1e-12f)));

    private static Tensor Standardise(Tensor x, Tensor mean, Tensor scale)
    {
        using var noGrad = Autograd.NoGrad();
        return Ops.Mul(Ops.Sub(x, mean), scale);
    }

    private static Tensor Labels(byte[] labels, Device device) => Tensor.FromArray(labels.Select(l => (float)l).ToArray(), Shape.Of(labels.Length), device);
}
