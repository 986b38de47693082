namespace GpuGen.Kernels.Random;

/// <summary>Four 32-bit words: a Philox counter or output block.</summary>
public struct UInt4(uint x, uint y, uint z, uint w)
{
    public uint X = x, Y = y, Z = z, W = w;
}

/// <summary>
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a
/// counter-based generator. Block(counter, key) is a bijection of the 128-bit counter, keyed
/// by 64 bits, after 10 rounds of 32×32→64-bit multiplies and xors; it passes BigCrush.
///
/// GpuGen's stream: a random op called with (seed, offset) gives element i the block
/// Block((i, 0, offset_lo, offset_hi), (seed_lo, seed_hi)), so each element's numbers depend
/// only on its index, never on how the work is split, and every call of a
/// <c>Generator</c> (which advances offset) gets fresh counters.
/// </summary>
public static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57; // round multipliers
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85; // key schedule (golden ratio, √3 − 1)

    public static UInt4 Block(UInt4 counter, uint key0, uint key1)
    {
        for (int round = 0; round < 10; round++)
        {
            if (round > 0)
            {
                key0 += W0;
                key1 += W1;
            }
            ulong p0 = (ulong)M0 * counter.X;
            ulong p1 = (ulong)M1 * counter.Z;
            counter = new UInt4((uint)(p1 >> 32) ^ counter.Y ^ key0, (uint)p1, (uint)(p0 >> 32) ^ counter.W ^ key1, (uint)p0);
        }
        return counter;
    }

    /// <summary>The block of element <paramref name="index"/> for a call keyed (seed, offset).</summary>
    public static UInt4 ForElement(int index, ulong seed, ulong offset) =>
        Block(new UInt4((uint)index, 0u, (uint)offset, (uint)(offset >> 32)), (uint)seed, (uint)(seed >> 32));

    private const float TwoToMinus24 = 1f / 16777216f;

    // Every word below is < 2²⁴, so it goes to float through int: ILGPU converts uint to float by way
    // of float64, which an OpenCL device without fp64 refuses and which runs at 1/32–1/64 speed on most
    // GPUs. The values are the same (exact either way).

    /// <summary>A uniform float in [0, 1): the top 24 bits of a word, exactly representable.</summary>
    public static float ToUniform(uint bits) => (int)(bits >> 8) * TwoToMinus24;

    /// <summary>A uniform float in (0, 1]: never 0, for a logarithm.</summary>
    public static float ToUniformNonZero(uint bits) => ((int)(bits >> 8) + 1) * TwoToMinus24;

    /// <summary>
    /// A uniform float strictly inside (0, 1), for log(−log u): the odd multiples (2k + 1)·2⁻²⁴ of
    /// 23 random bits k. All are exact in float; the tempting ((bits ≫ 8) + ½)·2⁻²⁴ is not: above
    /// 2²³ a float cannot hold the half, and the top value rounds to exactly 1 (then −log(−log u) = ∞).
    /// </summary>
    public static float ToUniformOpen(uint bits) => ((int)(bits >> 9) * 2 + 1) * TwoToMinus24;
}
