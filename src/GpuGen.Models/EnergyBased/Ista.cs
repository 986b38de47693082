namespace GpuGen.Models.EnergyBased;

/// <summary>
/// Inference in sparse coding, E(x, z) = ½‖x − Dz‖² + λ‖z‖₁, by ISTA (iterative shrinkage-thresholding,
/// Daubechies et al. 2004; Beck &amp; Teboulle 2009): a gradient step on the smooth part followed by
/// the proximal map of the L1 part, the soft threshold,
///
///   z ← S_{ηλ}(z − η·(DᵀD z − Dᵀx)),   S_t(v) = sign(v)·max(|v| − t, 0),
///
/// with η = 1/L, L the largest eigenvalue of DᵀD (the Lipschitz constant of the smooth part's
/// gradient), found by power iteration. Rows of x are independent problems, solved as one batch.
/// Every op here is composed from existing ones and runs without recording.
/// </summary>
public static class Ista
{
    /// <summary>S_t(v) = sign(v)·relu(|v| − t) elementwise: the proximal map of t‖·‖₁.</summary>
    public static Tensor SoftThreshold(Tensor v, float threshold) => Ops.Mul(Ops.Sign(v), Ops.Relu(Ops.Sub(Ops.Abs(v), threshold)));

    /// <summary>
    /// The largest eigenvalue of the symmetric positive semi-definite <paramref name="gram"/> [K, K] by
    /// <paramref name="iterations"/> steps of power iteration from <paramref name="vector"/> [K] (not
    /// orthogonal to the top eigenvector), which is updated in place to the normalised iterate so that
    /// a later call warm-starts; returns the Rayleigh quotient vᵀGv at the last iterate. It approaches
    /// L from below, so η = 1/L̂ may exceed 1/L slightly; the proximal gradient step still decreases E
    /// for any η &lt; 2/L, so that is safe.
    /// </summary>
    public static float LargestEigenvalue(Tensor gram, Tensor vector, int iterations)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        int k = vector.Length;
        for (int i = 0; i < iterations; i++)
        {
            var w = Ops.MatMul(gram, vector.Reshape(k, 1)).Reshape(k);
            Ops.Copy(Ops.Div(w, Ops.Norm(w)), vector);
        }
        return Ops.Sum(Ops.Mul(vector, Ops.MatMul(gram, vector.Reshape(k, 1)).Reshape(k))).Item();
    }

    /// <summary>
    /// The codes z [B, K] of rows x [B, P] under <paramref name="dictionary"/> D [P, K] (atoms as columns)
    /// after <paramref name="iterations"/> ISTA steps of size <paramref name="stepSize"/> from z = 0.
    /// The gradient is formed as G z − Dᵀx with G = DᵀD and Dᵀx computed once, so each step costs one
    /// B × K × K product instead of two B × P × K ones.
    /// </summary>
    public static Tensor Codes(Tensor x, Tensor dictionary, float lambda, float stepSize, int iterations)
    {
        using var noGrad = Autograd.NoGrad();
        using var outer = new TensorScope();
        var gram = Ops.MatMul(dictionary, dictionary, transA: true);  // [K, K]
        var projection = Ops.MatMul(x, dictionary);                    // Dᵀx for every row: [B, K]
        var z = Tensor.Zeros(Shape.Of(x.Shape[0], dictionary.Shape[1]), x.Device);
        for (int i = 0; i < iterations; i++)
        {
            Tensor next;
            using (var step = new TensorScope())
            {
                var gradient = Ops.Sub(Ops.MatMul(z, gram), projection); // zG − Dᵀx (G is symmetric)
                next = step.Keep(SoftThreshold(Ops.Sub(z, Ops.Mul(gradient, stepSize)), stepSize * lambda));
            }
            z.Dispose();
            z = next;
        }
        return outer.Keep(z);
    }

    /// <summary>Codes with η = 1/L for L the largest eigenvalue of DᵀD (power iteration from
    /// <paramref name="vector"/>, updated in place).</summary>
    public static Tensor Codes(Tensor x, Tensor dictionary, float lambda, int iterations, Tensor vector, int powerIterations)
    {
        float l;
        using (new TensorScope())
        using (Autograd.NoGrad())
            l = LargestEigenvalue(Ops.MatMul(dictionary, dictionary, transA: true), vector, powerIterations);
        return Codes(x, dictionary, lambda, 1f / l, iterations);
    }

    /// <summary>E(x, z) = ½‖x − Dz‖² + λ‖z‖₁ per row: [B].</summary>
    public static Tensor Energy(Tensor x, Tensor dictionary, Tensor z, float lambda) =>
        Ops.Add(Ops.Mul(Ops.Sum(Ops.Square(Ops.Sub(x, Ops.MatMul(z, dictionary, transB: true))), 1), 0.5f), Ops.Mul(Ops.Sum(Ops.Abs(z), 1), lambda));
}
