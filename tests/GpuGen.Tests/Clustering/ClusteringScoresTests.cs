using GpuGen.Models.Clustering;

namespace GpuGen.Tests.Clustering;

public class HungarianTests
{
    [Test]
    public void FindsTheCheapestPermutationAsBruteForceDoes([Range(1, 7)] int n)
    {
        var rng = new Random(100 + n);
        for (int trial = 0; trial < 20; trial++)
        {
            var cost = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) cost[i, j] = trial % 2 == 0 ? rng.Next(0, 5) : rng.NextDouble() * 10 - 3; // ties and negatives too
            var assignment = Hungarian.MinimumCostAssignment(cost);
            Assert.That(assignment.OrderBy(c => c), Is.EqualTo(Enumerable.Range(0, n)), "a permutation");
            double best = Permutations(n).Min(p => Total(cost, p));
            Assert.That(Total(cost, assignment), Is.EqualTo(best).Within(1e-9), $"trial {trial}");
        }
    }

    [Test]
    public void RejectsANonSquareMatrix() =>
        Assert.Throws<ArgumentException>(() => Hungarian.MinimumCostAssignment(new double[2, 3]));

    internal static double Total(double[,] cost, int[] columns) => columns.Select((c, r) => cost[r, c]).Sum();

    internal static IEnumerable<int[]> Permutations(int n)
    {
        if (n == 0) { yield return []; yield break; }
        foreach (var rest in Permutations(n - 1))
            for (int position = 0; position <= rest.Length; position++)
                yield return [.. rest[..position], n - 1, .. rest[position..]];
    }
}

public class ClusteringAccuracyTests
{
    [Test]
    public void EqualsTheBestMapOverAllPermutations([Values(2, 3, 5, 6)] int k)
    {
        var rng = new Random(k);
        for (int trial = 0; trial < 10; trial++)
        {
            int n = 50 + rng.Next(100);
            var labels = Enumerable.Range(0, n).Select(_ => (byte)rng.Next(k)).ToArray();
            // clusters that mostly follow a scrambled labelling, with noise
            var scramble = HungarianTests.Permutations(k).ElementAt(rng.Next(Enumerable.Range(1, k).Aggregate(1, (a, b) => a * b)));
            var clusters = labels.Select(l => rng.NextDouble() < 0.6 ? scramble[l] : rng.Next(k)).ToArray();
            int best = HungarianTests.Permutations(k).Max(map => Enumerable.Range(0, n).Count(i => map[clusters[i]] == labels[i]));
            Assert.That(ClusteringScores.Accuracy(clusters, labels), Is.EqualTo(best / (double)n).Within(1e-12), $"trial {trial}");
        }
    }

    [Test]
    public void IsOneForAnyRelabellingOfTheLabels()
    {
        byte[] labels = [0, 0, 1, 1, 2, 2, 2, 3];
        int[] clusters = [3, 3, 0, 0, 1, 1, 1, 2];
        Assert.That(ClusteringScores.Accuracy(clusters, labels), Is.EqualTo(1.0));
    }

    [Test]
    public void MoreClustersThanLabelsLeaveTheExtraClustersUnmatched()
    {
        // clusters 0 and 1 both hold label 0: only one of them may map to it
        byte[] labels = [0, 0, 0, 0, 1, 1];
        int[] clusters = [0, 0, 1, 1, 2, 2];
        Assert.That(ClusteringScores.Accuracy(clusters, labels), Is.EqualTo(4 / 6.0).Within(1e-12));
    }
}

public class NormalizedMutualInformationTests
{
    [Test]
    public void MatchesHandComputedValues()
    {
        // labels {0,0,0,1,1,1}, clusters {0,0,1,1,2,2}: I = (2/3) ln 2, H(C) = ln 3, H(L) = ln 2,
        // NMI = I / ((H(C) + H(L)) / 2) = (4/3) ln 2 / ln 6 ≈ 0.5158 (scikit-learn gives 0.51580374…)
        Assert.That(ClusteringScores.NormalizedMutualInformation([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1]),
            Is.EqualTo(4.0 / 3 * Math.Log(2) / Math.Log(6)).Within(1e-12));
        // a 2 × 2 table [[3, 1], [1, 3]]: I = 2·(3/8) ln(3/2) + 2·(1/8) ln(1/2), H(C) = H(L) = ln 2
        double mutual = 0.75 * Math.Log(1.5) + 0.25 * Math.Log(0.5);
        Assert.That(ClusteringScores.NormalizedMutualInformation([0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 0, 1, 1, 1]),
            Is.EqualTo(mutual / Math.Log(2)).Within(1e-12));
    }

    [Test]
    public void IsOneForTheSamePartitionUnderAnyNamesAndZeroForIndependentOnes()
    {
        Assert.That(ClusteringScores.NormalizedMutualInformation([1, 1, 0, 0, 2], [0, 0, 1, 1, 2]), Is.EqualTo(1.0).Within(1e-12));
        Assert.That(ClusteringScores.NormalizedMutualInformation([0, 0, 0, 0], [0, 1, 2, 3]), Is.EqualTo(0.0));
        Assert.That(ClusteringScores.NormalizedMutualInformation([0, 1, 0, 1], [0, 0, 1, 1]), Is.EqualTo(0.0).Within(1e-12)); // independent
    }
}
