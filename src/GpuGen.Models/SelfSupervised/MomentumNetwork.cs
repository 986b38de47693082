using GpuGen.Nn;

namespace GpuGen.Models.SelfSupervised;

/// <summary>
/// A momentum (EMA) copy of a network, as MoCo's key encoder and BYOL's target: θ′ ← m·θ′ + (1 − m)·θ after
/// each step, never trained by gradients (its forward runs without recording).
/// </summary>
public static class MomentumNetwork
{
    /// <summary>θ′ = θ for every parameter, pairing them by their order (the two have one architecture).</summary>
    public static void CopyInto(Module source, Module target)
    {
        using var noGrad = Autograd.NoGrad();
        foreach (var (s, t) in Pairs(source, target)) Ops.Copy(s, t);
    }

    /// <summary>θ′ ← m·θ′ + (1 − m)·θ, in place.</summary>
    public static void Update(Module source, Module target, float momentum)
    {
        using var noGrad = Autograd.NoGrad();
        foreach (var (s, t) in Pairs(source, target)) Ops.Axpy(1f - momentum, s, Ops.Scale(t, momentum));
    }

    private static IEnumerable<(Tensor Source, Tensor Target)> Pairs(Module source, Module target)
    {
        var s = source.NamedParameters().ToList();
        var t = target.NamedParameters().ToList();
        if (s.Count != t.Count || s.Zip(t).Any(p => p.First.Tensor.Shape != p.Second.Tensor.Shape))
            throw new InvalidOperationException("momentum network: the two networks differ in shape");
        return s.Zip(t, (a, b) => (a.Tensor, b.Tensor));
    }
}
