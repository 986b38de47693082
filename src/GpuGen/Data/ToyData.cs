using GpuGen.Kernels.Random;

namespace GpuGen.Data;

/// <summary>The 2-D toy distributions of the WGAN-GP paper's toy code (gan_toy.py).</summary>
public enum ToySet
{
    /// <summary>Centres 2·(cos kπ/4, sin kπ/4), k = 0…7, Gaussian noise σ 0.02, all divided by 1.414.</summary>
    EightGaussians,
    /// <summary>Centres (2i, 2j), i, j ∈ −2…2, noise σ 0.05, all divided by 2.828.</summary>
    TwentyFiveGaussians,
    /// <summary>scikit-learn's make_swiss_roll with noise 0.25, coordinates (x, z), divided by 7.5.</summary>
    SwissRoll,
    /// <summary>The DDPM toy's roll: make_swiss_roll with noise 0.5, coordinates (x, z), divided by 10.</summary>
    DiffusionSwissRoll,
}

/// <summary>
/// Points of a <see cref="ToySet"/>, drawn fresh from a <see cref="Generator"/>: point i of a draw
/// uses one Philox block (seed, offset, i) — a uniform for its mode (or the roll's angle) and a
/// Box–Muller pair for its noise — so a draw depends only on the stream's state and is the same on
/// every device (it is computed on the host and copied). The mixtures pick a mode uniformly per
/// point, as gan_toy.py does for 8 Gaussians (its 25-Gaussian set is a shuffled grid of equal
/// counts, the same distribution).
/// </summary>
public static class ToyData
{
    /// <summary>The names commands use: 8gaussians, 25gaussians, swissroll.</summary>
    public static readonly IReadOnlyDictionary<string, ToySet> Names = new Dictionary<string, ToySet>
    {
        ["8gaussians"] = ToySet.EightGaussians, ["25gaussians"] = ToySet.TwentyFiveGaussians, ["swissroll"] = ToySet.SwissRoll,
        ["swissroll-ddpm"] = ToySet.DiffusionSwissRoll,
    };

    public static string NameOf(ToySet set) => Names.First(n => n.Value == set).Key;

    /// <summary>The mixture's centres after scaling (none for the swiss roll).</summary>
    public static IReadOnlyList<(float X, float Y)> Modes(ToySet set) => set switch
    {
        ToySet.EightGaussians => Enumerable.Range(0, 8)
            .Select(k => ((float)(2 * Math.Cos(k * Math.PI / 4) / 1.414), (float)(2 * Math.Sin(k * Math.PI / 4) / 1.414))).ToList(),
        ToySet.TwentyFiveGaussians => (from i in Enumerable.Range(-2, 5) from j in Enumerable.Range(-2, 5)
                                       select ((float)(2 * i / 2.828), (float)(2 * j / 2.828))).ToList(),
        _ => [],
    };

    /// <summary>Each mode's standard deviation after scaling (0 for the swiss roll).</summary>
    public static float ModeStd(ToySet set) => set switch
    {
        ToySet.EightGaussians => 0.02f / 1.414f,
        ToySet.TwentyFiveGaussians => 0.05f / 2.828f,
        _ => 0f,
    };

    /// <summary>Fills <paramref name="points"/> (x₀, y₀, x₁, y₁, …) with fresh points, advancing the stream once.</summary>
    public static void Fill(ToySet set, Span<float> points, Generator generator)
    {
        if (points.Length % 2 != 0) throw new ArgumentException($"toy data: {points.Length} floats are not whole 2-D points");
        var (seed, offset) = generator.Next();
        for (int i = 0; i < points.Length / 2; i++)
        {
            var bits = Philox.ForElement(i, seed, offset);
            float u = Philox.ToUniform(bits.X);
            float radius = MathF.Sqrt(-2f * MathF.Log(Philox.ToUniformNonZero(bits.Y)));
            float angle = 6.2831853071795865f * Philox.ToUniform(bits.Z);
            float n0 = radius * MathF.Cos(angle), n1 = radius * MathF.Sin(angle);
            (points[2 * i], points[2 * i + 1]) = set switch
            {
                ToySet.EightGaussians => EightGaussians(u, n0, n1),
                ToySet.TwentyFiveGaussians => TwentyFiveGaussians(u, n0, n1),
                ToySet.SwissRoll => SwissRoll(u, n0, n1, 0.25, 7.5),
                _ => SwissRoll(u, n0, n1, 0.5, 10),
            };
        }
    }

    /// <summary>n fresh points as a host array [n·2] (for metrics against fresh data).</summary>
    public static float[] Sample(ToySet set, int n, Generator generator)
    {
        var points = new float[2 * n];
        Fill(set, points, generator);
        return points;
    }

    private static (float, float) EightGaussians(float u, float n0, float n1)
    {
        int k = Math.Min((int)(u * 8), 7);
        double a = k * Math.PI / 4;
        return ((float)((2 * Math.Cos(a) + 0.02 * n0) / 1.414), (float)((2 * Math.Sin(a) + 0.02 * n1) / 1.414));
    }

    private static (float, float) TwentyFiveGaussians(float u, float n0, float n1)
    {
        int k = Math.Min((int)(u * 25), 24), i = k / 5 - 2, j = k % 5 - 2;
        return ((float)((2 * i + 0.05 * n0) / 2.828), (float)((2 * j + 0.05 * n1) / 2.828));
    }

    /// <summary>make_swiss_roll: t = 1.5π(1 + 2u), (x, z) = (t cos t, t sin t) + σ·noise, then / scale
    /// (WGAN-GP's toy: σ 0.25, / 7.5; DDPM's: σ 0.5, / 10).</summary>
    private static (float, float) SwissRoll(float u, float n0, float n1, double noise, double scale)
    {
        double t = 1.5 * Math.PI * (1 + 2 * u);
        return ((float)((t * Math.Cos(t) + noise * n0) / scale), (float)((t * Math.Sin(t) + noise * n1) / scale));
    }
}

/// <summary>
/// Batches of toy points on a device for training: one [rows, 2] tensor, owned by the sampler
/// and refilled from a host staging buffer at every <see cref="Next"/> (valid until the next
/// call), so a training loop allocates nothing per step.
/// </summary>
public sealed class ToySampler : IDisposable
{
    private readonly float[] _staging;
    private readonly Tensor _batch;

    public ToySampler(ToySet set, int rows, Device device, Generator generator)
    {
        if (rows <= 0) throw new ArgumentException($"toy data: need at least one point per batch, got {rows}");
        Set = set;
        Generator = generator;
        _staging = new float[2 * rows];
        _batch = Tensor.Zeros(Shape.Of(rows, 2), device);
        TensorScope.Release(_batch); // the sampler's own, not any scope's
    }

    public ToySet Set { get; }
    public Generator Generator { get; }

    /// <summary>Fresh points in the sampler's tensor.</summary>
    public Tensor Next()
    {
        ToyData.Fill(Set, _staging, Generator);
        _batch.Device.CopyFromHost(_staging, _batch.Storage, _batch.Offset);
        return _batch;
    }

    public void Dispose() => _batch.Dispose();
}
