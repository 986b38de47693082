using GpuGen;

namespace GpuGen.Tests.Tensors;

[TestFixtureSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
public class ViewTests(string deviceName)
{
    private Device Device => GpuGen.Devices.Get(deviceName);

    [Test]
    public void ReshapeIsAViewWithoutCopy()
    {
        var values = TestSupport.RandomArray(24, 3);
        using var x = Tensor.FromArray(values, Shape.Of(2, 3, 4), Device);
        long allocationsBefore = Device.MemoryStats.DeviceAllocations;
        long hitsBefore = Device.MemoryStats.CacheHits;
        using var v = x.Reshape(6, -1);
        Assert.That(v.Shape, Is.EqualTo(Shape.Of(6, 4)));
        Assert.That(v.SharesStorageWith(x), Is.True);
        Assert.That(Device.MemoryStats.DeviceAllocations, Is.EqualTo(allocationsBefore));
        Assert.That(Device.MemoryStats.CacheHits, Is.EqualTo(hitsBefore), "no buffer was even taken from the cache");
        Assert.That(v.ToArray(), Is.EqualTo(values));

        Ops.Fill(v, 7f); // a write through the view is seen by the original
        Assert.That(x.ToArray(), Is.All.EqualTo(7f));
        using var flat = x.Flatten();
        Assert.That(flat.Shape, Is.EqualTo(Shape.Of(24)));
    }

    [Test]
    public void FirstAxisSlicesSeeAndWriteTheirRowsOnly()
    {
        var values = TestSupport.RandomArray(5 * 3, 4);
        using var x = Tensor.FromArray(values, Shape.Of(5, 3), Device);
        using var batch = x.Slice(1, 2);
        Assert.That(batch.Shape, Is.EqualTo(Shape.Of(2, 3)));
        Assert.That(batch.ToArray(), Is.EqualTo(values[3..9]));
        using var ranged = x[3..];
        Assert.That(ranged.Shape, Is.EqualTo(Shape.Of(2, 3)));
        Assert.That(ranged.ToArray(), Is.EqualTo(values[9..]));

        Ops.Scale(batch, 2f);
        var expected = (float[])values.Clone();
        for (int i = 3; i < 9; i++) expected[i] *= 2f;
        Assert.That(x.ToArray(), Is.EqualTo(expected));

        using var row = x[4];
        Assert.That(row.Shape, Is.EqualTo(Shape.Of(3)));
        Assert.That(row.ToArray(), Is.EqualTo(expected[12..]));
        using var empty = x.Slice(5, 0);
        Assert.That(empty.Length, Is.Zero);
    }

    [Test]
    public void AViewOutlivesItsBaseAndTheBufferReturnsWithTheLastReference()
    {
        var values = TestSupport.RandomArray(4096, 5);
        var x = Tensor.FromArray(values, Shape.Of(64, 64), Device);
        long inUse = Device.MemoryStats.BytesInUse;
        var rows = x[10..20];
        x.Dispose();
        Assert.That(x.IsDisposed, Is.True);
        Assert.That(Device.MemoryStats.BytesInUse, Is.EqualTo(inUse), "the view still holds the buffer");
        Assert.That(rows.ToArray(), Is.EqualTo(values[640..1280]));
        rows.Dispose();
        Assert.That(Device.MemoryStats.BytesInUse, Is.LessThan(inUse));
        rows.Dispose(); // idempotent
    }

    [Test]
    public void UsingADisposedTensorIsAClearError()
    {
        var x = Tensor.Ones(Shape.Of(3), Device);
        x.Dispose();
        Assert.That(Assert.Throws<ObjectDisposedException>(() => x.ToArray())!.Message, Does.Contain("toHost"));
        Assert.Throws<ObjectDisposedException>(() => x.Reshape(3, 1));
        Assert.Throws<ObjectDisposedException>(() => Ops.Fill(x, 1f));
        Assert.That(x.ToString(), Does.Contain("disposed"));
    }
}
