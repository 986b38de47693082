using GpuGen;
using GpuGen.Memory;

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

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void ATrainingLoopStopsAllocatingAfterItsFirstStep(string deviceName)
    {
        // A toy SGD loop on the first kernel family: w ← w − lr·g with g = 0.5·w (+ scratch of
        // several sizes), 200 steps, each step's intermediates freed by a scope.
        var device = GpuGen.Devices.Get(deviceName);
        const float lr = 0.01f;
        var initial = TestSupport.RandomArray(3000, 11);
        using var w = Tensor.FromArray(initial, Shape.Of(30, 100), device);
        AllocatorStats afterFirst = default;
        for (int step = 0; step < 200; step++)
        {
            using (new TensorScope())
            {
                var g = Ops.Scale(Ops.Clone(w), 0.5f);
                var batch = g[..10].Reshape(-1);
                var scratch = Tensor.Full(Shape.Of(17 + step % 3), step, device);
                Ops.Axpy(1f, Ops.Clone(batch), Ops.Fill(Tensor.Empty(batch.Shape, device), 0f));
                Ops.Axpy(-lr, g, w);
                _ = scratch;
            }
            if (step == 0) afterFirst = device.MemoryStats;
        }
        var end = device.MemoryStats;
        Assert.That(end.BytesReserved, Is.EqualTo(afterFirst.BytesReserved), "bytes held from the device stay flat");
        Assert.That(end.DeviceAllocations, Is.EqualTo(afterFirst.DeviceAllocations), "no device allocation after step 1");
        Assert.That(end.CacheHits, Is.GreaterThanOrEqualTo(afterFirst.CacheHits + 199 * 4), "four buffers a step, all from the cache");

        // And the loop computed what it says: w ← w·(1 − lr/2) per step. 200 steps of two float
        // roundings each (6e-8 apiece) bound the relative error by 2.4e-5 = 0.0024%.
        var got = w.ToArray();
        for (int i = 0; i < got.Length; i += 97)
            Assert.That(got[i], Is.EqualTo(initial[i] * Math.Pow(1 - lr / 2, 200)).Within(0.003).Percent);
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
