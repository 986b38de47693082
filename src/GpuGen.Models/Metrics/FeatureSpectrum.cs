using MathNet.Numerics.LinearAlgebra;

namespace GpuGen.Models.Metrics;

/// <summary>
/// The singular values of a representation: σ_k of the centred features F − F̄ [n, d], as the square roots
/// of the eigenvalues of (F − F̄)ᵀ(F − F̄) (a d × d GEMM on the device, the eigensolver in double on the
/// host). A collapsed representation has a few large values and the rest near zero (Jing et al. 2022,
/// "dimensional collapse"); its effective rank (Roy &amp; Vetterli 2007; RankMe, Garrido et al. 2023)
/// exp(−Σ p_k log p_k), p_k = σ_k/Σσ, counts the dimensions in use.
/// </summary>
public static class FeatureSpectrum
{
    /// <summary>σ₁ ≥ σ₂ ≥ … ≥ σ_d ≥ 0 of the centred features, divided by √n (so the scale does not grow with n).</summary>
    public static double[] SingularValues(Tensor features)
    {
        if (features.Rank != 2 || features.Shape[0] < 2) throw new ShapeMismatchException($"spectrum: features have shape {features.Shape}; expected [n ≥ 2, d]");
        int n = features.Shape[0], d = features.Shape[1];
        float[] gram;
        using (new TensorScope())
        using (Autograd.NoGrad())
        {
            var centred = Ops.Sub(features, Ops.Mean(features, 0, keepDim: true));
            gram = Ops.MatMul(centred, centred, transA: true).ToArray();
        }
        var matrix = Matrix<double>.Build.Dense(d, d, (i, j) => (gram[i * d + j] + gram[j * d + i]) / (2.0 * n)); // symmetrised against rounding
        return matrix.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric).EigenValues
            .Select(e => Math.Sqrt(Math.Max(e.Real, 0))).OrderByDescending(v => v).ToArray();
    }

    /// <summary>exp of the entropy of the normalised singular values: between 1 (one direction) and d (all equal).</summary>
    public static double EffectiveRank(IReadOnlyList<double> singularValues)
    {
        double total = singularValues.Sum();
        if (!(total > 0)) return 0;
        double entropy = 0;
        foreach (var s in singularValues)
            if (s > 0) entropy -= s / total * Math.Log(s / total);
        return Math.Exp(entropy);
    }
}
