using GpuGen.Models.Clustering;

namespace GpuGen.Tests.Clustering;

public class KMeansTests
{
    /// <summary>k blobs of <paramref name="perBlob"/> points in d dimensions, centres 10 apart on the axes, spread 0.5.</summary>
    private static (float[] Points, byte[] Labels) Blobs(int k, int perBlob, int d, int seed)
    {
        var rng = new Random(seed);
        var points = new float[k * perBlob * d];
        var labels = new byte[k * perBlob];
        for (int i = 0; i < k * perBlob; i++)
        {
            int blob = rng.Next(k); // shuffled: blobs do not arrive in order
            labels[i] = (byte)blob;
            for (int j = 0; j < d; j++)
            {
                double gaussian = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                points[i * d + j] = (float)((j == blob % d ? 10 * (1 + blob / d) : 0) + 0.5 * gaussian);
            }
        }
        return (points, labels);
    }

    [Test]
    public void RecoversWellSeparatedBlobs([Values(3, 10)] int k)
    {
        var (points, labels) = Blobs(k, 200, 10, seed: k);
        int n = labels.Length;
        var result = KMeans.Fit(points, n, 10, k, new Generator(1), restarts: 5);
        Assert.That(ClusteringScores.Accuracy(result.Assignments, labels), Is.EqualTo(1.0));
        Assert.That(ClusteringScores.NormalizedMutualInformation(result.Assignments, labels), Is.EqualTo(1.0).Within(1e-12));
        // each centre is its blob's mean, and the inertia the sum of squared distances to it (≈ n·d·0.25)
        Assert.That(result.Inertia / (n * 10), Is.EqualTo(0.25).Within(0.03));
        Assert.That(KMeans.Assign(points, n, 10, result.Centres), Is.EqualTo(result.Assignments));
    }

    [Test]
    public void IsDeterministicForASeedAndDependsOnIt()
    {
        var rng = new Random(5);
        var points = Enumerable.Range(0, 3000).Select(_ => (float)rng.NextDouble()).ToArray(); // no structure: the seeds matter
        var first = KMeans.Fit(points, 1000, 3, 8, new Generator(42), restarts: 3);
        var second = KMeans.Fit(points, 1000, 3, 8, new Generator(42), restarts: 3);
        Assert.That(second.Centres, Is.EqualTo(first.Centres));
        Assert.That(second.Assignments, Is.EqualTo(first.Assignments));
        Assert.That(second.Inertia, Is.EqualTo(first.Inertia));
        var other = KMeans.Fit(points, 1000, 3, 8, new Generator(43), restarts: 1);
        Assert.That(other.Centres, Is.Not.EqualTo(first.Centres));
    }

    [Test]
    public void RestartsKeepTheLeastInertia()
    {
        var (points, _) = Blobs(6, 50, 4, seed: 9);
        // the first restart of a run draws what a one-restart run of the same stream draws: the best of eight is no worse
        var one = KMeans.Fit(points, 300, 4, 6, new Generator(0), restarts: 1).Inertia;
        var eight = KMeans.Fit(points, 300, 4, 6, new Generator(0), restarts: 8).Inertia;
        Assert.That(eight, Is.LessThanOrEqualTo(one));
        Assert.That(eight, Is.GreaterThan(0));
    }

    [Test]
    public void MoreClustersThanPointsIsOneUsageError()
    {
        var error = Assert.Throws<GpuGenException>(() => KMeans.Fit(new float[10], 5, 2, 6, new Generator(0)));
        Assert.That(error!.IsUsageError, Is.True);
        Assert.That(error.Message, Does.Contain("6 clusters need at least 6 examples, got 5"));
        Assert.That(Assert.Throws<GpuGenException>(() => KMeans.Fit(new float[10], 5, 2, 0, new Generator(0)))!.IsUsageError, Is.True);
    }

    [Test]
    public void AsManyClustersAsPointsPutsEachPointAlone()
    {
        float[] points = [0, 0, 5, 5, -3, 2, 7, -1];
        var result = KMeans.Fit(points, 4, 2, 4, new Generator(3), restarts: 2);
        Assert.That(result.Assignments.Distinct().Count(), Is.EqualTo(4));
        Assert.That(result.Inertia, Is.EqualTo(0));
    }
}
