using GpuGen;

namespace GpuGen.Tests.Tensors;

/// <summary>Every shape mismatch throws before any kernel runs, naming the op and both shapes.</summary>
public class ShapeErrorTests
{
    private static Device Cpu => TestSupport.Cpu;

    [Test]
    public void ValuesThatDoNotFillTheShape()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor.FromArray(new float[5], Shape.Of(2, 3), Cpu))!;
        Assert.That(e.Message, Does.StartWith("fromArray:").And.Contain("5 values").And.Contain("[2, 3]"));
    }

    [Test]
    public void NegativeDimension()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Shape.Of(2, -1))!;
        Assert.That(e.Message, Does.Contain("-1").And.Contain("[2, -1]"));
    }

    [TestCase("cpu")]
    [TestCase("ilgpu-cpu")]
    public void ElementwiseOpsNameTheOpAndBothShapes(string device)
    {
        var d = GpuGen.Devices.Get(device);
        using var x = Tensor.Ones(Shape.Of(2, 3), d);
        using var y = Tensor.FromArray(TestSupport.RandomArray(6, 1), Shape.Of(3, 2), d);
        var before = y.ToArray();
        var e = Assert.Throws<ShapeMismatchException>(() => Ops.Axpy(2f, x, y))!;
        Assert.That(e.Message, Is.EqualTo("axpy: x has shape [2, 3] but y has shape [3, 2]"));
        Assert.That(y.ToArray(), Is.EqualTo(before), "a failed op leaves its output untouched");

        e = Assert.Throws<ShapeMismatchException>(() => Ops.Copy(x, y))!;
        Assert.That(e.Message, Is.EqualTo("copy: source has shape [2, 3] but destination has shape [3, 2]"));
    }

    [Test]
    public void ReshapeToADifferentElementCount()
    {
        using var x = Tensor.Zeros(Shape.Of(2, 3), Cpu);
        var e = Assert.Throws<ShapeMismatchException>(() => x.Reshape(4, 2))!;
        Assert.That(e.Message, Is.EqualTo("reshape: cannot view [2, 3] (6 elements) as [4, 2] (8 elements)"));
        e = Assert.Throws<ShapeMismatchException>(() => x.Reshape(4, -1))!;
        Assert.That(e.Message, Does.StartWith("reshape:").And.Contain("[2, 3]").And.Contain("[4, -1]"));
        Assert.Throws<ShapeMismatchException>(() => x.Reshape(-1, -1));
    }

    [Test]
    public void SlicesOutsideTheFirstAxis()
    {
        using var x = Tensor.Zeros(Shape.Of(4, 3), Cpu);
        var e = Assert.Throws<ShapeMismatchException>(() => x.Slice(3, 2))!;
        Assert.That(e.Message, Is.EqualTo("slice: rows [3, 5) are outside the first axis of [4, 3]"));
        Assert.Throws<ShapeMismatchException>(() => x.Slice(-1, 1));
        Assert.Throws<ShapeMismatchException>(() => _ = x[4]);
        Assert.Throws<ShapeMismatchException>(() => _ = x[2..7]);
        Assert.Throws<ShapeMismatchException>(() => _ = x[3..1]);
        using var s = Tensor.Zeros(Shape.Scalar, Cpu);
        Assert.Throws<ShapeMismatchException>(() => s.Slice(0, 1));
    }

    [Test]
    public void ItemOfManyElementsAndHostBuffersOfTheWrongSize()
    {
        using var x = Tensor.Zeros(Shape.Of(2), Cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => x.Item())!.Message, Does.Contain("[2]"));
        Assert.That(Assert.Throws<ShapeMismatchException>(() => x.CopyTo(new float[3]))!.Message,
            Does.Contain("3 values").And.Contain("[2]"));
    }

    [Test]
    public void OperandsOnDifferentDevices()
    {
        using var x = Tensor.Ones(Shape.Of(4), TestSupport.Cpu);
        using var y = Tensor.Ones(Shape.Of(4), TestSupport.IlgpuCpu);
        var e = Assert.Throws<GpuGenException>(() => Ops.Axpy(1f, x, y))!;
        Assert.That(e.Message, Is.EqualTo("axpy: x is on cpu but y is on ilgpu-cpu; move one with To(device)"));
    }

    [Test]
    public void PartiallyOverlappingOperands()
    {
        using var x = Tensor.Arange(0, 8, 1, Cpu);
        using var a = x[0..6];
        using var b = x[2..8];
        var e = Assert.Throws<GpuGenException>(() => Ops.Copy(a, b))!;
        Assert.That(e.Message, Is.EqualTo("copy: source and destination partially overlap in memory"));
        Ops.Axpy(1f, x, x); // the very same elements are fine: y = x + x
        Assert.That(x.ToArray(), Is.EqualTo(new float[] { 0, 2, 4, 6, 8, 10, 12, 14 }));
    }
}
