using MathNet.Numerics.LinearAlgebra;

namespace GpuGen.Models.Metrics;

/// <summary>
/// Scores of generated images, in double precision on the host: the Fréchet distance between two
/// sets of feature vectors (as FID, with a classifier's features), the mean and entropy of a
/// classifier's predictions, and the Gaussian Parzen-window log-likelihood the GAN paper reports.
/// </summary>
public static class SampleQuality
{
    /// <summary>
    /// ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½) between Gaussians fitted to two sets of rows (n × d,
    /// row-major; covariances with n − 1). Tr (Σ₁Σ₂)^½ is taken as Tr (A Σ₂ A)^½ with A = Σ₁^½, the
    /// same eigenvalues as Σ₁Σ₂'s but of a symmetric matrix, so the square roots come from a
    /// symmetric eigendecomposition (negative round-off eigenvalues count as 0).
    /// </summary>
    public static double FrechetDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int dim)
    {
        var (mu1, sigma1) = Moments(a, dim);
        var (mu2, sigma2) = Moments(b, dim);
        var root1 = SymmetricFunction(sigma1, Math.Sqrt);
        var middle = root1 * sigma2 * root1;
        double cross = middle.Evd(Symmetricity.Symmetric).EigenValues.Sum(l => Math.Sqrt(Math.Max(l.Real, 0)));
        return (mu1 - mu2).DotProduct(mu1 - mu2) + sigma1.Trace() + sigma2.Trace() - 2 * cross;
    }

    /// <summary>The mean of each row's largest probability: how confident a classifier is about samples.</summary>
    public static double MeanMaxProbability(ReadOnlySpan<float> probabilities, int classes)
    {
        int n = probabilities.Length / classes;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float best = 0;
            for (int c = 0; c < classes; c++) best = Math.Max(best, probabilities[i * classes + c]);
            sum += best;
        }
        return n == 0 ? 0 : sum / n;
    }

    /// <summary>The entropy (nats) of the histogram of predicted labels: ln 10 ≈ 2.303 for ten equally
    /// frequent digits, 0 when every sample gets one label (mode collapse).</summary>
    public static double LabelEntropy(IEnumerable<int> labels, int classes)
    {
        var counts = new double[classes];
        int n = 0;
        foreach (var l in labels) { counts[l]++; n++; }
        double entropy = n == 0 ? 0 : -counts.Where(c => c > 0).Sum(c => c / n * Math.Log(c / n));
        return entropy > 0 ? entropy : 0; // one label: −1·ln 1 is −0, print it as 0
    }

    /// <summary>
    /// The mean Gaussian Parzen-window log-likelihood (nats) of <paramref name="points"/> under the
    /// density of <paramref name="samples"/> with bandwidth σ (Goodfellow et al. 2014, after Breuleux
    /// et al.): log p(x) = logsumexp_i(−‖x − sᵢ‖² / 2σ²) − log n − (d/2)·log(2πσ²).
    /// </summary>
    public static double ParzenLogLikelihood(ReadOnlySpan<float> points, ReadOnlySpan<float> samples, int dim, double sigma)
    {
        int m = points.Length / dim, n = samples.Length / dim;
        double total = 0;
        var exponents = new double[n];
        for (int j = 0; j < m; j++)
        {
            var x = points.Slice(j * dim, dim);
            double largest = double.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                var s = samples.Slice(i * dim, dim);
                double d2 = 0;
                for (int k = 0; k < dim; k++) { double d = x[k] - s[k]; d2 += d * d; }
                exponents[i] = -d2 / (2 * sigma * sigma);
                largest = Math.Max(largest, exponents[i]);
            }
            double sum = 0;
            for (int i = 0; i < n; i++) sum += Math.Exp(exponents[i] - largest);
            total += largest + Math.Log(sum);
        }
        return total / Math.Max(m, 1) - Math.Log(n) - dim / 2.0 * Math.Log(2 * Math.PI * sigma * sigma);
    }

    /// <summary>The σ of <paramref name="candidates"/> that maximises the Parzen log-likelihood of a
    /// validation set (the GAN paper's protocol), and that likelihood.</summary>
    public static (double Sigma, double LogLikelihood) ChooseParzenSigma(ReadOnlySpan<float> validation, ReadOnlySpan<float> samples, int dim, IEnumerable<double> candidates)
    {
        (double Sigma, double LogLikelihood) best = (double.NaN, double.NegativeInfinity);
        foreach (var sigma in candidates)
        {
            double ll = ParzenLogLikelihood(validation, samples, dim, sigma);
            if (ll > best.LogLikelihood) best = (sigma, ll);
        }
        return best;
    }

    private static (Vector<double> Mean, Matrix<double> Covariance) Moments(ReadOnlySpan<float> rows, int dim)
    {
        int n = rows.Length / dim;
        if (n < 2 || rows.Length % dim != 0) throw new ArgumentException($"fréchet distance: need at least 2 rows of {dim} values, got {rows.Length} values");
        var mean = Vector<double>.Build.Dense(dim);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < dim; k++) mean[k] += rows[i * dim + k];
        mean /= n;
        var centred = Matrix<double>.Build.Dense(n, dim);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < dim; k++) centred[i, k] = rows[i * dim + k] - mean[k];
        return (mean, centred.TransposeThisAndMultiply(centred) / (n - 1));
    }

    /// <summary>f applied to a symmetric matrix's eigenvalues: V f(Λ) Vᵀ.</summary>
    private static Matrix<double> SymmetricFunction(Matrix<double> m, Func<double, double> f)
    {
        var evd = m.Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(l => f(Math.Max(l.Real, 0))).ToArray();
        return evd.EigenVectors * Matrix<double>.Build.DiagonalOfDiagonalArray(values) * evd.EigenVectors.Transpose();
    }
}
