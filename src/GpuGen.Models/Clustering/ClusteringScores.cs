namespace GpuGen.Models.Clustering;

/// <summary>
/// How well cluster assignments match the labels, without any label used to make them:
/// the unsupervised clustering accuracy (Xie et al. 2016, eq. 10) and the normalised mutual
/// information.
/// </summary>
public static class ClusteringScores
{
    /// <summary>
    /// ACC = max over one-to-one maps m of clusters to labels of (1/n) Σ_i [l_i = m(c_i)]: the
    /// contingency table N[c, l] (examples of cluster c with label l) padded to a square, and the
    /// map that maximises Σ N[c, m(c)] found by the Hungarian algorithm on the costs max(N) − N.
    /// Clusters beyond the number of labels (or labels beyond the clusters) map to nothing.
    /// </summary>
    public static double Accuracy(IReadOnlyList<int> clusters, IReadOnlyList<byte> labels)
    {
        var table = Contingency(clusters, labels, out int size);
        long largest = 0;
        foreach (long count in table) largest = Math.Max(largest, count);
        var cost = new double[size, size];
        for (int c = 0; c < size; c++)
            for (int l = 0; l < size; l++) cost[c, l] = largest - table[c, l];
        var map = Hungarian.MinimumCostAssignment(cost);
        long matched = 0;
        for (int c = 0; c < size; c++) matched += table[c, map[c]];
        return matched / (double)clusters.Count;
    }

    /// <summary>
    /// NMI(C, L) = I(C; L) / ((H(C) + H(L)) / 2), the arithmetic-mean normalisation (scikit-learn's
    /// default for normalized_mutual_info_score), with I = Σ p(c, l) ln(p(c, l) / (p(c) p(l))) and
    /// H = −Σ p ln p from the empirical frequencies. Two single-cluster partitions score 1 (as
    /// scikit-learn), and one single-cluster partition against anything else scores 0.
    /// </summary>
    public static double NormalizedMutualInformation(IReadOnlyList<int> clusters, IReadOnlyList<byte> labels)
    {
        var table = Contingency(clusters, labels, out int size);
        double n = clusters.Count;
        var rows = new double[size];
        var cols = new double[size];
        for (int c = 0; c < size; c++)
            for (int l = 0; l < size; l++) { rows[c] += table[c, l]; cols[l] += table[c, l]; }
        double mutual = 0;
        for (int c = 0; c < size; c++)
            for (int l = 0; l < size; l++)
                if (table[c, l] > 0)
                    mutual += table[c, l] / n * Math.Log(table[c, l] * n / (rows[c] * cols[l]));
        double hc = Entropy(rows, n), hl = Entropy(cols, n);
        if (hc == 0 && hl == 0) return 1;
        double mean = (hc + hl) / 2;
        return mean == 0 ? 0 : Math.Max(0, mutual) / mean;
    }

    /// <summary>N[c, l]: examples of cluster c with label l, in a square table large enough for both.</summary>
    private static long[,] Contingency(IReadOnlyList<int> clusters, IReadOnlyList<byte> labels, out int size)
    {
        if (clusters.Count != labels.Count) throw new ArgumentException($"clustering scores: {clusters.Count} assignments for {labels.Count} labels");
        if (clusters.Count == 0) throw new ArgumentException("clustering scores: no examples");
        int maxCluster = -1, maxLabel = 0;
        for (int i = 0; i < clusters.Count; i++)
        {
            if (clusters[i] < 0) throw new ArgumentException($"clustering scores: cluster {clusters[i]} at index {i} is negative");
            maxCluster = Math.Max(maxCluster, clusters[i]);
            maxLabel = Math.Max(maxLabel, labels[i]);
        }
        size = Math.Max(maxCluster, maxLabel) + 1;
        var table = new long[size, size];
        for (int i = 0; i < clusters.Count; i++) table[clusters[i], labels[i]]++;
        return table;
    }

    private static double Entropy(double[] counts, double n)
    {
        double h = 0;
        foreach (double count in counts)
            if (count > 0) h -= count / n * Math.Log(count / n);
        return h;
    }
}
