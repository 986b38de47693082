using GpuGen.Kernels.Reduce;

namespace GpuGen;

// Reductions along one axis or all of them, and softmax, log-softmax and log-sum-exp along an
// axis. Deterministic: the same input gives bit-identical output on a device run after run.
public static partial class Ops
{
    /// <summary>Elements folded by one thread per level: a fixed chunking, so the summation
    /// order (and result) depends on the shape only, never on the launch or the core count.
    /// Error grows with chunk + levels (≈ 1024 + 1024 + … terms), not with the whole length.</summary>
    internal const int ReduceChunk = 1024;

    /// <summary>Σ over <paramref name="axis"/> (all axes when null).</summary>
    public static Tensor Sum(Tensor x, int? axis = null, bool keepDim = false) =>
        Fold("sum", x, axis, keepDim, length => new SumReduce(1f));

    public static Tensor Mean(Tensor x, int? axis = null, bool keepDim = false) =>
        Fold("mean", x, axis, keepDim, length => new SumReduce(1f / length));

    /// <summary>The maximum over an axis (NaN if any element is NaN).</summary>
    public static Tensor Max(Tensor x, int? axis = null, bool keepDim = false) =>
        Fold("max", x, axis, keepDim, _ => new MaxReduce(), requireElements: true);

    public static Tensor Min(Tensor x, int? axis = null, bool keepDim = false) =>
        Fold("min", x, axis, keepDim, _ => new MinReduce(), requireElements: true);

    /// <summary>‖x‖₂ over an axis: √Σx².</summary>
    public static Tensor Norm(Tensor x, int? axis = null, bool keepDim = false) =>
        Fold("norm", x, axis, keepDim, _ => new SquaredDeviationReduce(1f, takeRoot: true));

    /// <summary>Σ(x − mean)²/(n − correction) over an axis, in two passes (mean first), so no
    /// cancellation; correction 1 gives the unbiased estimate.</summary>
    public static Tensor Variance(Tensor x, int? axis = null, bool keepDim = false, int correction = 0)
    {
        const string op = "variance";
        var (_, length, _, _) = Split(op, x, axis, keepDim);
        if (correction < 0 || correction >= Math.Max(length, 1))
            throw new ArgumentException($"{op}: correction {correction} must be in [0, {length}) for {length} elements");
        using var mean = Fold(op, x, axis, keepDim: true, n => new SumReduce(1f / n));
        return Fold(op, x, axis, keepDim, n => new SquaredDeviationReduce(1f / (n - correction), takeRoot: false), center: mean);
    }

    /// <summary>log Σ exp(x) over an axis, shifted by the maximum so that nothing overflows.</summary>
    public static Tensor LogSumExp(Tensor x, int axis = -1, bool keepDim = false)
    {
        using var max = Fold("logSumExp", x, axis, keepDim: true, _ => new MaxReduce(), requireElements: true);
        return Fold("logSumExp", x, axis, keepDim, _ => new SumExpReduce(takeLog: true), center: max);
    }

    /// <summary>exp(x − max) / Σ exp(x − max) along an axis.</summary>
    public static Tensor Softmax(Tensor x, int axis = -1) => Normalized("softmax", x, axis, log: false);

    /// <summary>x − max − log Σ exp(x − max) along an axis.</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1) => Normalized("logSoftmax", x, axis, log: true);

    /// <summary>Index of the first maximum along an axis (all axes: of the flattened tensor), as
    /// a float (exact below 2²⁴).</summary>
    public static Tensor ArgMax(Tensor x, int? axis = null, bool keepDim = false)
    {
        const string op = "argMax";
        var (outer, length, inner, shape) = Split(op, x, axis, keepDim);
        if (length == 0) throw new ShapeMismatchException($"{op}: cannot reduce an empty axis of {x.Shape}");
        var y = Tensor.Empty(shape, x.Device);
        x.Device.Backend.Reduce.ArgMax(x, y, outer, length, inner);
        return y;
    }

    private static Tensor Normalized(string op, Tensor x, int axis, bool log)
    {
        var (outer, length, inner, _) = Split(op, x, axis, keepDim: true);
        using var max = Fold(op, x, axis, keepDim: true, _ => new MaxReduce(), requireElements: true);
        using var sumExp = Fold(op, x, axis, keepDim: true, _ => new SumExpReduce(takeLog: false), center: max);
        var y = Tensor.Empty(x.Shape, x.Device);
        x.Device.Backend.Reduce.Normalize(x, max, sumExp, y, outer, length, inner, log);
        return y;
    }

    /// <summary>
    /// Reduces <paramref name="x"/> with the fold <paramref name="makeOp"/>(n) builds for n
    /// reduced elements: level 0 folds chunks of <see cref="ReduceChunk"/> into partials, each
    /// further level folds the partials the same way, the last one finishes.
    /// </summary>
    private static Tensor Fold<TOp>(string op, Tensor x, int? axis, bool keepDim, Func<int, TOp> makeOp,
        Tensor? center = null, bool requireElements = false) where TOp : struct, IReduceOp
    {
        var (outer, length, inner, shape) = Split(op, x, axis, keepDim);
        if (requireElements && length == 0) throw new ShapeMismatchException($"{op}: cannot reduce an empty axis of {x.Shape}");
        var fold = makeOp(length);
        Tensor current = x;
        int remaining = length;
        for (bool first = true; ; first = false)
        {
            int chunks = Math.Max(1, (remaining + ReduceChunk - 1) / ReduceChunk);
            bool last = chunks == 1;
            var y = Tensor.Empty(last ? shape : Shape.Of(outer, chunks, inner), x.Device);
            var layout = new ReduceHost.Layout(outer, remaining, inner, ReduceChunk, chunks, MapInput: first, Finish: last);
            x.Device.Backend.Reduce.Chunks(fold, current, center, y, layout);
            if (!first) current.Dispose(); // a partial of the previous level
            if (last) return y;
            current = y;
            remaining = chunks;
        }
    }

    /// <summary>Views x as [outer, length, inner] around the reduced axis (all axes: [1, n, 1]) and
    /// gives the result's shape.</summary>
    private static (int Outer, int Length, int Inner, Shape Result) Split(string op, Tensor x, int? axis, bool keepDim)
    {
        Check.Alive(op, "x", x);
        var dims = x.Shape.ToArray();
        if (axis is null)
            return (1, x.Length, 1, keepDim ? new Shape(dims.Select(_ => 1).ToArray()) : Shape.Scalar);
        int a = axis.Value < 0 ? axis.Value + dims.Length : axis.Value;
        if (a < 0 || a >= dims.Length)
            throw new ShapeMismatchException($"{op}: axis {axis} is out of range for shape {x.Shape}");
        int outer = dims[..a].Aggregate(1, (p, d) => p * d), inner = dims[(a + 1)..].Aggregate(1, (p, d) => p * d);
        var result = keepDim ? dims.Select((d, i) => i == a ? 1 : d).ToArray() : dims.Where((_, i) => i != a).ToArray();
        return (outer, dims[a], inner, new Shape(result));
    }
}
