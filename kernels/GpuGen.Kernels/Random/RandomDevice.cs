using ILGPU;

namespace GpuGen.Kernels.Random;

public struct SampleArgs<TDist> where TDist : struct, IDistribution
{
    public ArrayView<float> Y;
    public TDist Distribution;
    public ulong Seed, Offset;
}

public struct BernoulliArgs
{
    public ArrayView<float> Probability, Y;
    public ulong Seed, Offset;
}

/// <summary>Rows of [Rows, Classes] non-negative weights (not necessarily normalised).</summary>
public struct CategoricalArgs
{
    public ArrayView<float> Weights, Y;
    public int Classes;
    public ulong Seed, Offset;
}

/// <summary>
/// Random kernels: thread i draws the Philox block of element i (row i for categorical), so
/// the numbers are the same for any launch shape and on any device.
/// </summary>
public static class RandomDevice
{
    public static void Sample<TDist>(Index1D i, SampleArgs<TDist> a) where TDist : struct, IDistribution =>
        a.Y[i] = a.Distribution.Sample(Philox.ForElement(i, a.Seed, a.Offset));

    /// <summary>y = 1 with probability p[i], else 0: u &lt; p with u uniform on [0, 1).</summary>
    public static void Bernoulli(Index1D i, BernoulliArgs a) =>
        a.Y[i] = Philox.ToUniform(Philox.ForElement(i, a.Seed, a.Offset).X) < a.Probability[i] ? 1f : 0f;

    /// <summary>One row's class, by <see cref="CategoricalChoice.Pick{TRow}"/>.</summary>
    public static void Categorical(Index1D row, CategoricalArgs a)
    {
        var weights = new ViewRow(a.Weights, (long)(int)row * a.Classes, 1);
        float u = Philox.ToUniform(Philox.ForElement(row, a.Seed, a.Offset).X);
        a.Y[row] = CategoricalChoice.Pick(weights, a.Classes, u);
    }
}

