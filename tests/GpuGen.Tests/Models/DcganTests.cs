using GpuGen;
using GpuGen.Models.Gan;
using GpuGen.Models.Runner;
using GpuGen.Nn;
using GpuGen.Tests.Cli;
using GpuGen.Tests.Runner;

namespace GpuGen.Tests.Models;

/// <summary>The DCGAN and the convolutional WGAN-GP critic on digits.</summary>
public class DcganTests
{
    /// <summary>
    /// A short DCGAN run through the real runner (256 digits, batch 32): the networks have the
    /// paper's shape (transposed convolutions up from 1×1 to 28×28, BatchNorm in G and D), training
    /// moves BatchNorm's running statistics off their initial 0 and 1, and sampling runs in eval
    /// mode: with running statistics a sample does not depend on the others in its batch (in
    /// training mode, batch statistics make it depend on them).
    /// </summary>
    [Test]
    public void TheDcganTrainsAndSamplesInEvalMode()
    {
        var device = TestSupport.Cpu;
        var (train, test) = RunnerFixtures.Digits();
        using var folder = new TempFolder();
        using var model = MnistGanCheckpoint.Build(GanKind.Dcgan, DigitNet.Conv, new Generator(1), device, new Generator(2));
        Assert.That(model.Dropout, Is.False);
        var names = model.NamedBuffers().Select(b => b.Path).ToList();
        Assert.That(names, Does.Contain("generator.2.running_mean").And.Contain("critic.5.running_var"), string.Join(", ", names));
        var options = new RunOptions { Epochs = 1, Batch = 32, LearningRate = 2e-4f, Seed = 3, Out = folder.Path };
        var settings = new GanSettings(GanKind.Dcgan, 1);
        using (var plan = MnistGanPlan.Create(model, settings, RunnerFixtures.Take(train, 256), RunnerFixtures.Take(test, 200), new Generator(4), null, options))
        {
            var result = TrainingRunner.Run(plan.Plan, device, options);
            Assert.That(result.Metrics["net"], Is.EqualTo("conv"));
            Assert.That((double)result.Metrics["test_frechet_distance"]!, Is.GreaterThan(0));
        }
        var running = model.NamedBuffers().First(b => b.Path == "generator.2.running_mean").Tensor.ToArray();
        Assert.That(running.Max(Math.Abs), Is.GreaterThan(1e-4f), "training updated G's running mean");

        using var scope = new TensorScope();
        using var noGrad = GpuGen.Autograd.NoGrad();
        var z = Ops.Normal(Shape.Of(4, MnistGan.NoiseDim), new Generator(5), device);
        model.Eval();
        var alone = model.Generator.Forward(z[0..1]).ToArray();
        var together = model.Generator.Forward(z).ToArray();
        Assert.That(together, Has.Length.EqualTo(4 * 784));
        Assert.That(together, Is.All.InRange(0f, 1f));
        for (int i = 0; i < 784; i++) Assert.That(alone[i], Is.EqualTo(together[i]).Within(1e-5f), $"eval mode: pixel {i} of sample 0 depends only on its z");
        model.Train();
        var batchStats = model.Generator.Forward(z).ToArray();
        Assert.That(Enumerable.Range(0, 784).Max(i => Math.Abs(batchStats[i] - together[i])), Is.GreaterThan(1e-3f), "training mode normalises by the batch");
    }

    /// <summary>Sampling many digits (the 10,000 of the Parzen estimate) frees each chunk's activations
    /// when the chunk is done: the memory it takes is one chunk's worth plus the samples, not all the
    /// chunks' (2,000 DCGAN samples once held ~470 MB of activations).</summary>
    [Test]
    public void SamplingManyFreesEachChunk()
    {
        var device = TestSupport.Cpu;
        using var model = MnistGanCheckpoint.Build(GanKind.Dcgan, DigitNet.Conv, new Generator(1), device, new Generator(2));
        model.Eval();
        device.ReleaseCachedMemory();
        long before = device.MemoryStats.BytesReserved;
        using (var scope = new TensorScope())
            Assert.That(model.SampleMany(2000, new Generator(3), chunk: 100).Shape, Is.EqualTo(Shape.Of(2000, 784)));
        long taken = device.MemoryStats.BytesReserved - before;
        Assert.That(taken, Is.LessThan(100L << 20), $"{taken >> 20} MB reserved while sampling");
    }

    /// <summary>The WGAN-GP critic on digits is convolutional and has no BatchNorm (its penalty is per
    /// example); its penalty's gradient reaches both convolutions' weights through the gradient of a
    /// gradient, and it is the penalty's slope: the central difference of P along the gradient's
    /// direction equals ‖∂P/∂W‖. (A directional check, because one LeakyReLU unit changing side under a
    /// single-weight nudge makes ∇ₓD, and so P, jump; the per-op second-order checks are in
    /// ConvGradientTests.)</summary>
    [Test]
    public void TheConvolutionalCriticsPenaltyReachesItsWeights()
    {
        var device = TestSupport.Cpu;
        using var model = MnistGanCheckpoint.Build(GanKind.WganGp, DigitNet.Conv, new Generator(6), device, new Generator(7));
        Assert.That(model.Critic.NamedBuffers(), Is.Empty, "no BatchNorm in the critic: none in a WGAN-GP");
        using var scope = new TensorScope();
        var real = Ops.Uniform(Shape.Of(3, 784), new Generator(8), device);
        var fake = Ops.Uniform(Shape.Of(3, 784), new Generator(9), device);
        double Penalty()
        {
            using var inner = new TensorScope();
            return Ops.GradientPenalty(model.Critic.Forward, real, fake, new Generator(10), 10f).Item();
        }
        var penalty = Ops.GradientPenalty(model.Critic.Forward, real, fake, new Generator(10), 10f);
        double p0 = penalty.Item();
        Assert.That(p0, Is.GreaterThan(1), "the DCGAN init makes a critic far from 1-Lipschitz: a large penalty");
        penalty.Backward();
        foreach (var path in new[] { "2.weight", "4.weight" })
        {
            var weight = model.Critic.NamedParameters().First(p => p.Path == path).Tensor;
            var g = weight.Grad!.ToArray();
            var values = weight.ToArray();
            double norm = Math.Sqrt(g.Sum(v => (double)v * v));
            Assert.That(norm, Is.GreaterThan(1e-3), $"the penalty reaches {path}");
            double step = 1e-3 * p0 / norm; // moves P by about a thousandth: far above float rounding, far below curvature
            double Moved(double sign)
            {
                var moved = values.Select((v, i) => (float)(v + sign * step * g[i] / norm)).ToArray();
                using (GpuGen.Autograd.NoGrad()) Ops.Copy(Tensor.FromArray(moved, weight.Shape, device), weight);
                return Penalty();
            }
            double slope = (Moved(1) - Moved(-1)) / (2 * step);
            using (GpuGen.Autograd.NoGrad()) Ops.Copy(Tensor.FromArray(values, weight.Shape, device), weight);
            Assert.That(slope, Is.EqualTo(norm).Within(0.05 * norm), $"∂P along ∂P/∂{path}");
        }
    }

    /// <summary>After the first epoch, a convolutional GAN's training (DCGAN with BatchNorm, and the
    /// WGAN-GP critic with its penalty through the convolutions) keeps the allocator's bytes in use
    /// and its fresh allocations flat: the per-image GEMMs' buffers and every step's tensors are reused.</summary>
    [TestCase(GanKind.Dcgan, 1)]
    [TestCase(GanKind.WganGp, 2)]
    public void AWarmConvolutionalRunAllocatesNothingPerEpoch(GanKind kind, int criticIters)
    {
        var device = TestSupport.Cpu;
        var (train, test) = RunnerFixtures.Digits();
        using var folder = new TempFolder();
        using var model = MnistGanCheckpoint.Build(kind, DigitNet.Conv, new Generator(1), device, new Generator(2));
        var options = new RunOptions { Epochs = 3, Batch = 16, LearningRate = 1e-4f, Seed = 3, Out = folder.Path };
        var stats = new List<GpuGen.Memory.AllocatorStats>();
        using (var plan = MnistGanPlan.Create(model, new GanSettings(kind, criticIters), RunnerFixtures.Take(train, 128), RunnerFixtures.Take(test, 100), new Generator(4), null, options))
            TrainingRunner.Run(plan.Plan, device, options, new RecordingProgress { OnEpoch = _ => stats.Add(device.MemoryStats) });
        Assert.That(stats, Has.Count.EqualTo(3));
        Assert.That(stats.Skip(1).Select(s => s.BytesInUse), Is.All.EqualTo(stats[1].BytesInUse));
        Assert.That(stats.Skip(1).Select(s => s.DeviceAllocations), Is.All.EqualTo(stats[1].DeviceAllocations));
    }

    [Test]
    public void ImageModelsRefuseToyDataAndToyOptions()
    {
        using var folder = new TempFolder();
        var (code, _, error) = CliRunner.Run("train", "dcgan", "--data", "8gaussians", "--device", "cpu", "--out", folder.File("toy"));
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain("dcgan: trains on images"));
        Assert.That(Directory.Exists(folder.File("toy")), Is.False);
        (code, _, error) = CliRunner.Run("train", "dcgan", "--iters", "10", "--device", "cpu", "--out", folder.File("iters"));
        Assert.That(code, Is.EqualTo(2), error);
        (code, _, error) = CliRunner.Run("train", "wgan-gp", "--data", "8gaussians", "--net", "conv", "--device", "cpu", "--out", folder.File("net"));
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain("--net is for digits"));
        (code, _, error) = CliRunner.Run("train", "wgan-gp", "--net", "resnet", "--device", "cpu", "--out", folder.File("resnet"));
        Assert.That(code, Is.EqualTo(2), error);
    }
}
