using GpuGen.Nn;

namespace GpuGen.Models.Gan;

/// <summary>
/// A generator and a critic (discriminator) of MLPs for 2-D data, as in the WGAN-GP paper's toy
/// code: z ~ N(0, I₂) → G → x ∈ ℝ², and D: ℝ² → ℝ (a critic's score, or a discriminator's logit).
/// Both are <c>width</c>-wide ReLU MLPs with <c>depth</c> hidden layers. One module, children
/// <c>generator</c> and <c>critic</c>, so one checkpoint holds both.
/// </summary>
public sealed class ToyGan : Module
{
    public const int NoiseDim = 2, DataDim = 2;

    public ToyGan(Generator init, Device device, int width = 256, int depth = 3)
    {
        if (width <= 0 || depth <= 0) throw new ArgumentException($"toy gan: need width and depth ≥ 1, got {width} and {depth}");
        (Width, Depth) = (width, depth);
        int[] hidden = Enumerable.Repeat(width, depth).ToArray();
        Generator = AddModule("generator", Sequential.Mlp([NoiseDim, .. hidden, DataDim], Activation.Relu, init, device));
        Critic = AddModule("critic", Sequential.Mlp([DataDim, .. hidden, 1], Activation.Relu, init, device));
        Device = device;
    }

    public Sequential Generator { get; }
    public Sequential Critic { get; }
    public Device Device { get; }
    public int Width { get; }
    public int Depth { get; }

    /// <summary>G(z) for z drawn from <paramref name="noise"/>.</summary>
    public Tensor Sample(int n, Generator noise) => Generator.Forward(Ops.Normal(Shape.Of(n, NoiseDim), noise, Device));

    /// <summary>The generator's samples: the module as a function of its noise.</summary>
    public override Tensor Forward(Tensor z) => Generator.Forward(z);
}
