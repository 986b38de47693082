using GpuGen.Kernels.Elementwise;
using K = GpuGen.Kernels.Elementwise;

namespace GpuGen;

// Binary elementwise ops with numpy broadcasting (BroadcastPlan), each also with a scalar on
// either side. Beside each, its derivatives (da, db) from (g, a, b, y); Zip sums them back to
// each operand's shape over the dimensions broadcasting repeated. Comparisons give 1 where true
// and 0 where false and carry no gradient; where selects.
public static partial class Ops
{
    public static Tensor Add(Tensor a, Tensor b) => Zip("add", a, b, new K.Add(), (g, a, b, y) => g, (g, a, b, y) => g);
    public static Tensor Add(Tensor a, float b) => Zip("add", a, b, new K.Add(), (g, a, y) => g);
    public static Tensor Add(float a, Tensor b) => Zip("add", a, b, new K.Add(), (g, b, y) => g);
    public static Tensor Sub(Tensor a, Tensor b) => Zip("sub", a, b, new K.Sub(), (g, a, b, y) => g, (g, a, b, y) => Neg(g));
    public static Tensor Sub(Tensor a, float b) => Zip("sub", a, b, new K.Sub(), (g, a, y) => g);
    public static Tensor Sub(float a, Tensor b) => Zip("sub", a, b, new K.Sub(), (g, b, y) => Neg(g));
    public static Tensor Mul(Tensor a, Tensor b) => Zip("mul", a, b, new K.Mul(), (g, a, b, y) => Mul(g, b), (g, a, b, y) => Mul(g, a));
    public static Tensor Mul(Tensor a, float b) => Zip("mul", a, b, new K.Mul(), (g, a, y) => Mul(g, b));
    public static Tensor Mul(float a, Tensor b) => Zip("mul", a, b, new K.Mul(), (g, b, y) => Mul(g, a));
    public static Tensor Div(Tensor a, Tensor b) => Zip("div", a, b, new K.Div(), (g, a, b, y) => Div(g, b), (g, a, b, y) => Neg(Div(Mul(g, y), b)));
    public static Tensor Div(Tensor a, float b) => Zip("div", a, b, new K.Div(), (g, a, y) => Div(g, b));
    public static Tensor Div(float a, Tensor b) => Zip("div", a, b, new K.Div(), (g, b, y) => Neg(Div(Mul(g, y), b)));
    /// <summary>Elementwise max (reductions are <see cref="Max(Tensor, int?, bool)"/>). As in PyTorch, a tie
    /// splits the gradient in half between a and b (a subgradient either way; the same choice
    /// makes a model ported from PyTorch train the same).</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Zip("maximum", a, b, new K.Max(),
        (g, a, b, y) => Mul(g, Winner(a, b, Greater(a, b))), (g, a, b, y) => Mul(g, Winner(a, b, Less(a, b))));
    /// <summary>max(a, b) for a scalar b: PyTorch's clamp_min, whose gradient passes where a ≥ b.</summary>
    public static Tensor Maximum(Tensor a, float b) => Zip("maximum", a, b, new K.Max(), (g, a, y) => Mul(g, GreaterEqual(a, b)));
    /// <summary>Elementwise min (reductions are <see cref="Min(Tensor, int?, bool)"/>); a tie splits the gradient in half, as in PyTorch.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Zip("minimum", a, b, new K.Min(),
        (g, a, b, y) => Mul(g, Winner(a, b, Less(a, b))), (g, a, b, y) => Mul(g, Winner(a, b, Greater(a, b))));

    /// <summary>The share of a max/min's gradient an operand gets: 1 where it strictly wins, ½ on a tie.</summary>
    private static Tensor Winner(Tensor a, Tensor b, Tensor wins) => Add(wins, Mul(Equal(a, b), 0.5f));

    /// <summary>min(a, b) for a scalar b: PyTorch's clamp_max, whose gradient passes where a ≤ b.</summary>
    public static Tensor Minimum(Tensor a, float b) => Zip("minimum", a, b, new K.Min(), (g, a, y) => Mul(g, LessEqual(a, b)));
    /// <summary>aᵇ; d/da = b·aᵇ⁻¹, d/db = aᵇ·ln a.</summary>
    public static Tensor Pow(Tensor a, Tensor b) => Zip("pow", a, b, new K.Pow(),
        (g, a, b, y) => Mul(g, Mul(b, Pow(a, Sub(b, 1f)))), (g, a, b, y) => Mul(g, Mul(y, Log(a))));
    public static Tensor Pow(float a, Tensor b) => Zip("pow", a, b, new K.Pow(), (g, b, y) => Mul(g, Mul(y, MathF.Log(a))));

    public static Tensor Equal(Tensor a, Tensor b) => Zip("equal", a, b, new K.Equal(), null, null);
    public static Tensor Equal(Tensor a, float b) => Zip("equal", a, b, new K.Equal(), null);
    public static Tensor NotEqual(Tensor a, Tensor b) => Zip("notEqual", a, b, new K.NotEqual(), null, null);
    public static Tensor NotEqual(Tensor a, float b) => Zip("notEqual", a, b, new K.NotEqual(), null);
    public static Tensor Less(Tensor a, Tensor b) => Zip("less", a, b, new K.Less(), null, null);
    public static Tensor Less(Tensor a, float b) => Zip("less", a, b, new K.Less(), null);
    public static Tensor LessEqual(Tensor a, Tensor b) => Zip("lessEqual", a, b, new K.LessOrEqual(), null, null);
    public static Tensor LessEqual(Tensor a, float b) => Zip("lessEqual", a, b, new K.LessOrEqual(), null);
    public static Tensor Greater(Tensor a, Tensor b) => Zip("greater", a, b, new K.Greater(), null, null);
    public static Tensor Greater(Tensor a, float b) => Zip("greater", a, b, new K.Greater(), null);
    public static Tensor GreaterEqual(Tensor a, Tensor b) => Zip("greaterEqual", a, b, new K.GreaterOrEqual(), null, null);
    public static Tensor GreaterEqual(Tensor a, float b) => Zip("greaterEqual", a, b, new K.GreaterOrEqual(), null);

    /// <summary>
    /// Elementwise binary cross-entropy of logits against targets in [0, 1] (not reduced):
    /// max(x, 0) − x·z + log1p(e^−|x|), finite for any logit. d/dx = σ(x) − z, d/dz = −x.
    /// </summary>
    public static Tensor BceWithLogits(Tensor logits, Tensor targets) => Zip("bceWithLogits", logits, targets, new K.BceWithLogits(),
        (g, x, z, y) => Mul(g, Sub(Sigmoid(x), z)), (g, x, z, y) => Neg(Mul(g, x)));

    /// <summary>condition ≠ 0 ? a : b, elementwise, the three broadcast together; the gradient
    /// goes to a where the condition holds and to b elsewhere (none to the condition).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        const string op = "where";
        Check.Alive(op, "condition", condition);
        Check.Alive(op, "a", a);
        Check.Alive(op, "b", b);
        Check.SameDevice(op, "condition", condition, "a", a);
        Check.SameDevice(op, "a", a, "b", b);
        var (shape, geometry) = BroadcastPlan.Create(op, condition, a, b);
        var y = Tensor.Empty(shape, a.Device);
        a.Device.Backend.Elementwise.Where(condition, a, b, y, geometry);
        return Autograd.Record(op, y, [condition, a, b], (g, needs) =>
        {
            var zero = Tensor.Zeros(Shape.Scalar, g.Device);
            return [null, needs[1] ? SumTo(Where(condition, g, zero), a.Shape) : null, needs[2] ? SumTo(Where(condition, zero, g), b.Shape) : null];
        });
    }

    private static Tensor Zip<TOp>(string op, Tensor a, Tensor b, TOp f,
        Func<Tensor, Tensor, Tensor, Tensor, Tensor>? da, Func<Tensor, Tensor, Tensor, Tensor, Tensor>? db) where TOp : struct, IBinaryOp
    {
        Check.Alive(op, "a", a);
        Check.Alive(op, "b", b);
        Check.SameDevice(op, "a", a, "b", b);
        var (shape, geometry) = BroadcastPlan.Create(op, a, b);
        var y = Tensor.Empty(shape, a.Device);
        a.Device.Backend.Elementwise.Binary(f, a, b, y, geometry);
        if (da is null || db is null) return y;
        return Autograd.Record(op, y, [a, b], (g, needs) =>
            [needs[0] ? SumTo(da(g, a, b, y), a.Shape) : null, needs[1] ? SumTo(db(g, a, b, y), b.Shape) : null]);
    }

    private static Tensor Zip<TOp>(string op, Tensor a, float b, TOp f, Func<Tensor, Tensor, Tensor, Tensor>? grad) where TOp : struct, IBinaryOp =>
        Map(op, a, new WithScalar<TOp>(f, b, scalarFirst: false), grad);

    private static Tensor Zip<TOp>(string op, float a, Tensor b, TOp f, Func<Tensor, Tensor, Tensor, Tensor>? grad) where TOp : struct, IBinaryOp =>
        Map(op, b, new WithScalar<TOp>(f, a, scalarFirst: true), grad);
}
