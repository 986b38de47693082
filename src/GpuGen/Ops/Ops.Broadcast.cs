using GpuGen.Kernels.Elementwise;

namespace GpuGen;

// Broadcasting as ops of their own: Expand copies a tensor out to a larger shape, SumTo sums a
// gradient back to an operand's shape. Each is the other's derivative.
public static partial class Ops
{
    /// <summary>x repeated along its size-1 (or missing leading) dimensions to <paramref name="shape"/>.</summary>
    public static Tensor Expand(Tensor x, Shape shape)
    {
        const string op = "expand";
        Check.Alive(op, "x", x);
        var (output, geometry) = BroadcastPlan.Create(op, x.Shape, shape);
        if (output != shape) throw new ShapeMismatchException($"{op}: x has shape {x.Shape}, which does not broadcast to {shape}");
        (geometry.B0, geometry.B1, geometry.B2, geometry.B3) = (geometry.A0, geometry.A1, geometry.A2, geometry.A3);
        var y = Tensor.Empty(shape, x.Device);
        x.Device.Backend.Elementwise.Binary(new First(), x, x, y, geometry);
        return Autograd.Record(op, y, [x], (g, _) => [SumTo(g, x.Shape)]);
    }

    /// <summary>
    /// Sums <paramref name="g"/> down to <paramref name="shape"/>, which must broadcast to g's
    /// shape: over its extra leading dimensions and wherever shape has a 1. The gradient of a
    /// broadcast operand (g itself when the shapes already agree).
    /// </summary>
    public static Tensor SumTo(Tensor g, Shape shape)
    {
        if (g.Shape == shape) return g;
        var r = g;
        while (r.Rank > shape.Rank) r = Sum(r, 0);
        for (int axis = 0; axis < shape.Rank; axis++)
            if (shape[axis] == 1 && r.Shape[axis] != 1) r = Sum(r, axis, keepDim: true);
        if (r.Shape != shape)
            throw new ShapeMismatchException($"sumTo: a gradient of shape {g.Shape} cannot be summed to {shape}");
        return r;
    }
}
