namespace GpuGen.Models.EnergyBased;

/// <summary>
/// Du &amp; Mordatch's contrastive-divergence objective for E_θ, with data x⁺ and Langevin samples x⁻:
///
///   L = mean E(x⁺) − mean E(x⁻) + α·(mean E(x⁺)² + mean E(x⁻)²).
///
/// Its first two terms are the maximum-likelihood gradient of −log p_θ(x⁺) with p_θ ∝ exp(−E_θ),
/// ∇θ = E_data[∇θE] − E_model[∇θE], with the model's expectation estimated by x⁻; x⁻ is data here
/// (its chain is not differentiated). The α term keeps the energies near zero, without which the
/// two means drift apart without bound and the Langevin step's scale with them.
/// </summary>
public static class ContrastiveDivergence
{
    /// <summary>The loss and the batch means of E(x⁺) and E(x⁻) (for the curves).</summary>
    public static (Tensor Loss, Tensor PositiveEnergy, Tensor NegativeEnergy) Loss(Func<Tensor, Tensor> energy, Tensor positive, Tensor negative, float alpha)
    {
        if (!(alpha >= 0) || !float.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be a finite number ≥ 0");
        var ePositive = energy(positive);
        var eNegative = energy(negative);
        var positiveMean = Ops.Mean(ePositive);
        var negativeMean = Ops.Mean(eNegative);
        var loss = Ops.Sub(positiveMean, negativeMean);
        if (alpha > 0) loss = Ops.Add(loss, Ops.Mul(Ops.Add(Ops.Mean(Ops.Square(ePositive)), Ops.Mean(Ops.Square(eNegative))), alpha));
        return (loss, positiveMean, negativeMean);
    }
}
