using GpuGen.Kernels.Elementwise;
using GpuGen.Kernels.Host;
using GpuGen.Kernels.Random;
using ILGPU;

namespace GpuGen.Kernels.Reparameterize;

public struct GumbelSoftmaxArgs
{
    public ArrayView<float> Logits, Y;
    public int Classes;
    public float InverseTemperature;
    public ulong Seed, Offset;
}

/// <summary>
/// Gumbel-softmax sampling (Jang et al. 2017; Maddison et al. 2017), fused: for each row of K
/// logits, y = softmax((logits + g)/τ) with g_k = −log(−log u_k), u from Philox keyed by the
/// element index (as every random op here), max-shifted so nothing overflows at small τ. One
/// thread (device) or one loop iteration (host) per row; the same function in both.
/// </summary>
public static class GumbelSoftmaxKernels
{
    public static void Row<TRow, TSink>(TRow logits, TSink y, long start, int classes, float inverseTemperature, ulong seed, ulong offset)
        where TRow : struct, IFloatRow
        where TSink : struct, IFloatSink
    {
        // pass 1: the perturbed, scaled logits' maximum
        float max = float.NegativeInfinity;
        for (int k = 0; k < classes; k++) max = StableMath.Max(max, Perturbed(logits, k, start, inverseTemperature, seed, offset));
        // pass 2: Σ exp(v − max); pass 3: write exp(v − max)/Σ (the noise is recomputed: cheaper than storing it)
        float sum = 0f;
        for (int k = 0; k < classes; k++) sum += MathF.Exp(Perturbed(logits, k, start, inverseTemperature, seed, offset) - max);
        for (int k = 0; k < classes; k++)
            y.Set(k, MathF.Exp(Perturbed(logits, k, start, inverseTemperature, seed, offset) - max) / sum);
    }

    private static float Perturbed<TRow>(TRow logits, int k, long start, float inverseTemperature, ulong seed, ulong offset) where TRow : struct, IFloatRow
    {
        float u = Philox.ToUniformOpen(Philox.ForElement((int)(start + k), seed, offset).X);
        return (logits[k] - MathF.Log(-MathF.Log(u))) * inverseTemperature;
    }

    public static void Device(Index1D row, GumbelSoftmaxArgs a)
    {
        long start = (long)(int)row * a.Classes;
        Row(new ViewRow(a.Logits, start, 1), new ViewSink(a.Y, start), start, a.Classes, a.InverseTemperature, a.Seed, a.Offset);
    }

    public static void Host(ArraySegment<float> logits, ArraySegment<float> y, int classes, float inverseTemperature, ulong seed, ulong offset) =>
        HostParallel.For(y.Count / classes, (logits, y, classes, inverseTemperature, seed, offset), static (start, count, s) =>
        {
            for (int row = start; row < start + count; row++)
                Row(new ArrayRow(s.logits.Array!, s.logits.Offset + row * s.classes, 1), new ArraySink(s.y.Array!, s.y.Offset + row * s.classes),
                    (long)row * s.classes, s.classes, s.inverseTemperature, s.seed, s.offset);
        }, elementsPerItem: classes * 8);
}
