using GpuGen;
using GpuGen.Data;
using GpuGen.Models.Classifiers;
using GpuGen.Nn;
using GpuGen.Optim;

namespace GpuGen.Tests.Nn;

/// <summary>
/// Proof on real data: a 784-400-400-10 ReLU MLP trained with Adam (lr 10⁻³, batch 100) on the
/// embedded 8,000 training digits reaches at least 94% accuracy on the 2,000 test digits in a
/// short run on the cpu device.
/// </summary>
public class MnistMlpTests
{
    [Test]
    public void AnMlpReaches94PercentOnTheEmbeddedSubset()
    {
        var cpu = TestSupport.Cpu;
        var (train, test) = Mnist.Load();
        Assert.That((train.Count, test.Count), Is.EqualTo((8000, 2000)));
        using var model = new MlpClassifier([784, 400, 400, 10], new Generator(2026), cpu);
        using var adam = new Adam(model.NamedParameters(), 1e-3f);
        var order = train.AllIndices().ToArray();
        var shuffle = new Random(7);
        const int batch = 100, epochs = 10;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            shuffle.Shuffle(order);
            for (int start = 0; start < order.Length; start += batch)
            {
                using var step = new TensorScope();
                var indices = order[start..(start + batch)];
                var loss = Losses.CrossEntropy(model.Forward(train.Images(indices, cpu)), train.LabelTensor(indices, cpu));
                adam.ZeroGrad();
                loss.Backward();
                adam.Step();
            }
        }

        model.Eval();
        using var scope = new TensorScope();
        using var noGrad = GpuGen.Autograd.NoGrad();
        var all = test.AllIndices();
        float accuracy = Losses.Accuracy(model.Forward(test.Images(all, cpu)), test.LabelTensor(all, cpu));
        TestContext.Out.WriteLine($"test accuracy after {epochs} epochs: {accuracy:P2}");
        Assert.That(accuracy, Is.GreaterThanOrEqualTo(0.94f));
    }

    [Test]
    public void ATrainingLoopAllocatesNothingFromTheDeviceAfterItsFirstSteps()
    {
        var cpu = TestSupport.Cpu;
        var (train, _) = Mnist.Load();
        using var model = new MlpClassifier([784, 400, 400, 10], new Generator(1), cpu);
        using var adam = new Adam(model.NamedParameters());
        long allocationsAfterWarmup = 0;
        for (int step = 0; step < 20; step++)
        {
            using (var scope = new TensorScope())
            {
                var indices = Enumerable.Range(step * 50, 50).ToArray();
                var loss = Losses.CrossEntropy(model.Forward(train.Images(indices, cpu)), train.LabelTensor(indices, cpu));
                adam.ZeroGrad();
                loss.Backward();
                adam.Step();
            }
            if (step == 2) allocationsAfterWarmup = cpu.MemoryStats.DeviceAllocations;
        }
        Assert.That(cpu.MemoryStats.DeviceAllocations, Is.EqualTo(allocationsAfterWarmup));
    }
}
