namespace GpuGen.Nn;

/// <summary>How a Kaiming initialiser counts fans.</summary>
public enum FanMode { FanIn, FanOut }

/// <summary>
/// Parameter initialisers, drawn from a seeded <see cref="Generator"/> so that the same seed
/// gives the same model on every device. Formulas as in PyTorch's torch.nn.init.
/// Fans of a weight [out, in, k…]: fan_in = in·Πk, fan_out = out·Πk.
/// </summary>
public static class Init
{
    public static (int FanIn, int FanOut) Fans(Shape shape)
    {
        if (shape.Rank < 2) throw new ShapeMismatchException($"init: fans need a weight of rank ≥ 2, got {shape}");
        int receptive = 1;
        for (int i = 2; i < shape.Rank; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>U(lo, hi).</summary>
    public static Tensor Uniform(Tensor t, Generator g, float lo, float hi) => Overwrite(t, Ops.Uniform(t.Shape, g, t.Device, lo, hi));

    /// <summary>N(mean, std²).</summary>
    public static Tensor Normal(Tensor t, Generator g, float mean = 0f, float std = 1f) => Overwrite(t, Ops.Normal(t.Shape, g, t.Device, mean, std));

    public static Tensor Constant(Tensor t, float value)
    {
        using (Autograd.NoGrad()) Ops.Fill(t, value);
        return t;
    }

    /// <summary>Glorot &amp; Bengio: U(±gain·√(6/(fan_in + fan_out))).</summary>
    public static Tensor XavierUniform(Tensor t, Generator g, float gain = 1f)
    {
        var (fanIn, fanOut) = Fans(t.Shape);
        float bound = gain * MathF.Sqrt(6f / (fanIn + fanOut));
        return Uniform(t, g, -bound, bound);
    }

    /// <summary>Glorot &amp; Bengio: N(0, gain²·2/(fan_in + fan_out)).</summary>
    public static Tensor XavierNormal(Tensor t, Generator g, float gain = 1f)
    {
        var (fanIn, fanOut) = Fans(t.Shape);
        return Normal(t, g, 0f, gain * MathF.Sqrt(2f / (fanIn + fanOut)));
    }

    /// <summary>He et al.: U(±gain·√(3/fan)) with gain = √(2/(1 + a²)) for a leaky ReLU of slope a (a = 0: ReLU).</summary>
    public static Tensor KaimingUniform(Tensor t, Generator g, float a = 0f, FanMode mode = FanMode.FanIn)
    {
        float bound = Gain(a) * MathF.Sqrt(3f / Fan(t.Shape, mode));
        return Uniform(t, g, -bound, bound);
    }

    /// <summary>He et al.: N(0, gain²/fan).</summary>
    public static Tensor KaimingNormal(Tensor t, Generator g, float a = 0f, FanMode mode = FanMode.FanIn) =>
        Normal(t, g, 0f, Gain(a) / MathF.Sqrt(Fan(t.Shape, mode)));

    /// <summary>
    /// PyTorch's default for a Linear layer: weight Kaiming-uniform with a = √5, which is
    /// U(±1/√fan_in), and bias U(±1/√fan_in).
    /// </summary>
    public static void LinearDefault(Tensor weight, Tensor? bias, Generator g)
    {
        KaimingUniform(weight, g, MathF.Sqrt(5f));
        if (bias is null) return;
        float bound = 1f / MathF.Sqrt(Fans(weight.Shape).FanIn);
        Uniform(bias, g, -bound, bound);
    }

    private static float Gain(float a) => MathF.Sqrt(2f / (1f + a * a));

    private static int Fan(Shape shape, FanMode mode)
    {
        var (fanIn, fanOut) = Fans(shape);
        return mode == FanMode.FanIn ? fanIn : fanOut;
    }

    private static Tensor Overwrite(Tensor t, Tensor values)
    {
        using (values)
        using (Autograd.NoGrad()) Ops.Copy(values, t);
        return t;
    }
}
