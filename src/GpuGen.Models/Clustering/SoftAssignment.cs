namespace GpuGen.Models.Clustering;

/// <summary>
/// DEC's soft assignment and its sharpened target (Xie et al. 2016, eqs. 1–3), composed of
/// existing ops so the tape differentiates the KL loss with respect to both the codes and the
/// centres without a new op.
/// </summary>
public static class SoftAssignment
{
    /// <summary>
    /// q_ij = (1 + ‖z_i − μ_j‖²/α)^(−(α+1)/2) / Σ_j' (1 + ‖z_i − μ_j'‖²/α)^(−(α+1)/2): the Student's t
    /// kernel between code i [b, d] and centre j [k, d], normalised over the clusters. The squared
    /// distances come from the broadcast difference [b, k, d] (exact and never negative, unlike
    /// ‖z‖² + ‖μ‖² − 2z·μ; at d = 10, k = 10 it is small).
    /// </summary>
    public static Tensor StudentT(Tensor codes, Tensor centres, float alpha = 1f)
    {
        if (codes.Rank != 2 || centres.Rank != 2 || codes.Shape[1] != centres.Shape[1])
            throw new ShapeMismatchException($"soft assignment: codes {codes.Shape} and centres {centres.Shape}; expected [b, d] and [k, d]");
        if (!(alpha > 0)) throw new ArgumentException($"soft assignment: α must be positive, got {alpha}");
        int b = codes.Shape[0], k = centres.Shape[0], d = codes.Shape[1];
        var difference = Ops.Sub(codes.Reshape(b, 1, d), centres.Reshape(1, k, d));          // [b, k, d]
        var squared = Ops.Sum(Ops.Square(difference), 2);                                      // [b, k]
        var kernel = alpha == 1f
            ? Ops.Div(1f, Ops.Add(squared, 1f))                                                // (1 + δ²)^−1
            : Ops.Pow(Ops.Add(Ops.Div(squared, alpha), 1f), -(alpha + 1f) / 2f);
        return Ops.Div(kernel, Ops.Sum(kernel, 1, keepDim: true));
    }

    /// <summary>
    /// The target p_ij = (q_ij² / f_j) / Σ_j' (q_ij'² / f_j'), f_j = Σ_i q_ij (eq. 3): squaring
    /// sharpens the assignments toward the confident ones, and dividing by the soft cluster
    /// frequency f_j keeps large clusters from taking over. Computed on the host in double over
    /// the whole training set, <paramref name="q"/> being [n, k] row-major.
    /// </summary>
    public static float[] Target(ReadOnlySpan<float> q, int n, int k)
    {
        if (q.Length != n * k) throw new ArgumentException($"target distribution: {q.Length} values are not [{n}, {k}]");
        var frequency = new double[k];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++) frequency[j] += q[i * k + j];
        var p = new float[n * k];
        var row = new double[k];
        for (int i = 0; i < n; i++)
        {
            double total = 0;
            for (int j = 0; j < k; j++) total += row[j] = (double)q[i * k + j] * q[i * k + j] / frequency[j];
            for (int j = 0; j < k; j++) p[i * k + j] = (float)(row[j] / total);
        }
        return p;
    }

    /// <summary>KL(P ‖ Q) = Σ_j p_ij ln(p_ij / q_ij), averaged over the batch (the loss of eq. 2; the
    /// mean rather than the sum, as DEC's and IDEC's Keras code, so the learning rates carry over).
    /// P is a constant target: only ln q is differentiated.</summary>
    public static Tensor KlDivergence(Tensor target, Tensor q)
    {
        if (target.Shape != q.Shape) throw new ShapeMismatchException($"dec kl: target {target.Shape} and q {q.Shape} differ");
        Tensor entropyTerm;
        using (Autograd.NoGrad())
        {
            // Σ p ln p: constant, kept so the loss reads as the divergence (≥ 0); 0 ln 0 = 0
            var safe = Ops.Maximum(target, 1e-30f);
            entropyTerm = Ops.Sum(Ops.Mul(target, Ops.Log(safe)), 1);
        }
        var cross = Ops.Sum(Ops.Mul(target, Ops.Log(q)), 1);
        return Ops.Mean(Ops.Sub(entropyTerm, cross));
    }

    /// <summary>Each row's most probable cluster (the hard assignment c_i = argmax_j q_ij), first of equals.</summary>
    public static int[] Hard(ReadOnlySpan<float> q, int n, int k)
    {
        var assignments = new int[n];
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int j = 1; j < k; j++) if (q[i * k + j] > q[i * k + best]) best = j;
            assignments[i] = best;
        }
        return assignments;
    }
}
