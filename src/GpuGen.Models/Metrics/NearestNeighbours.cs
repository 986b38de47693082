namespace GpuGen.Models.Metrics;

/// <summary>How well a representation separates the classes: k-nearest-neighbour classification of codes.</summary>
public static class NearestNeighbours
{
    /// <summary>
    /// The fraction of query codes whose k nearest reference codes (Euclidean) vote for the right
    /// label (ties broken by the nearest neighbour's label). Distances come from one GEMM:
    /// ‖q − r‖² = ‖q‖² + ‖r‖² − 2·q·r, computed in query blocks to bound memory.
    /// </summary>
    public static double Accuracy(Tensor referenceCodes, byte[] referenceLabels, Tensor queryCodes, byte[] queryLabels, int k = 5)
    {
        if (referenceCodes.Rank != 2 || queryCodes.Rank != 2 || referenceCodes.Shape[1] != queryCodes.Shape[1])
            throw new ShapeMismatchException($"knn: codes have shapes {referenceCodes.Shape} and {queryCodes.Shape}; expected [n, d] and [m, d]");
        if (referenceLabels.Length != referenceCodes.Shape[0] || queryLabels.Length != queryCodes.Shape[0])
            throw new ArgumentException("knn: one label per code");
        if (k < 1 || k > referenceLabels.Length) throw new ArgumentException($"knn: k must be in [1, {referenceLabels.Length}], got {k}");
        using var noGrad = Autograd.NoGrad();
        using var scope = new TensorScope();
        var referenceNorms = Ops.Sum(Ops.Square(referenceCodes), 1).Reshape(1, -1);                  // [1, n]
        int correct = 0, block = 500;
        for (int start = 0; start < queryLabels.Length; start += block)
        {
            using var blockScope = new TensorScope();
            int count = Math.Min(block, queryLabels.Length - start);
            var q = queryCodes.Slice(start, count);
            // ‖q‖² is the same for a whole row: it does not change the ranking, so it is left out
            var distances = Ops.Sub(referenceNorms, Ops.Mul(Ops.MatMul(q, referenceCodes, transB: true), 2f)).ToArray();
            int n = referenceLabels.Length;
            var order = new int[n];
            var keys = new float[n];
            for (int i = 0; i < count; i++)
            {
                Array.Copy(distances, i * n, keys, 0, n);
                for (int j = 0; j < n; j++) order[j] = j;
                Array.Sort(keys, order);
                var votes = new int[256];
                for (int j = 0; j < k; j++) votes[referenceLabels[order[j]]]++;
                int best = referenceLabels[order[0]];
                for (int label = 0; label < 256; label++)
                    if (votes[label] > votes[best]) best = label;
                if (best == queryLabels[start + i]) correct++;
            }
        }
        return correct / (double)queryLabels.Length;
    }
}
