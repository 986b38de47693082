using GpuGen.Kernels.Random;

namespace GpuGen;

// Random tensors from a Generator (Philox4x32-10, counter-based): the same generator state
// gives the same numbers on every device and for any launch shape. Each call advances the
// generator's offset by one.
public static partial class Ops
{
    /// <summary>Uniform on [low, high).</summary>
    public static Tensor Uniform(Shape shape, Generator generator, Device? device = null, float low = 0f, float high = 1f)
    {
        if (!(low < high) || !float.IsFinite(low) || !float.IsFinite(high))
            throw new ArgumentException($"uniform: need finite low < high, got [{low}, {high})");
        return Draw(shape, generator, device, new UniformDistribution(low, high));
    }

    /// <summary>Normal with the given mean and standard deviation (Box–Muller).</summary>
    public static Tensor Normal(Shape shape, Generator generator, Device? device = null, float mean = 0f, float std = 1f)
    {
        if (!(std >= 0) || !float.IsFinite(std) || !float.IsFinite(mean))
            throw new ArgumentException($"normal: need a finite mean and std ≥ 0, got mean {mean}, std {std}");
        return Draw(shape, generator, device, new NormalDistribution(mean, std));
    }

    /// <summary>Gumbel(loc, scale): loc − scale·log(−log u).</summary>
    public static Tensor Gumbel(Shape shape, Generator generator, Device? device = null, float loc = 0f, float scale = 1f)
    {
        if (!(scale > 0) || !float.IsFinite(scale) || !float.IsFinite(loc))
            throw new ArgumentException($"gumbel: need a finite loc and scale > 0, got loc {loc}, scale {scale}");
        return Draw(shape, generator, device, new GumbelDistribution(loc, scale));
    }

    /// <summary>1 with probability p, else 0, elementwise (p outside [0, 1] acts as clamped).</summary>
    public static Tensor Bernoulli(Tensor probability, Generator generator)
    {
        Check.Alive("bernoulli", "probability", probability);
        var (seed, offset) = generator.Next();
        var y = Tensor.Empty(probability.Shape, probability.Device);
        probability.Device.Backend.Random.Bernoulli(probability, y, seed, offset);
        return y;
    }

    /// <summary>
    /// One class index per row of non-negative <paramref name="weights"/> [rows, classes]
    /// (normalised or not), drawn with probability weight / row total; a float tensor [rows].
    /// </summary>
    public static Tensor Categorical(Tensor weights, Generator generator)
    {
        const string op = "categorical";
        Check.Alive(op, "weights", weights);
        if (weights.Rank != 2 || weights.Shape[1] == 0)
            throw new ShapeMismatchException($"{op}: weights have shape {weights.Shape}; expected [rows, classes] with at least one class");
        var (seed, offset) = generator.Next();
        var y = Tensor.Empty(Shape.Of(weights.Shape[0]), weights.Device);
        weights.Device.Backend.Random.Categorical(weights, y, weights.Shape[1], seed, offset);
        return y;
    }

    private static Tensor Draw<TDist>(Shape shape, Generator generator, Device? device, TDist distribution) where TDist : struct, IDistribution
    {
        var (seed, offset) = generator.Next();
        var y = Tensor.Empty(shape, device);
        y.Device.Backend.Random.Sample(distribution, y, seed, offset);
        return y;
    }
}
