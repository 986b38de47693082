using GpuGen;

namespace GpuGen.Tests.Tensors;

[TestFixtureSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
public class TensorCreationTests(string deviceName)
{
    private Device Device => GpuGen.Devices.Get(deviceName);

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(1000)]
    public void HostRoundTripIsBitExact(int length)
    {
        var values = TestSupport.RandomArray(length, seed: length);
        values[0] = float.NegativeInfinity; // special values survive too
        if (length > 1) values[1] = -0f;
        using var t = Tensor.FromArray(values, Shape.Of(length), Device);
        Assert.That(t.Device, Is.SameAs(Device));
        Assert.That(t.Shape, Is.EqualTo(Shape.Of(length)));
        var back = t.ToArray();
        Assert.That(back.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(values.Select(BitConverter.SingleToInt32Bits)));
    }

    [Test]
    public void RectangularArraysKeepRowMajorOrder()
    {
        var values = new float[,] { { 1, 2, 3 }, { 4, 5, 6 } };
        using var t = Tensor.FromArray(values, Device);
        Assert.That(t.Shape, Is.EqualTo(Shape.Of(2, 3)));
        Assert.That(t.ToArray(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        using var row = t[1];
        Assert.That(row.ToArray(), Is.EqualTo(new float[] { 4, 5, 6 }));
    }

    [Test]
    public void FactoriesOverwriteReusedBuffers()
    {
        // Poison a buffer and give it back to the cache, so the factories below likely reuse it.
        TestSupport.Poisoned(Shape.Of(3, 5), Device).Dispose();
        using var zeros = Tensor.Zeros(Shape.Of(3, 5), Device);
        using var ones = Tensor.Ones(Shape.Of(3, 5), Device);
        using var full = Tensor.Full(Shape.Of(2, 2, 2), -2.5f, Device);
        Assert.That(zeros.ToArray(), Is.All.EqualTo(0f));
        Assert.That(ones.ToArray(), Is.All.EqualTo(1f));
        Assert.That(full.ToArray(), Has.Length.EqualTo(8).And.All.EqualTo(-2.5f));
    }

    [TestCase(0f, 10f, 3f, new float[] { 0, 3, 6, 9 })]
    [TestCase(1f, 0f, -0.25f, new float[] { 1, 0.75f, 0.5f, 0.25f })]
    [TestCase(2f, 2f, 1f, new float[0])]
    [TestCase(-1.5f, 1f, 0.5f, new float[] { -1.5f, -1, -0.5f, 0, 0.5f })]
    public void ArangeMatchesNumpy(float start, float stop, float step, float[] expected)
    {
        using var t = Tensor.Arange(start, stop, step, Device);
        Assert.That(t.Shape, Is.EqualTo(Shape.Of(expected.Length)));
        Assert.That(t.ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void ArangeOfManyElementsHasOneRoundingPerElement()
    {
        using var t = Tensor.Arange(0.5f, 5000.5f, 1.5f, Device);
        var got = t.ToArray();
        for (int i = 0; i < got.Length; i++) Assert.That(got[i], Is.EqualTo(0.5f + i * 1.5f), $"element {i}");
    }

    [Test]
    public void ScalarItem()
    {
        using var s = Tensor.FromArray([3.25f], Shape.Scalar, Device);
        Assert.That(s.Rank, Is.EqualTo(0));
        Assert.That(s.Item(), Is.EqualTo(3.25f));
    }

    [Test]
    public void ToCopiesAcrossDevices()
    {
        var values = TestSupport.RandomArray(33, seed: 5);
        using var t = Tensor.FromArray(values, Shape.Of(3, 11), Device);
        foreach (var other in new[] { TestSupport.Cpu, TestSupport.IlgpuCpu })
        {
            using var moved = t.To(other);
            Assert.That(moved.Device, Is.SameAs(other));
            Assert.That(moved.Shape, Is.EqualTo(t.Shape));
            Assert.That(moved.SharesStorageWith(t), Is.False);
            Assert.That(moved.ToArray(), Is.EqualTo(values));
        }
    }
}
