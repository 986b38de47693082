using GpuGen.Kernels.Elementwise;
using K = GpuGen.Kernels.Elementwise;

namespace GpuGen;

// Binary elementwise ops with numpy broadcasting (BroadcastPlan), each also with a scalar on
// either side; comparisons give 1 where true and 0 where false; where selects.
public static partial class Ops
{
    public static Tensor Add(Tensor a, Tensor b) => Zip("add", a, b, new K.Add());
    public static Tensor Add(Tensor a, float b) => Zip("add", a, b, new K.Add());
    public static Tensor Add(float a, Tensor b) => Zip("add", a, b, new K.Add());
    public static Tensor Sub(Tensor a, Tensor b) => Zip("sub", a, b, new K.Sub());
    public static Tensor Sub(Tensor a, float b) => Zip("sub", a, b, new K.Sub());
    public static Tensor Sub(float a, Tensor b) => Zip("sub", a, b, new K.Sub());
    public static Tensor Mul(Tensor a, Tensor b) => Zip("mul", a, b, new K.Mul());
    public static Tensor Mul(Tensor a, float b) => Zip("mul", a, b, new K.Mul());
    public static Tensor Mul(float a, Tensor b) => Zip("mul", a, b, new K.Mul());
    public static Tensor Div(Tensor a, Tensor b) => Zip("div", a, b, new K.Div());
    public static Tensor Div(Tensor a, float b) => Zip("div", a, b, new K.Div());
    public static Tensor Div(float a, Tensor b) => Zip("div", a, b, new K.Div());
    /// <summary>Elementwise max (reductions are <see cref="Max(Tensor, int?, bool)"/>).</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Zip("maximum", a, b, new K.Max());
    public static Tensor Maximum(Tensor a, float b) => Zip("maximum", a, b, new K.Max());
    /// <summary>Elementwise min (reductions are <see cref="Min(Tensor, int?, bool)"/>).</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Zip("minimum", a, b, new K.Min());
    public static Tensor Minimum(Tensor a, float b) => Zip("minimum", a, b, new K.Min());
    public static Tensor Pow(Tensor a, Tensor b) => Zip("pow", a, b, new K.Pow());
    public static Tensor Pow(float a, Tensor b) => Zip("pow", a, b, new K.Pow());

    public static Tensor Equal(Tensor a, Tensor b) => Zip("equal", a, b, new K.Equal());
    public static Tensor Equal(Tensor a, float b) => Zip("equal", a, b, new K.Equal());
    public static Tensor NotEqual(Tensor a, Tensor b) => Zip("notEqual", a, b, new K.NotEqual());
    public static Tensor NotEqual(Tensor a, float b) => Zip("notEqual", a, b, new K.NotEqual());
    public static Tensor Less(Tensor a, Tensor b) => Zip("less", a, b, new K.Less());
    public static Tensor Less(Tensor a, float b) => Zip("less", a, b, new K.Less());
    public static Tensor LessEqual(Tensor a, Tensor b) => Zip("lessEqual", a, b, new K.LessOrEqual());
    public static Tensor LessEqual(Tensor a, float b) => Zip("lessEqual", a, b, new K.LessOrEqual());
    public static Tensor Greater(Tensor a, Tensor b) => Zip("greater", a, b, new K.Greater());
    public static Tensor Greater(Tensor a, float b) => Zip("greater", a, b, new K.Greater());
    public static Tensor GreaterEqual(Tensor a, Tensor b) => Zip("greaterEqual", a, b, new K.GreaterOrEqual());
    public static Tensor GreaterEqual(Tensor a, float b) => Zip("greaterEqual", a, b, new K.GreaterOrEqual());

    /// <summary>
    /// Elementwise binary cross-entropy of logits against targets in [0, 1] (not reduced):
    /// max(x, 0) − x·z + log1p(e^−|x|), finite for any logit.
    /// </summary>
    public static Tensor BceWithLogits(Tensor logits, Tensor targets) => Zip("bceWithLogits", logits, targets, new K.BceWithLogits());

    /// <summary>condition ≠ 0 ? a : b, elementwise, the three broadcast together.</summary>
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
        return y;
    }

    private static Tensor Zip<TOp>(string op, Tensor a, Tensor b, TOp f) where TOp : struct, IBinaryOp
    {
        Check.Alive(op, "a", a);
        Check.Alive(op, "b", b);
        Check.SameDevice(op, "a", a, "b", b);
        var (shape, geometry) = BroadcastPlan.Create(op, a, b);
        var y = Tensor.Empty(shape, a.Device);
        a.Device.Backend.Elementwise.Binary(f, a, b, y, geometry);
        return y;
    }

    private static Tensor Zip<TOp>(string op, Tensor a, float b, TOp f) where TOp : struct, IBinaryOp =>
        Map(op, a, new WithScalar<TOp>(f, b, scalarFirst: false));

    private static Tensor Zip<TOp>(string op, float a, Tensor b, TOp f) where TOp : struct, IBinaryOp =>
        Map(op, b, new WithScalar<TOp>(f, a, scalarFirst: true));
}
