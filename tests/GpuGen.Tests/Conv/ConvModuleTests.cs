using GpuGen;
using GpuGen.Nn;

namespace GpuGen.Tests.Conv;

public class ConvModuleTests
{
    private static float[] Random(int n, int seed) => TestSupport.RandomArray(n, seed);

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void BatchNorm2dNormalisesEachChannelOverBatchAndPixels(string device)
    {
        var d = GpuGen.Devices.Get(device);
        using var scope = new TensorScope();
        var bn = new BatchNorm2d(3, d, momentum: 1f);
        var values = Random(2 * 3 * 4 * 5, 1);
        var y = bn.Forward(Tensor.FromArray(values, Shape.Of(2, 3, 4, 5), d)).ToArray();
        for (int c = 0; c < 3; c++)
        {
            var channel = Enumerable.Range(0, 2).SelectMany(n => Enumerable.Range(0, 20).Select(p => (n * 3 + c) * 20 + p)).ToArray();
            double mean = channel.Average(i => (double)values[i]);
            double variance = channel.Average(i => (values[i] - mean) * (values[i] - mean));
            foreach (int i in channel)
                Assert.That(y[i], Is.EqualTo((values[i] - mean) / Math.Sqrt(variance + 1e-5)).Within(2e-5), $"channel {c}");
            // momentum 1: the running estimates are this batch's (variance unbiased)
            Assert.That(bn.RunningMean.ToArray()[c], Is.EqualTo(mean).Within(1e-5));
            Assert.That(bn.RunningVar.ToArray()[c], Is.EqualTo(variance * 40 / 39).Within(1e-4));
        }
        bn.Eval();
        var e = bn.Forward(Tensor.FromArray(values, Shape.Of(2, 3, 4, 5), d)).ToArray();
        Assert.That(e[0], Is.EqualTo((values[0] - bn.RunningMean.ToArray()[0]) / Math.Sqrt(bn.RunningVar.ToArray()[0] + 1e-5)).Within(2e-5));
        bn.Dispose();
    }

    [Test]
    public void GroupNormNormalisesEachGroupOfEachImage()
    {
        using var scope = new TensorScope();
        var gn = new GroupNorm(2, 4, TestSupport.Cpu);
        var values = Random(2 * 4 * 3 * 3, 2);
        var y = gn.Forward(Tensor.FromArray(values, Shape.Of(2, 4, 3, 3), TestSupport.Cpu)).ToArray();
        for (int n = 0; n < 2; n++)
            for (int g = 0; g < 2; g++)
            {
                var idx = Enumerable.Range(0, 18).Select(k => n * 36 + g * 18 + k).ToArray();
                double mean = idx.Average(i => (double)values[i]);
                double variance = idx.Average(i => (values[i] - mean) * (values[i] - mean));
                foreach (int i in idx) Assert.That(y[i], Is.EqualTo((values[i] - mean) / Math.Sqrt(variance + 1e-5)).Within(2e-5));
            }
        gn.Dispose();
    }

    [Test]
    public void NormLayersHaveCorrectGradients()
    {
        var cpu = TestSupport.Cpu;
        using var bn = new BatchNorm2d(2, cpu);
        using var gn = new GroupNorm(2, 4, cpu);
        GpuGen.Tests.Autograd.GradCheck.FirstOrder("batchNorm2d", x => bn.Forward(x[0]), cpu, GpuGen.Tests.Autograd.GradCheck.Random(3, -1, 1, [2, 2, 3, 2]));
        GpuGen.Tests.Autograd.GradCheck.FirstOrder("groupNorm", x => gn.Forward(x[0]), cpu, GpuGen.Tests.Autograd.GradCheck.Random(4, -1, 1, [2, 4, 2, 2]));
    }

    [Test]
    public void ADcganStyleStackRunsForwardAndBackward()
    {
        using var scope = new TensorScope();
        var g = new Generator(5);
        var cpu = TestSupport.Cpu;
        using var generator = new Sequential(
            new Linear(8, 16 * 3 * 3, g, cpu), Activation.Relu(), new Unflatten(16, 3, 3),
            new ConvTranspose2d(16, 8, 4, g, cpu, stride: 2, padding: 1), new BatchNorm2d(8, cpu), Activation.Relu(), // 6×6
            new Upsample(2), new Conv2d(8, 1, 3, g, cpu, padding: 1), Activation.Tanh());                          // 12×12
        using var critic = new Sequential(
            new Conv2d(1, 4, 3, g, cpu, stride: 2, padding: 1), Activation.LeakyRelu(0.2f), new GroupNorm(2, 4, cpu), // 6×6
            new AvgPool2d(2), new Flatten(), new Linear(4 * 3 * 3, 1, g, cpu));
        var z = Ops.Normal(Shape.Of(5, 8), g, cpu);
        var image = generator.Forward(z);
        Assert.That(image.Shape, Is.EqualTo(Shape.Of(5, 1, 12, 12)));
        var score = Ops.Mean(critic.Forward(image));
        score.Backward();
        Assert.That(generator.Parameters().All(p => p.Grad is not null), Is.True);
        Assert.That(critic.Parameters().All(p => p.Grad is not null), Is.True);
        Assert.That(generator.Parameters().SelectMany(p => p.Grad!.ToArray()).All(float.IsFinite), Is.True);
    }
}
