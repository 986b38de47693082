namespace GpuGen.Models.Diffusion;

/// <summary>
/// The Transformer's sinusoidal position embedding used for diffusion timesteps (Ho et al.'s code,
/// get_timestep_embedding): for t and d = 2h dimensions, [sin(t·ω_0), …, sin(t·ω_{h−1}), cos(t·ω_0), …,
/// cos(t·ω_{h−1})] with ω_k = 10000^(−k/(h−1)). Timesteps are data, so nothing is recorded.
/// </summary>
public static class TimeEmbedding
{
    /// <summary>[B, dim] embeddings of the timesteps [B] (whole numbers as floats; dim even, ≥ 4).</summary>
    public static Tensor Sinusoidal(Tensor timesteps, int dim)
    {
        if (dim < 4 || dim % 2 != 0) throw new ArgumentException($"time embedding: the width must be even and at least 4, got {dim}");
        if (timesteps.Rank != 1) throw new ShapeMismatchException($"time embedding: timesteps must be a vector [B], got {timesteps.Shape}");
        int half = dim / 2;
        var frequencies = Ops.Exp(Ops.Mul(Tensor.Arange(0, half, 1, timesteps.Device), (float)(-Math.Log(10000) / (half - 1))));
        var angles = Ops.Mul(timesteps.Reshape(-1, 1), frequencies.Reshape(1, half));
        return Ops.Concat([Ops.Sin(angles), Ops.Cos(angles)], 1);
    }
}
