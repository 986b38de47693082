namespace GpuGen.Kernels.Random;

/// <summary>A distribution sampled from one Philox block per element (device and host alike).</summary>
public interface IDistribution
{
    float Sample(UInt4 bits);
}

/// <summary>Uniform on [Low, High): Low + (High − Low)·u with u on a 2⁻²⁴ grid.</summary>
public struct UniformDistribution(float low, float high) : IDistribution
{
    public float Low = low, High = high;
    /// <summary>The largest float below High. low + (high − low)·u with u &lt; 1 can still round up
    /// to high (u = 1 − 2⁻²⁴ on [1, 2) gives 2 − 2⁻²⁴, which rounds to 2): such a draw becomes this.</summary>
    public float BelowHigh = MathF.BitDecrement(high);

    public readonly float Sample(UInt4 bits)
    {
        float v = Low + (High - Low) * Philox.ToUniform(bits.X);
        return v < High ? v : BelowHigh;
    }
}

/// <summary>Normal(Mean, Std²) by Box–Muller: √(−2 ln u₁)·cos(2π u₂) with u₁ ∈ (0, 1] (so the log is
/// finite) from the block's first word and u₂ from its second.</summary>
public struct NormalDistribution(float mean, float std) : IDistribution
{
    public float Mean = mean, Std = std;
    public readonly float Sample(UInt4 bits)
    {
        float radius = MathF.Sqrt(-2f * MathF.Log(Philox.ToUniformNonZero(bits.X)));
        float angle = 6.2831853071795865f * Philox.ToUniform(bits.Y);
        return Mean + Std * radius * MathF.Cos(angle);
    }
}

/// <summary>Gumbel(Loc, Scale): Loc − Scale·log(−log u) with u ∈ (0, 1).</summary>
public struct GumbelDistribution(float loc, float scale) : IDistribution
{
    public float Loc = loc, Scale = scale;
    public readonly float Sample(UInt4 bits) => Loc - Scale * MathF.Log(-MathF.Log(Philox.ToUniformOpen(bits.X)));
}

/// <summary>Uniform on the integers {0, …, Count − 1}, as floats: ⌊Count·u⌋ with u on a 2⁻²⁴ grid
/// (exact for Count ≤ 2²⁴; each value's probability is within Count·2⁻²⁴ of 1/Count).</summary>
public struct UniformIntegerDistribution(int count) : IDistribution
{
    public int Count = count;
    public readonly float Sample(UInt4 bits) => (float)(int)((ulong)(bits.X >> 8) * (ulong)Count >> 24);
}
