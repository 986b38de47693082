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

    // Derivatives: each rule sees g reshaped to keep the reduced axis (gk, size 1 there), so that
    // broadcasting spreads it back over x.

    /// <summary>Σ over <paramref name="axis"/> (all axes when null). dx = g spread over the axis.</summary>
    public static Tensor Sum(Tensor x, int? axis = null, bool keepDim = false) =>
        Reduction("sum", x, axis, keepDim, length => new SumReduce(1f), (gk, x, yk, n) => Expand(gk, x.Shape));

    /// <summary>The mean over an axis. dx = g/n spread over the axis.</summary>
    public static Tensor Mean(Tensor x, int? axis = null, bool keepDim = false) =>
        Reduction("mean", x, axis, keepDim, length => new SumReduce(1f / length), (gk, x, yk, n) => Expand(Div(gk, n), x.Shape));

    /// <summary>The maximum over an axis (NaN if any element is NaN). dx = g shared among the maxima.</summary>
    public static Tensor Max(Tensor x, int? axis = null, bool keepDim = false) =>
        Reduction("max", x, axis, keepDim, _ => new MaxReduce(), Extremum(axis), requireElements: true);

    /// <summary>The minimum over an axis. dx = g shared among the minima.</summary>
    public static Tensor Min(Tensor x, int? axis = null, bool keepDim = false) =>
        Reduction("min", x, axis, keepDim, _ => new MinReduce(), Extremum(axis), requireElements: true);

    /// <summary>‖x‖₂ over an axis: √Σx². dx = g·x/‖x‖ (0 where the norm is 0).</summary>
    public static Tensor Norm(Tensor x, int? axis = null, bool keepDim = false) =>
        Reduction("norm", x, axis, keepDim, _ => new SquaredDeviationReduce(1f, takeRoot: true),
            (gk, x, yk, n) => Mul(gk, Div(x, Maximum(yk, 1e-30f))));

    /// <summary>Σ(x − mean)²/(n − correction) over an axis, in two passes (mean first), so no
    /// cancellation; correction 1 gives the unbiased estimate.</summary>
    /// <remarks>dx = g·2(x − mean)/(n − correction), with the mean recomputed by a recorded op so
    /// that the rule differentiates correctly again.</remarks>
    public static Tensor Variance(Tensor x, int? axis = null, bool keepDim = false, int correction = 0)
    {
        const string op = "variance";
        var (_, length, _, _) = Split(op, x, axis, keepDim);
        if (correction < 0 || correction >= Math.Max(length, 1))
            throw new ArgumentException($"{op}: correction {correction} must be in [0, {length}) for {length} elements");
        using var mean = Fold(op, x, axis, keepDim: true, n => new SumReduce(1f / n));
        var y = Fold(op, x, axis, keepDim, n => new SquaredDeviationReduce(1f / (n - correction), takeRoot: false), center: mean);
        return RecordReduction(op, x, axis, y, length,
            (gk, x, yk, n) => Mul(gk, Mul(Sub(x, Mean(x, axis, keepDim: true)), 2f / (n - correction))));
    }

    /// <summary>log Σ exp(x) over an axis, shifted by the maximum so that nothing overflows.
    /// dx = g·softmax(x) = g·exp(x − y).</summary>
    public static Tensor LogSumExp(Tensor x, int axis = -1, bool keepDim = false)
    {
        var (_, length, _, _) = Split("logSumExp", x, axis, keepDim);
        using var max = Fold("logSumExp", x, axis, keepDim: true, _ => new MaxReduce(), requireElements: true);
        var y = Fold("logSumExp", x, axis, keepDim, _ => new SumExpReduce(takeLog: true), center: max);
        return RecordReduction("logSumExp", x, axis, y, length, (gk, x, yk, n) => Mul(gk, Exp(Sub(x, yk))));
    }

    /// <summary>exp(x − max) / Σ exp(x − max) along an axis. dx = y·(g − Σ g·y).</summary>
    public static Tensor Softmax(Tensor x, int axis = -1)
    {
        var y = Normalized("softmax", x, axis, log: false);
        return Autograd.Record("softmax", y, [x], (g, _) => [Mul(y, Sub(g, Sum(Mul(g, y), axis, keepDim: true)))]);
    }

    /// <summary>x − max − log Σ exp(x − max) along an axis. dx = g − exp(y)·Σ g.</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1)
    {
        var y = Normalized("logSoftmax", x, axis, log: true);
        return Autograd.Record("logSoftmax", y, [x], (g, _) => [Sub(g, Mul(Exp(y), Sum(g, axis, keepDim: true)))]);
    }

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

    /// <summary>dx for max and min: g divided among the elements equal to the extremum.</summary>
    private static Func<Tensor, Tensor, Tensor, int, Tensor> Extremum(int? axis) => (gk, x, yk, n) =>
    {
        var mask = Equal(x, yk);
        return Div(Mul(mask, gk), Sum(mask, axis, keepDim: true));
    };

    /// <summary>A fold recorded with its derivative <paramref name="grad"/>(gk, x, yk, n): gk and yk are
    /// the gradient and the result with the reduced axis kept (size 1), n the reduced count.</summary>
    private static Tensor Reduction<TOp>(string op, Tensor x, int? axis, bool keepDim, Func<int, TOp> makeOp,
        Func<Tensor, Tensor, Tensor, int, Tensor> grad, bool requireElements = false) where TOp : struct, IReduceOp
    {
        var y = Fold(op, x, axis, keepDim, makeOp, requireElements: requireElements);
        return RecordReduction(op, x, axis, y, Split(op, x, axis, keepDim).Length, grad);
    }

    private static Tensor RecordReduction(string op, Tensor x, int? axis, Tensor y, int n, Func<Tensor, Tensor, Tensor, int, Tensor> grad) =>
        Autograd.Record(op, y, [x], (g, _) =>
        {
            var kept = Split(op, x, axis, keepDim: true).Result.ToArray();
            return [grad(g.Reshape(kept), x, y.Reshape(kept), n)];
        });

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
