using ILGPU;

namespace GpuGen.Kernels.Peak;

/// <summary>Arguments of <see cref="PeakDevice.FmaChains"/>. Padded to a multiple of 8 bytes (some OpenCL
/// drivers refuse other argument sizes).</summary>
public struct FmaChainsArgs
{
    public ArrayView<float> Out;
    public int Iterations;
    public int Padding;
}

/// <summary>
/// The device's FP32 arithmetic peak: each thread runs 8 independent chains of a ← a·m + x (enough
/// to hide the FMA latency on GPUs, which also run many warps per core), 2 FLOPs each; ptxas contracts
/// the multiply and add into one FMA (its default). The sum goes to memory so that nothing is elided.
/// </summary>
public static class PeakDevice
{
    public const int Chains = 8;

    public static void FmaChains(Index1D i, FmaChainsArgs a)
    {
        float m = 0.9999999f, x = 1e-7f * (1 + (i & 7));
        float a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x;
        for (int k = 0; k < a.Iterations; k++)
        {
            a0 = a0 * m + x; a1 = a1 * m + x; a2 = a2 * m + x; a3 = a3 * m + x;
            a4 = a4 * m + x; a5 = a5 * m + x; a6 = a6 * m + x; a7 = a7 * m + x;
        }
        a.Out[i] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    }
}
