using GpuGen.Nn;

namespace GpuGen.Models.EnergyBased;

/// <summary>
/// Where samples live: rows of <paramref name="Dim"/> values in the box [Low, High]^Dim. Langevin
/// chains start from uniform noise on it and are clamped to it (digits: intensities in [0, 1]).
/// </summary>
public readonly record struct SampleDomain(int Dim, float Low, float High)
{
    /// <summary>The 2-D toys: [−2.5, 2.5]², which holds every toy set with room around it (the
    /// swiss roll reaches about ±2.0), the square the GAN pictures show.</summary>
    public static SampleDomain Toy => new(2, -2.5f, 2.5f);

    public static SampleDomain Digits => new(EnergyNetworks.Pixels, 0f, 1f);
}

/// <summary>
/// An energy-based model p_θ(x) ∝ exp(−E_θ(x)) with its replay buffer of past Langevin samples
/// (Du &amp; Mordatch 2019): one module, the network under "energy" and the buffer [size, Dim] as
/// the module buffer "replay", so one checkpoint holds both and a resumed run continues from the
/// same buffer. The buffer starts as uniform noise on the domain (drawn from the init stream).
/// </summary>
public sealed class EnergyModel : Module
{
    public EnergyModel(EnergySpec spec, int bufferSize, Generator init, Device device)
    {
        if (bufferSize < 1) throw new ArgumentException($"energy model: the replay buffer needs at least one row, got {bufferSize}");
        if (spec.Width < 1 || spec.Depth < 1) throw new ArgumentException($"energy model: need width and depth ≥ 1, got {spec.Width} and {spec.Depth}");
        Spec = spec;
        Network = AddModule("energy", EnergyNetworks.Build(spec, init, device));
        Domain = spec.Domain;
        Device = device;
        Replay = AddBuffer("replay", Ops.Uniform(Shape.Of(bufferSize, Domain.Dim), init, device, Domain.Low, Domain.High));
    }

    public EnergySpec Spec { get; }
    public Sequential Network { get; }
    public SampleDomain Domain { get; }
    public Device Device { get; }

    /// <summary>The replay buffer [size, Dim]: past negative samples.</summary>
    public Tensor Replay { get; }

    /// <summary>E_θ(x) for rows x [n, Dim]: energies [n].</summary>
    public Tensor Energy(Tensor x) => Network.Forward(x).Reshape(x.Shape[0]);

    /// <summary>The energies, as the module's function.</summary>
    public override Tensor Forward(Tensor x) => Energy(x);
}
