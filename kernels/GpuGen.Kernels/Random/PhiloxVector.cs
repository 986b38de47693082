using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GpuGen.Kernels.Random;

/// <summary>
/// <see cref="Philox.Block"/> for 16 consecutive elements at once with AVX-512: the same rounds on
/// vectors of counters, the 32 × 32 → 64-bit products from <c>vpmuludq</c> (even lanes, then the odd
/// lanes shifted down). The blocks are bit-identical to the scalar ones, so each element's numbers
/// still depend only on its index.
/// </summary>
public static class PhiloxVector
{
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>The four output words of elements start … start + 15 for a call keyed (seed, offset).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Blocks(int start, ulong seed, ulong offset,
        out Vector512<uint> x, out Vector512<uint> y, out Vector512<uint> z, out Vector512<uint> w)
    {
        x = Vector512.Create((uint)start) + Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        y = Vector512<uint>.Zero;
        z = Vector512.Create((uint)offset);
        w = Vector512.Create((uint)(offset >> 32));
        uint key0 = (uint)seed, key1 = (uint)(seed >> 32);
        var m0 = Vector512.Create(0xD2511F53u);
        var m1 = Vector512.Create(0xCD9E8D57u);
        for (int round = 0; round < 10; round++)
        {
            if (round > 0)
            {
                key0 += 0x9E3779B9;
                key1 += 0xBB67AE85;
            }
            MulHiLo(x, m0, out var hi0, out var lo0);
            MulHiLo(z, m1, out var hi1, out var lo1);
            var nextX = hi1 ^ y ^ Vector512.Create(key0);
            var nextZ = hi0 ^ w ^ Vector512.Create(key1);
            (x, y, z, w) = (nextX, lo1, nextZ, lo0);
        }
    }

    /// <summary>Per lane: hi:lo = a·m as a 64-bit product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulHiLo(Vector512<uint> a, Vector512<uint> m, out Vector512<uint> hi, out Vector512<uint> lo)
    {
        var even = Avx512F.Multiply(a, m);                                   // lanes 0, 2, …: 64-bit products
        var odd = Avx512F.Multiply((a.AsUInt64() >> 32).AsUInt32(), m);     // lanes 1, 3, … moved down
        var low = Vector512.Create(0xFFFFFFFFul);
        lo = ((even & low) | (odd << 32)).AsUInt32();
        hi = ((even >> 32) | (odd & ~low)).AsUInt32();
    }
}
