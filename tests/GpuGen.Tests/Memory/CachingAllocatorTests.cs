using GpuGen;
using GpuGen.Memory;

using GpuGen.Data;
using GpuGen.Models;
using GpuGen.Models.Vae;
using GpuGen.Optim;

namespace GpuGen.Tests.Memory;

public class CachingAllocatorTests
{
    [Test]
    public void SizeClassesCoverTheRequestAndWasteAtMostAQuarter()
    {
        int previous = 0;
        for (int n = 0; n <= 1 << 16; n++)
        {
            int c = CachingAllocator.SizeClass(n);
            Assert.That(c, Is.GreaterThanOrEqualTo(Math.Max(n, 64)), $"request {n}");
            Assert.That(c, Is.GreaterThanOrEqualTo(previous), $"monotonic at {n}");
            if (n > 64) Assert.That(c, Is.LessThanOrEqualTo(n * 1.25 + 1), $"waste at {n}");
            previous = c;
        }
        Assert.That(CachingAllocator.SizeClass(int.MaxValue - 1), Is.EqualTo(int.MaxValue));
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void AFreedBufferIsReusedForTheSameSizeClass(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        Tensor.Zeros(Shape.Of(1000), device).Dispose(); // make sure the class is cached
        var before = device.MemoryStats;
        using var t = Tensor.Zeros(Shape.Of(999), device);
        var after = device.MemoryStats;
        Assert.That(after.DeviceAllocations, Is.EqualTo(before.DeviceAllocations));
        Assert.That(after.CacheHits, Is.EqualTo(before.CacheHits + 1));
        Assert.That(after.BytesReserved, Is.EqualTo(before.BytesReserved));
    }

    /// <summary>
    /// Real training steps — loader batches of MNIST digits, a VAE's forward pass and −ELBO,
    /// backward through the tape, one Adam step — through <see cref="Training.Epoch"/>, the loop the
    /// runner uses, over several epochs: after two warm-up steps, no fresh device allocation and
    /// the same bytes in use and held at every step. Warm-up is two steps because the first makes
    /// the parameters' gradients and Adam's moments, and the moments take buffers that the first
    /// backward's intermediates had just freed, so the second backward finds its own. On cpu the README's 784-400-20 VAE at batch 100,
    /// 3 epochs of the embedded split (240 steps); on the simulated GPU (every thread an OS thread)
    /// a 784-8-2 one at batch 4, 4 epochs of 20 digits (20 steps).
    /// </summary>
    [TestCase("cpu", 400, 20, 100, 8000, 3)]
    [TestCase("ilgpu-cpu", 8, 2, 4, 20, 4)]
    public void ARealTrainingLoopStopsAllocatingAfterItsFirstStep(string deviceName, int hidden, int latent, int batch, int digits, int epochs)
    {
        var device = GpuGen.Devices.Get(deviceName);
        var (train, _) = Mnist.Load();
        var subset = new MnistSplit(train.Pixels[..(digits * train.PixelsPerImage)], train.Labels[..digits], train.Rows, train.Cols);
        using var vae = new Vae(new Generator(3), device, train.PixelsPerImage, hidden, latent);
        using var adam = new Adam(vae.NamedParameters(), 1e-3f);
        var loader = new BatchLoader(subset, batch, device, new Generator(4));
        var stats = new List<AllocatorStats>();
        var means = new List<double>();
        for (int epoch = 1; epoch <= epochs; epoch++)
            means.Add(Training.Epoch("vae", vae, adam, loader, (x, _) => vae.Loss(x, x).NegativeElbo, epoch, (_, _) => stats.Add(device.MemoryStats)));
        Assert.That(stats, Has.Count.EqualTo(epochs * digits / batch));
        for (int step = 2; step < stats.Count; step++)
        {
            Assert.That(stats[step].DeviceAllocations, Is.EqualTo(stats[1].DeviceAllocations), $"no device allocation at step {step + 1}");
            Assert.That(stats[step].BytesInUse, Is.EqualTo(stats[1].BytesInUse), $"bytes in use at step {step + 1}");
            Assert.That(stats[step].BytesReserved, Is.EqualTo(stats[1].BytesReserved), $"bytes held at step {step + 1}");
        }
        Assert.That(means[^1], Is.LessThan(means[0]), "and it trains: the epoch's mean loss falls");
    }

    [Test]
    public void ReleasingTheCacheGivesUnusedBuffersBack()
    {
        var cpu = TestSupport.Cpu;
        Tensor.Zeros(Shape.Of(12345), cpu).Dispose();
        Assert.That(cpu.MemoryStats.BytesCached, Is.GreaterThan(0));
        cpu.ReleaseCachedMemory();
        var stats = cpu.MemoryStats;
        Assert.That(stats.BytesCached, Is.Zero);
        Assert.That(stats.BytesReserved, Is.EqualTo(stats.BytesInUse));
    }
}
