namespace GpuGen.Models.Metrics;

/// <summary>
/// The Gaussian Parzen-window log-likelihood of the GAN paper (Goodfellow et al. 2014, Table 1, after
/// Breuleux et al.) on the device: log p(x) = logsumexp_i(−‖x − sᵢ‖²/2σ²) − log n − (d/2)·log(2πσ²)
/// under n generated samples, averaged over the points. The squared distances come from one GEMM,
/// ‖x‖² + ‖s‖² − 2·x·sᵀ (clamped at 0 against rounding), a block of points at a time; σ is chosen on a
/// validation set from a grid, as the paper does, and the likelihood reported on the other points.
/// <see cref="SampleQuality.ParzenLogLikelihood"/> is the double-precision host reference.
/// </summary>
public static class ParzenWindow
{
    /// <summary>The paper's grid, in the [0, 1] pixel scale: 0.05 to 0.5.</summary>
    public static readonly double[] Sigmas = [0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5];

    private const int PointsPerBlock = 250;

    /// <summary>Mean log-likelihood (nats) of each σ in <paramref name="sigmas"/> for points [m, d] under samples [n, d].</summary>
    public static double[] LogLikelihoods(Tensor points, Tensor samples, IReadOnlyList<double> sigmas)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        int m = points.Shape[0], n = samples.Shape[0], d = points.Shape[1];
        if (samples.Shape[1] != d) throw new ShapeMismatchException($"parzen: points have {d} values each, samples {samples.Shape[1]}");
        var sampleNorms = Ops.Sum(Ops.Square(samples), 1).Reshape(1, n);
        var totals = new double[sigmas.Count];
        for (int start = 0; start < m; start += PointsPerBlock)
            using (new TensorScope())
            {
                var block = points[start..Math.Min(m, start + PointsPerBlock)];
                var pointNorms = Ops.Sum(Ops.Square(block), 1, keepDim: true);                                   // [b, 1]
                var distances = Ops.Maximum(Ops.Add(Ops.Sub(pointNorms, Ops.Mul(Ops.MatMul(block, samples, transB: true), 2f)), sampleNorms), 0f); // [b, n]
                for (int k = 0; k < sigmas.Count; k++)
                    totals[k] += Ops.Sum(Ops.LogSumExp(Ops.Mul(distances, (float)(-1 / (2 * sigmas[k] * sigmas[k]))), 1)).Item();
            }
        return sigmas.Select((sigma, k) => totals[k] / m - Math.Log(n) - d / 2.0 * Math.Log(2 * Math.PI * sigma * sigma)).ToArray();
    }

    /// <summary>σ maximising the validation points' likelihood, and the test points' likelihood at that σ.</summary>
    public static (double Sigma, double Validation, double Test) Evaluate(Tensor samples, Tensor validation, Tensor test, IReadOnlyList<double>? sigmas = null)
    {
        sigmas ??= Sigmas;
        var scores = LogLikelihoods(validation, samples, sigmas);
        int best = Array.IndexOf(scores, scores.Max());
        return (sigmas[best], scores[best], LogLikelihoods(test, samples, [sigmas[best]])[0]);
    }
}
