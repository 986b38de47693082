namespace GpuGen.Optim;

/// <summary>Gradient clipping by global norm (Pascanu et al. 2013).</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales every gradient by maxNorm/(‖g‖ + 10⁻⁶) when the global norm ‖g‖ = √Σ‖gᵢ‖² exceeds
    /// maxNorm; returns ‖g‖ before clipping (NaN or ∞ when a gradient is not finite, and then
    /// nothing is scaled, so the caller can see it and stop).
    /// </summary>
    public static float ClipByGlobalNorm(IEnumerable<Tensor> parameters, float maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentException($"clip: maxNorm must be positive, got {maxNorm}");
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        double squares = 0;
        using (Autograd.NoGrad())
        {
            foreach (var g in grads)
                using (var norm = Ops.Norm(g))
                {
                    double n = norm.Item();
                    squares += n * n;
                }
            float total = (float)Math.Sqrt(squares);
            if (float.IsFinite(total) && total > maxNorm)
            {
                float scale = maxNorm / (total + 1e-6f);
                foreach (var g in grads) Ops.Scale(g, scale);
            }
            return total;
        }
    }
}
