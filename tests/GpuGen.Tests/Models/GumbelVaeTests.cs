using GpuGen;
using GpuGen.Data;
using GpuGen.Models.GumbelVae;
using GpuGen.Models.Metrics;
using GpuGen.Optim;

namespace GpuGen.Tests.Models;

public class GumbelVaeTests
{
    private static Device Cpu => TestSupport.Cpu;

    [Test]
    public void TheKlToTheUniformPriorFollowsTheFormula()
    {
        using var scope = new TensorScope();
        using var model = new GumbelVae(new Generator(1), Cpu, inputs: 12, variables: 2, classes: 3);
        var x = Ops.Uniform(Shape.Of(2, 12), new Generator(2), Cpu);
        var logits = model.Logits(x).ToArray();
        double kl = 0;
        for (int row = 0; row < 4; row++)
        {
            var l = logits[(row * 3)..(row * 3 + 3)].Select(v => (double)v).ToArray();
            double z = l.Sum(Math.Exp);
            kl += l.Sum(v => Math.Exp(v) / z * Math.Log(3 * Math.Exp(v) / z));
        }
        Assert.That(model.Loss(x, x).Kl.Item(), Is.EqualTo(kl / 2).Within(1e-5));
    }

    [Test]
    public void TheScheduleAnnealsFromOneToAHalf()
    {
        Assert.That(GumbelVae.Anneal(0, 800), Is.EqualTo(1f));
        Assert.That(GumbelVae.Anneal(400, 800), Is.EqualTo(MathF.Sqrt(0.5f)).Within(1e-6));
        Assert.That(GumbelVae.Anneal(800, 800), Is.EqualTo(0.5f).Within(1e-6));
        Assert.That(GumbelVae.Anneal(5000, 800), Is.EqualTo(0.5f));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void LearnsOnDynamicallyBinarizedDigits(bool straightThrough)
    {
        var (train, test) = Mnist.Load();
        using var model = new GumbelVae(new Generator(3), Cpu, straightThrough: straightThrough);
        using var adam = new Adam(model.NamedParameters(), 1e-3f);
        var binarized = new BatchLoader(train, 100, Cpu, new Generator(4), binarize: new Generator(5));
        double Evaluate()
        {
            using var scope = new TensorScope();
            using var noGrad = GpuGen.Autograd.NoGrad();
            var x = test.Images(Enumerable.Range(0, 500).ToArray(), Cpu);
            return model.Loss(x, x).NegativeElbo.Item();
        }
        double before = Evaluate();
        const int epochs = 2;
        int step = 0, total = epochs * binarized.BatchesPerEpoch;
        for (int epoch = 0; epoch < epochs; epoch++)
            foreach (var (images, _) in binarized.Epoch())
            {
                using var scope = new TensorScope();
                model.Temperature = GumbelVae.Anneal(step++, total);
                var loss = model.Loss(images, images).NegativeElbo;
                adam.ZeroGrad();
                loss.Backward();
                adam.Step();
            }
        double after = Evaluate();
        TestContext.Out.WriteLine($"straight-through {straightThrough}: −ELBO {before:F1} → {after:F1}, τ = {model.Temperature:F2}");
        Assert.That(model.Temperature, Is.EqualTo(0.5f).Within(0.01f));
        Assert.That(double.IsFinite(after), Is.True, "finite after training");
        Assert.That(after, Is.LessThan(0.5 * before));

        using var codes = new TensorScope();
        using var noGrad = GpuGen.Autograd.NoGrad();
        var trainIdx = Enumerable.Range(0, 2000).ToArray();
        var testIdx = Enumerable.Range(0, 500).ToArray();
        double knn = NearestNeighbours.Accuracy(model.Code(train.Images(trainIdx, Cpu)), trainIdx.Select(i => train.Labels[i]).ToArray(),
            model.Code(test.Images(testIdx, Cpu)), testIdx.Select(i => test.Labels[i]).ToArray());
        TestContext.Out.WriteLine($"code 5-NN accuracy {knn:P1}");
        // Two epochs barely start using the codes (KL ≈ 2 nats; measured 34–39% here): well above
        // the 10% of chance is what this budget can promise.
        Assert.That(knn, Is.GreaterThan(0.25));
        Assert.That(model.SamplePrior(4, Cpu).Shape, Is.EqualTo(Shape.Of(4, 784)));
    }
}

/// <summary>Issue 9's honest numbers: the test −ELBO of the discrete model, on digits binarized once.</summary>
public class GumbelVaeHonestNumbersTests
{
    private static Device Cpu => TestSupport.Cpu;

    /// <summary>
    /// The hard sample is argmax(logits + g), an exact draw of q(c|x): the −ELBO with it does not
    /// depend on τ at all, and its reconstruction is that of a one-hot code. The relaxed value does
    /// depend on τ (it is not the discrete model's bound), which is why it has its own name.
    /// </summary>
    [Test]
    public void TheTestElboUsesAnExactOneHotSample()
    {
        using var scope = new TensorScope();
        using var model = new GumbelVae(new Generator(1), Cpu, inputs: 12, variables: 3, classes: 4);
        var x = Ops.Bernoulli(Ops.Uniform(Shape.Of(5, 12), new Generator(2), Cpu), new Generator(3));
        double Hard(float tau) => model.Loss(x, x, new Generator(9), tau, hard: true).NegativeElbo.Item();
        double Relaxed(float tau) => model.Loss(x, x, new Generator(9), tau, hard: false).NegativeElbo.Item();
        Assert.That(Hard(0.5f), Is.EqualTo(Hard(0.9f)), "a one-hot draw does not see τ");
        Assert.That(Relaxed(0.5f), Is.Not.EqualTo(Relaxed(0.9f)));

        // By hand: the hard −ELBO is BCE(decode(c), x) + KL with c the one-hot sample itself.
        var logits = model.Logits(x);
        var c = Ops.GumbelSoftmax(logits, 0.5f, new Generator(9), hard: true);
        var onehot = c.ToArray();
        Assert.That(onehot.All(v => v is 0f or 1f) && onehot.Chunk(4).All(row => row.Sum() == 1f), Is.True, "one-hot per variable");
        var bce = Ops.Sum(Ops.BceWithLogits(model.Decode(c.Reshape(5, 12)), x), 1).ToArray().Average();
        var loss = model.Loss(x, x, new Generator(9), 0.5f, hard: true);
        Assert.That(loss.Reconstruction.Item(), Is.EqualTo(bce).Within(1e-4));
        Assert.That(loss.NegativeElbo.Item(), Is.EqualTo(bce + loss.Kl.Item()).Within(1e-4));
    }

    /// <summary>The test split is binarized once with a fixed seed: the same 0/255 digits every time,
    /// drawn with each pixel's intensity as its probability.</summary>
    [Test]
    public void TheTestSplitIsBinarizedOnceAndTheSameEveryTime()
    {
        var (_, test) = Mnist.Load();
        var a = test.Binarized(GpuGen.Models.Runner.TrainingRunner.TestBinarizationSeed);
        var b = test.Binarized(GpuGen.Models.Runner.TrainingRunner.TestBinarizationSeed);
        Assert.That(a.Pixels, Is.EqualTo(b.Pixels));
        Assert.That(a.Pixels.All(p => p is 0 or 255), Is.True);
        Assert.That(a.Labels, Is.SameAs(test.Labels));
        double mean = test.Pixels.Average(p => p / 255.0), ones = a.Pixels.Average(p => p / 255.0);
        Assert.That(ones, Is.EqualTo(mean).Within(0.002), "E[Bernoulli(p)] = p over 1.5 million pixels (σ ≈ 0.0003)");
        Assert.That(test.Binarized(1).Pixels, Is.Not.EqualTo(a.Pixels));
    }
}
