using System.Runtime.Intrinsics;
using GpuGen.Kernels.Host;

namespace GpuGen.Kernels.Random;

/// <summary>
/// Host forms of <see cref="RandomDevice"/>'s kernels: the same per-element functions (Philox
/// block, then the same float operations), so cpu and ilgpu-cpu give identical bits.
/// </summary>
public static class RandomHost
{
    public static void Sample<TDist>(TDist distribution, ArraySegment<float> y, ulong seed, ulong offset) where TDist : struct, IDistribution =>
        HostParallel.For(y.Count, (distribution, y, seed, offset), static (start, count, s) =>
            Fill(s.distribution, s.y.AsSpan(start, count), start, s.seed, s.offset), elementsPerItem: 8); // a Philox block costs about as much as moving 8 floats

    /// <summary>span[j] = the draw of element start + j of the call keyed (seed, offset): what
    /// <see cref="Sample{TDist}"/> writes there, for fused kernels that draw their own noise.</summary>
    public static void Fill<TDist>(TDist distribution, Span<float> span, int start, ulong seed, ulong offset) where TDist : struct, IDistribution
    {
        int i = 0;
        if (PhiloxVector.IsSupported)
            for (; i <= span.Length - 16; i += 16)
            {
                // 16 blocks at once, then each lane through the same scalar transform as the device
                PhiloxVector.Blocks(start + i, seed, offset, out var x, out var yw, out var z, out var w);
                for (int lane = 0; lane < 16; lane++)
                    span[i + lane] = distribution.Sample(new UInt4(x.GetElement(lane), yw.GetElement(lane), z.GetElement(lane), w.GetElement(lane)));
            }
        for (; i < span.Length; i++) span[i] = distribution.Sample(Philox.ForElement(start + i, seed, offset));
    }

    public static void Bernoulli(ArraySegment<float> probability, ArraySegment<float> y, ulong seed, ulong offset) =>
        HostParallel.For(y.Count, (probability, y, seed, offset), static (start, count, s) =>
        {
            var p = s.probability.AsSpan(start, count);
            var span = s.y.AsSpan(start, count);
            int i = 0;
            if (PhiloxVector.IsSupported)
                for (; i <= span.Length - 16; i += 16)
                {
                    PhiloxVector.Blocks(start + i, s.seed, s.offset, out var x, out _, out _, out _);
                    // ToUniform on 16 lanes: (bits ≫ 8)·2⁻²⁴, exact, then u < p
                    var u = Vector512.ConvertToSingle(x >> 8) * Vector512.Create(1f / 16777216f);
                    Vector512.ConditionalSelect(Vector512.LessThan(u, Vector512.Create(p.Slice(i, 16))), Vector512<float>.One, Vector512<float>.Zero)
                        .CopyTo(span.Slice(i, 16));
                }
            for (; i < span.Length; i++)
                span[i] = Philox.ToUniform(Philox.ForElement(start + i, s.seed, s.offset).X) < p[i] ? 1f : 0f;
        }, elementsPerItem: 8);

    public static void Categorical(ArraySegment<float> weights, ArraySegment<float> y, int classes, ulong seed, ulong offset) =>
        HostParallel.For(y.Count, (weights, y, classes, seed, offset), static (start, count, s) =>
        {
            for (int row = start; row < start + count; row++)
            {
                float u = Philox.ToUniform(Philox.ForElement(row, s.seed, s.offset).X);
                var weights = new ArrayRow(s.weights.Array!, s.weights.Offset + row * s.classes, 1);
                s.y[row] = CategoricalChoice.Pick(weights, s.classes, u);
            }
        }, elementsPerItem: classes);
}

