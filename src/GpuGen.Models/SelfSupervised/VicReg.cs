using GpuGen.Nn;

namespace GpuGen.Models.SelfSupervised;

/// <summary>
/// VICReg (Bardes, Ponce &amp; LeCun 2022): the encoder and an expander h; for embeddings Z_a, Z_b [N, D]
/// <code>
/// invariance  s = (1/ND)·Σ ‖z_a,i − z_b,i‖²                       (the mean squared error)
/// variance    v(Z) = (1/D)·Σ_j max(0, 1 − √(Var(z_·j) + 10⁻⁴))      (a hinge on each dimension's std)
/// covariance  c(Z) = (1/D)·Σ_{i≠j} C(Z)_ij²,  C = (Z − Z̄)ᵀ(Z − Z̄)/(N − 1)
/// loss        λ·s + μ·(v(Z_a) + v(Z_b))/2 + ν·(c(Z_a) + c(Z_b))     (λ = μ = 25, ν = 1; as the official code)
/// </code>
/// Variance keeps the embeddings from collapsing to a point, covariance decorrelates their dimensions.
/// </summary>
public sealed class VicReg : JointEmbedding
{
    public VicReg(JointEmbeddingSettings settings, Generator generator, Device device) : base(settings with { Method = JointEmbeddingMethod.VicReg }, generator, device) =>
        Expander = AddModule("expander", Encoders.Head(Encoders.RepresentationDim, settings.ProjectionDim, settings.ProjectionDim, generator, device));

    public Sequential Expander { get; }

    protected override Tensor PairLoss(Tensor a, Tensor b)
    {
        var za = Expander.Forward(Represent(a));
        var zb = Expander.Forward(Represent(b));
        return Terms(za, zb, Settings.Invariance, Settings.Variance, Settings.Covariance).Total;
    }

    /// <summary>The loss and its three terms for embeddings [N, D] (N ≥ 2).</summary>
    public static (Tensor Total, Tensor Invariance, Tensor Variance, Tensor Covariance) Terms(Tensor za, Tensor zb, float lambda, float mu, float nu)
    {
        var invariance = Ops.Mean(Ops.Square(Ops.Sub(za, zb)));
        var variance = Ops.Div(Ops.Add(VarianceHinge(za), VarianceHinge(zb)), 2f);
        var covariance = Ops.Add(OffDiagonalCovariance(za), OffDiagonalCovariance(zb));
        var total = Ops.Add(Ops.Add(Ops.Mul(invariance, lambda), Ops.Mul(variance, mu)), Ops.Mul(covariance, nu));
        return (total, invariance, variance, covariance);
    }

    private static Tensor VarianceHinge(Tensor z) =>
        Ops.Mean(Ops.Relu(Ops.Sub(1f, Ops.Sqrt(Ops.Add(Ops.Variance(z, 0, correction: 1), 1e-4f)))));

    /// <summary>Σ_{i≠j} C_ij² / D = (Σ C² − Σ diag(C)²)/D, diag(C) being the unbiased variances.</summary>
    private static Tensor OffDiagonalCovariance(Tensor z)
    {
        int n = z.Shape[0], d = z.Shape[1];
        var centred = Ops.Sub(z, Ops.Mean(z, 0, keepDim: true));
        var c = Ops.Div(Ops.MatMul(centred, centred, transA: true), n - 1);               // [D, D]
        var diagonal = Ops.Variance(z, 0, correction: 1);
        return Ops.Div(Ops.Sub(Ops.Sum(Ops.Square(c)), Ops.Sum(Ops.Square(diagonal))), d);
    }
}
