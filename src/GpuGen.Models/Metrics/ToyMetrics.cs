using GpuGen.Data;

namespace GpuGen.Models.Metrics;

/// <summary>
/// How well 2-D samples match a toy distribution, in double precision on the host. Points are
/// flat arrays (x₀, y₀, x₁, y₁, …).
/// </summary>
public static class ToyMetrics
{
    /// <summary>
    /// Mode coverage of a mixture: the fraction of samples within 3σ (Euclidean) of their nearest
    /// centre (a 2-D Gaussian puts 1 − e^(−4.5) ≈ 98.9% of its mass there), and how many centres
    /// receive at least 1% of those samples. A collapsed generator shows as few modes; a blurry
    /// one as a low fraction.
    /// </summary>
    public static (double WithinThreeSigma, int ModesCovered) ModeCoverage(ReadOnlySpan<float> samples, ToySet set)
    {
        var modes = ToyData.Modes(set);
        if (modes.Count == 0) throw new ArgumentException($"mode coverage: {ToyData.NameOf(set)} has no modes");
        double radius = 3 * ToyData.ModeStd(set);
        var counts = new int[modes.Count];
        int n = samples.Length / 2, within = 0;
        for (int i = 0; i < n; i++)
        {
            double x = samples[2 * i], y = samples[2 * i + 1], best = double.PositiveInfinity;
            int nearest = 0;
            for (int m = 0; m < modes.Count; m++)
            {
                double d = (x - modes[m].X) * (x - modes[m].X) + (y - modes[m].Y) * (y - modes[m].Y);
                if (d < best) (best, nearest) = (d, m);
            }
            if (Math.Sqrt(best) <= radius)
            {
                within++;
                counts[nearest]++;
            }
        }
        int covered = within == 0 ? 0 : counts.Count(c => c >= 0.01 * within);
        return (n == 0 ? 0 : (double)within / n, covered);
    }

    /// <summary>
    /// The energy distance between two samples, 2·E‖a − b‖ − E‖a − a′‖ − E‖b − b′‖ (Székely &amp;
    /// Rizzo), with the within-sample means over distinct pairs (unbiased). Zero in expectation
    /// when both come from one distribution; compare a model's value with the data-versus-data
    /// floor of the same sizes.
    /// </summary>
    public static double EnergyDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        2 * MeanDistance(a, b, distinct: false) - MeanDistance(a, a, distinct: true) - MeanDistance(b, b, distinct: true);

    private static double MeanDistance(ReadOnlySpan<float> p, ReadOnlySpan<float> q, bool distinct)
    {
        int n = p.Length / 2, m = q.Length / 2;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double x = p[2 * i], y = p[2 * i + 1], row = 0;
            for (int j = 0; j < m; j++)
            {
                double dx = x - q[2 * j], dy = y - q[2 * j + 1];
                row += Math.Sqrt(dx * dx + dy * dy);
            }
            sum += row;
        }
        long pairs = distinct ? (long)n * (n - 1) : (long)n * m;
        return pairs == 0 ? 0 : sum / pairs;
    }

    /// <summary>
    /// The sliced Wasserstein-1 distance between two equal-sized 2-D samples: the mean over
    /// <paramref name="directions"/> evenly spaced unit directions θ (angles kπ/K, which cover every
    /// projection of the plane up to sign) of W₁ between the projections, which in one dimension is
    /// the mean |a_(i) − b_(i)| of the sorted values. In the data's units; compare with the
    /// data-versus-data floor of the same sizes.
    /// </summary>
    public static double SlicedWasserstein(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int directions = 64)
    {
        if (a.Length != b.Length || a.Length % 2 != 0 || a.Length == 0)
            throw new ArgumentException($"sliced Wasserstein: needs two equal, non-empty sets of 2-D points, got {a.Length / 2} and {b.Length / 2}");
        int n = a.Length / 2;
        var pa = new double[n];
        var pb = new double[n];
        double total = 0;
        for (int k = 0; k < directions; k++)
        {
            double angle = Math.PI * k / directions, cx = Math.Cos(angle), cy = Math.Sin(angle);
            for (int i = 0; i < n; i++)
            {
                pa[i] = cx * a[2 * i] + cy * a[2 * i + 1];
                pb[i] = cx * b[2 * i] + cy * b[2 * i + 1];
            }
            Array.Sort(pa);
            Array.Sort(pb);
            double sum = 0;
            for (int i = 0; i < n; i++) sum += Math.Abs(pa[i] - pb[i]);
            total += sum / n;
        }
        return total / directions;
    }
}
