using GpuGen.Kernels.Layout;

namespace GpuGen;

// Layout ops: permutations, slices along any axis, padding along an axis, concatenation and
// stacking, all one box-copy kernel (Kernels/Layout/BoxCopy.cs). Each op's backward is another
// layout op, so gradients of gradients come for free: permute ↔ permute by the inverse,
// narrow ↔ padAxis, concat → a narrow per input.
public static partial class Ops
{
    /// <summary>x with its axes reordered: y.Shape[i] = x.Shape[dims[i]] (numpy's transpose, PyTorch's permute), as a new tensor.</summary>
    public static Tensor Permute(Tensor x, params int[] dims)
    {
        const string op = "permute";
        Check.Alive(op, "x", x);
        int rank = x.Rank;
        var axes = dims.Select(d => d < 0 ? d + rank : d).ToArray();
        if (axes.Length != rank || axes.Any(a => a < 0 || a >= rank) || axes.Distinct().Count() != rank)
            throw new ShapeMismatchException($"{op}: ({string.Join(", ", dims)}) is not a permutation of the {rank} axes of {x.Shape}");
        CheckRank(op, x);
        var shape = x.Shape.ToArray();
        var strides = Strides(shape);
        var y = Tensor.Empty(new Shape(axes.Select(a => shape[a]).ToArray()), x.Device);
        if (y.Length > 0)
            x.Device.Backend.Layout.Copy(x, y, BoxCopy.Of(y.Shape.ToArray(), axes.Select(a => strides[a]).ToArray(), Strides(y.Shape.ToArray()), 0, 0));
        var inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[axes[i]] = i;
        return Autograd.Record(op, y, [x], (g, _) => [Permute(g, inverse)]);
    }

    /// <summary>x with axes a and b swapped.</summary>
    public static Tensor Transpose(Tensor x, int a, int b)
    {
        var dims = Enumerable.Range(0, x.Rank).ToArray();
        int ia = a < 0 ? a + x.Rank : a, ib = b < 0 ? b + x.Rank : b;
        if (ia < 0 || ia >= x.Rank || ib < 0 || ib >= x.Rank)
            throw new ShapeMismatchException($"transpose: axes {a} and {b} are out of range for {x.Shape}");
        (dims[ia], dims[ib]) = (dims[ib], dims[ia]);
        return Permute(x, dims);
    }

    /// <summary>Elements [start, start + length) of x along <paramref name="axis"/> (PyTorch's narrow), as a new tensor.</summary>
    public static Tensor Narrow(Tensor x, int axis, int start, int length)
    {
        const string op = "narrow";
        Check.Alive(op, "x", x);
        int a = Axis(op, x, axis);
        var shape = x.Shape.ToArray();
        if (start < 0 || length < 0 || start > shape[a] - length)
            throw new ShapeMismatchException($"{op}: [{start}, {start + length}) is outside axis {axis} of {x.Shape}");
        CheckRank(op, x);
        var outShape = (int[])shape.Clone();
        outShape[a] = length;
        var y = Tensor.Empty(new Shape(outShape), x.Device);
        var xStrides = Strides(shape);
        if (y.Length > 0)
            x.Device.Backend.Layout.Copy(x, y, BoxCopy.Of(outShape, xStrides, Strides(outShape), start * xStrides[a], 0));
        int size = shape[a];
        return Autograd.Record(op, y, [x], (g, _) => [PadAxis(g, a, start, size)]);
    }

    /// <summary>A tensor of x's shape but <paramref name="size"/> long along <paramref name="axis"/>, zero
    /// except [start, start + x's length there), which holds x. The backward of <see cref="Narrow"/>.</summary>
    public static Tensor PadAxis(Tensor x, int axis, int start, int size)
    {
        const string op = "padAxis";
        Check.Alive(op, "x", x);
        int a = Axis(op, x, axis);
        var shape = x.Shape.ToArray();
        if (start < 0 || start > size - shape[a])
            throw new ShapeMismatchException($"{op}: {x.Shape} placed at {start} along axis {axis} does not fit in {size}");
        CheckRank(op, x);
        var outShape = (int[])shape.Clone();
        outShape[a] = size;
        var y = Tensor.Zeros(new Shape(outShape), x.Device);
        Place(x, y, a, start);
        int length = shape[a];
        return Autograd.Record(op, y, [x], (g, _) => [Narrow(g, a, start, length)]);
    }

    /// <summary>The tensors joined along <paramref name="axis"/> (every other axis equal), as PyTorch's cat.</summary>
    public static Tensor Concat(Tensor[] xs, int axis)
    {
        const string op = "concat";
        if (xs.Length == 0) throw new ShapeMismatchException($"{op}: needs at least one tensor");
        for (int i = 0; i < xs.Length; i++) Check.Alive(op, $"x{i}", xs[i]);
        int a = Axis(op, xs[0], axis);
        var first = xs[0].Shape.ToArray();
        foreach (var (x, i) in xs.Select((x, i) => (x, i)))
        {
            var s = x.Shape.ToArray();
            if (s.Length != first.Length || s.Where((d, k) => k != a && d != first[k]).Any() || x.Device != xs[0].Device)
                throw new ShapeMismatchException($"{op}: {x.Shape} (input {i}) does not fit {xs[0].Shape} along axis {axis}: every other axis must be equal, on one device");
        }
        CheckRank(op, xs[0]);
        var outShape = (int[])first.Clone();
        outShape[a] = xs.Sum(x => x.Shape[a]);
        var y = Tensor.Empty(new Shape(outShape), xs[0].Device);
        var starts = new int[xs.Length];
        for (int i = 0, at = 0; i < xs.Length; at += xs[i].Shape[a], i++)
        {
            starts[i] = at;
            Place(xs[i], y, a, at);
        }
        return Autograd.Record(op, y, xs, (g, needs) =>
            xs.Select((x, i) => needs[i] ? Narrow(g, a, starts[i], x.Shape[a]) : null).ToArray());
    }

    /// <summary>The tensors (all of one shape) stacked along a new axis at <paramref name="axis"/>, as PyTorch's stack.</summary>
    public static Tensor Stack(Tensor[] xs, int axis)
    {
        if (xs.Length == 0) throw new ShapeMismatchException("stack: needs at least one tensor");
        int rank = xs[0].Rank + 1, a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ShapeMismatchException($"stack: axis {axis} is out of range for {rank} axes");
        for (int i = 1; i < xs.Length; i++)
            if (xs[i].Shape != xs[0].Shape) throw new ShapeMismatchException($"stack: {xs[i].Shape} (input {i}) is not {xs[0].Shape}");
        return Concat(xs.Select(x => x.Reshape([.. x.Shape.ToArray()[..a], 1, .. x.Shape.ToArray()[a..]])).ToArray(), a);
    }

    /// <summary>Copies all of x into y at <paramref name="start"/> along axis a (other axes aligned).</summary>
    private static void Place(Tensor x, Tensor y, int a, int start)
    {
        if (x.Length == 0) return;
        var yStrides = Strides(y.Shape.ToArray());
        x.Device.Backend.Layout.Copy(x, y, BoxCopy.Of(x.Shape.ToArray(), Strides(x.Shape.ToArray()), yStrides, 0, start * yStrides[a]));
    }

    private static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        for (int k = shape.Length - 1, s = 1; k >= 0; s *= shape[k], k--) strides[k] = s;
        return strides;
    }

    private static int Axis(string op, Tensor x, int axis)
    {
        int a = axis < 0 ? axis + x.Rank : axis;
        if (a < 0 || a >= x.Rank) throw new ShapeMismatchException($"{op}: axis {axis} is out of range for {x.Shape}");
        return a;
    }

    private static void CheckRank(string op, Tensor x)
    {
        if (x.Rank > BoxCopy.MaxRank) throw new ShapeMismatchException($"{op}: {x.Shape} has more than {BoxCopy.MaxRank} axes");
    }
}
