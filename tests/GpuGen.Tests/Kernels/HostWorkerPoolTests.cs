using GpuGen.Kernels.Host;

namespace GpuGen.Tests.Kernels;

/// <summary>The host kernels' spinning worker pool (HostParallel.Run on HostWorkerPool): every index
/// runs exactly once, however many indices per thread; a kernel inside a kernel and kernels from
/// several threads at once run (serially where the pool is taken) and finish; an exception in any
/// worker reaches the caller and the pool still works afterwards.</summary>
public class HostWorkerPoolTests
{
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(7)]
    [TestCase(64)]
    public void EveryIndexRunsOnce(int workers)
    {
        for (int round = 0; round < 50; round++)
        {
            var counts = new int[workers];
            HostParallel.Run(workers, w => Interlocked.Increment(ref counts[w]));
            Assert.That(counts, Is.All.EqualTo(1), $"round {round}");
        }
    }

    [Test]
    public void NestedAndConcurrentCallsFinish()
    {
        long total = 0;
        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 100; i++)
                HostParallel.Run(3, w => HostParallel.Run(5, v => Interlocked.Add(ref total, 1)));
        })).ToArray();
        Assert.That(Task.WaitAll(callers, TimeSpan.FromSeconds(60)), Is.True, "all callers finished");
        Assert.That(Interlocked.Read(ref total), Is.EqualTo(4L * 100 * 3 * 5));
    }

    [Test]
    public void AWorkersExceptionReachesTheCaller()
    {
        int last = HostParallel.WorkerCount * 2 - 1; // an index a helper takes where there is one
        var ex = Assert.Throws<InvalidOperationException>(() => HostParallel.Run(last + 1, w =>
        {
            if (w == last) throw new InvalidOperationException("worker failed");
        }));
        Assert.That(ex!.Message, Is.EqualTo("worker failed"));
        var counts = new int[8];
        HostParallel.Run(8, w => counts[w]++);
        Assert.That(counts, Is.All.EqualTo(1), "the pool works after a failure");
    }
}
