using GpuGen;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// The layout ops (one box-copy kernel) on every device against a reference that indexes the
/// arrays by hand: permutations, narrow and pad along every axis, concatenation and stacking,
/// including size-1 and empty parts. Copies are exact, so the comparison is too.
/// </summary>
public class LayoutTests
{
    private static int[] Strides(int[] shape)
    {
        var s = new int[shape.Length];
        for (int k = shape.Length - 1, p = 1; k >= 0; p *= shape[k], k--) s[k] = p;
        return s;
    }

    private static int[] Coordinates(int index, int[] shape)
    {
        var c = new int[shape.Length];
        for (int k = shape.Length - 1; k >= 0; k--) { c[k] = index % shape[k]; index /= shape[k]; }
        return c;
    }

    private static int Offset(int[] c, int[] shape) => c.Zip(Strides(shape), (a, b) => a * b).Sum();

    private static Tensor Random(int[] shape, int seed, Device d) => Tensor.FromArray(TestSupport.RandomArray(shape.Aggregate(1, (p, k) => p * k), seed), new Shape(shape), d);

    public static IEnumerable<TestCaseData> Permutations()
    {
        foreach (var device in TestSupport.DeviceNames)
        {
            yield return new TestCaseData(device, new[] { 3, 5 }, new[] { 1, 0 });
            yield return new TestCaseData(device, new[] { 2, 3, 4 }, new[] { 2, 0, 1 });
            yield return new TestCaseData(device, new[] { 2, 1, 3, 5 }, new[] { 0, 2, 3, 1 });
            yield return new TestCaseData(device, new[] { 2, 3, 1, 2, 2, 3 }, new[] { 5, 4, 3, 2, 1, 0 });
        }
    }

    [TestCaseSource(nameof(Permutations))]
    public void PermuteMovesEveryElement(string deviceName, int[] shape, int[] dims)
    {
        using var scope = new TensorScope();
        var x = Random(shape, 1, GpuGen.Devices.Get(deviceName));
        var y = Ops.Permute(x, dims);
        var outShape = dims.Select(d => shape[d]).ToArray();
        Assert.That(y.Shape, Is.EqualTo(new Shape(outShape)));
        var xv = x.ToArray();
        var yv = y.ToArray();
        for (int i = 0; i < yv.Length; i++)
        {
            var c = Coordinates(i, outShape);
            var source = new int[shape.Length];
            for (int k = 0; k < dims.Length; k++) source[dims[k]] = c[k];
            Assert.That(yv[i], Is.EqualTo(xv[Offset(source, shape)]), $"element {i}");
        }
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void NarrowAndPadAlongEveryAxisAreEachOthersInverse(string deviceName)
    {
        using var scope = new TensorScope();
        int[] shape = [3, 4, 5];
        var x = Random(shape, 2, GpuGen.Devices.Get(deviceName));
        var xv = x.ToArray();
        for (int axis = 0; axis < 3; axis++)
        {
            int start = 1, length = shape[axis] - 2;
            var y = Ops.Narrow(x, axis, start, length);
            var outShape = (int[])shape.Clone();
            outShape[axis] = length;
            var yv = y.ToArray();
            for (int i = 0; i < yv.Length; i++)
            {
                var c = Coordinates(i, outShape);
                c[axis] += start;
                Assert.That(yv[i], Is.EqualTo(xv[Offset(c, shape)]), $"narrow axis {axis}, element {i}");
            }
            var back = Ops.PadAxis(y, axis - 3, start, shape[axis]).ToArray(); // a negative axis too
            for (int i = 0; i < xv.Length; i++)
            {
                int along = Coordinates(i, shape)[axis];
                Assert.That(back[i], Is.EqualTo(along >= start && along < start + length ? xv[i] : 0f), $"pad axis {axis}, element {i}");
            }
        }
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void ConcatAndStackJoinAlongAnyAxis(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        for (int axis = 0; axis < 3; axis++)
        {
            int[][] shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]];
            shapes[1][axis] = 1;
            shapes[2][axis] = 0; // an empty part
            var parts = shapes.Select((s, i) => Random(s, 10 + i, device)).ToArray();
            var y = Ops.Concat(parts, axis);
            var outShape = (int[])shapes[0].Clone();
            outShape[axis] = shapes.Sum(s => s[axis]);
            Assert.That(y.Shape, Is.EqualTo(new Shape(outShape)));
            var yv = y.ToArray();
            var values = parts.Select(p => p.ToArray()).ToArray();
            for (int i = 0; i < yv.Length; i++)
            {
                var c = Coordinates(i, outShape);
                int part = 0;
                while (c[axis] >= shapes[part][axis]) c[axis] -= shapes[part++][axis];
                Assert.That(yv[i], Is.EqualTo(values[part][Offset(c, shapes[part])]), $"concat axis {axis}, element {i}");
            }
        }
        var a = Random([2, 3], 20, device);
        var b = Random([2, 3], 21, device);
        var stacked = Ops.Stack([a, b], 1).ToArray(); // [2, 2, 3]
        var (av, bv) = (a.ToArray(), b.ToArray());
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 3; k++)
            {
                Assert.That(stacked[i * 6 + k], Is.EqualTo(av[i * 3 + k]));
                Assert.That(stacked[i * 6 + 3 + k], Is.EqualTo(bv[i * 3 + k]));
            }
    }

    [Test]
    public void BadShapesAndAxesAreClearErrors()
    {
        using var scope = new TensorScope();
        var x = Random([2, 3], 1, TestSupport.Cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Permute(x, 0, 0))!.Message, Does.Contain("not a permutation"));
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Narrow(x, 1, 2, 2))!.Message, Does.Contain("outside axis 1"));
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Narrow(x, 2, 0, 1))!.Message, Does.Contain("out of range"));
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Concat([x, Random([3, 3], 2, TestSupport.Cpu)], 1))!.Message, Does.Contain("every other axis must be equal"));
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Stack([x, Random([3, 2], 2, TestSupport.Cpu)], 0))!.Message, Does.Contain("is not [2, 3]"));
        Assert.Throws<ShapeMismatchException>(() => Ops.Permute(Random([1, 1, 1, 1, 1, 1, 2], 3, TestSupport.Cpu), 0, 1, 2, 3, 4, 5, 6));
        Assert.Throws<ShapeMismatchException>(() => GpuGen.Nn.Losses.MeanSquaredError(x, Random([3, 2], 4, TestSupport.Cpu)));
    }
}
