using GpuGen.Nn;

namespace GpuGen.Models.Diffusion;

/// <summary>A network of x_t and the timestep t: ε̂_θ(x_t, t) for DDPM, the output network for BFN.</summary>
public abstract class DenoisingNetwork : Module
{
    /// <summary>The prediction for a batch x_t [B, …] at timesteps t [B] (whole numbers as floats).</summary>
    public abstract Tensor Forward(Tensor xt, Tensor timesteps);

    /// <summary>Not used: a denoiser needs its timesteps.</summary>
    public override Tensor Forward(Tensor x) => throw new InvalidOperationException($"{GetType().Name}: call Forward(x, timesteps)");
}

/// <summary>
/// The DDPM toy's network for 2-D points: an MLP on the point concatenated with a sinusoidal
/// embedding of t (<see cref="TimeEmbedding"/>), <c>depth</c> hidden layers of <c>width</c> SiLU
/// units, a linear output of <c>outputs</c> values per point (the point's size for a noise or data
/// prediction; twice it for a mean and a variance). Defaults as the protocol: 2 + 32 → 128 × 3 → 2.
/// </summary>
public sealed class ToyDenoiser : DenoisingNetwork
{
    public const int PointDim = 2;

    public ToyDenoiser(Generator init, Device device, int width = 128, int depth = 3, int embedding = 32, int outputs = PointDim)
    {
        if (width <= 0 || depth <= 0 || outputs <= 0) throw new ArgumentException($"toy denoiser: need width, depth and outputs ≥ 1, got {width}, {depth} and {outputs}");
        (Width, Depth, EmbeddingDim) = (width, depth, embedding);
        Mlp = AddModule("mlp", Sequential.Mlp([PointDim + embedding, .. Enumerable.Repeat(width, depth), outputs], Activation.Silu, init, device));
        Device = device;
    }

    public Sequential Mlp { get; }
    public Device Device { get; }
    public int Width { get; }
    public int Depth { get; }
    public int EmbeddingDim { get; }

    public override Tensor Forward(Tensor xt, Tensor timesteps) =>
        Mlp.Forward(Ops.Concat([xt, TimeEmbedding.Sinusoidal(timesteps, EmbeddingDim)], 1));
}
