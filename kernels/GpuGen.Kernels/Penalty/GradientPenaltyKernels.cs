using GpuGen.Kernels.Host;
using GpuGen.Kernels.Reduce;
using GpuGen.Kernels.Random;
using ILGPU;

namespace GpuGen.Kernels.Penalty;

public struct PenaltyMixArgs
{
    public ArrayView<float> Real, Fake, Mixed;
    public int RowLength;
    public ulong Seed, Offset;
}

public struct PenaltyRowsArgs
{
    public ArrayView<float> Gradient, Norms, Penalty;
    public int Rows, RowLength;
    public float Lambda;

    /// <summary>Unused: ends the struct on an 8-byte boundary, which OpenCL needs (KernelArgsLayoutTests).</summary>
    public long Align8;
}

public struct PenaltyBackwardArgs
{
    public ArrayView<float> Gradient, Norms, Upstream, Result;
    public int RowLength;
    public float Scale;
}

/// <summary>
/// The WGAN-GP gradient penalty (Gulrajani et al. 2017, Algorithm 1) as fused kernels, device and
/// host forms side by side; each per-element function is shared so that both give the same bits.
/// <code>
/// Mix        x̂[i, d] = x̃[i, d] + a_i·(x[i, d] − x̃[i, d]),  a_i = U[0, 1) from Philox block i of the stream
/// Rows       n_i = ‖g_i‖₂ (host: in double; device: compensated float), P = λ/B · Σ_i (n_i − 1)²
/// Backward   ∂P/∂g[i, d] = u · (2λ/B) · (n_i − 1)/n_i · g[i, d]     (0 where n_i = 0: the norm's subgradient)
/// </code>
/// a_i is the value Ops.Uniform([B, 1]) draws from the same generator state, so the fused and the
/// composed penalties mix the same points. Device: Mix and Backward one thread per element, Rows
/// one thread per example (B is a batch: a few hundred rows) and then one thread for the sum, in
/// row order; host: rows split over the cores, the sum in row order.
/// </summary>
public static class GradientPenaltyKernels
{
    public static float MixFactor(int row, ulong seed, ulong offset) => Philox.ToUniform(Philox.ForElement(row, seed, offset).X);

    public static float Mix(float real, float fake, float a) => fake + a * (real - fake);

    public static float BackwardFactor(float norm, float scale) => norm > 0f ? scale * (norm - 1f) / norm : 0f;

    // ---- device

    public static void MixDevice(Index1D i, PenaltyMixArgs a)
    {
        int row = i / a.RowLength;
        a.Mixed[i] = Mix(a.Real[i], a.Fake[i], MixFactor(row, a.Seed, a.Offset));
    }

    // The device sums with KahanSum where the host sums in double (no float64 on a device).
    public static void NormsDevice(Index1D row, PenaltyRowsArgs a)
    {
        var sum = new KahanSum();
        long start = (long)(int)row * a.RowLength;
        for (int d = 0; d < a.RowLength; d++)
        {
            float v = a.Gradient[start + d];
            sum.Add(v * v);
        }
        a.Norms[row] = MathF.Sqrt(sum.Sum);
    }

    /// <summary>One thread: P from the norms, in row order.</summary>
    public static void SumDevice(Index1D i, PenaltyRowsArgs a)
    {
        var total = new KahanSum();
        for (int r = 0; r < a.Rows; r++)
        {
            float excess = a.Norms[r] - 1f;
            total.Add(excess * excess);
        }
        a.Penalty[0] = a.Lambda * total.Sum / a.Rows;
    }

    public static void BackwardDevice(Index1D i, PenaltyBackwardArgs a)
    {
        int row = i / a.RowLength;
        a.Result[i] = a.Upstream[0] * BackwardFactor(a.Norms[row], a.Scale) * a.Gradient[i];
    }

    // ---- host

    public static void MixHost(ArraySegment<float> real, ArraySegment<float> fake, ArraySegment<float> mixed, int rowLength, ulong seed, ulong offset) =>
        HostParallel.For(mixed.Count / Math.Max(rowLength, 1), (real, fake, mixed, rowLength, seed, offset), static (start, count, s) =>
        {
            for (int row = start; row < start + count; row++)
            {
                float a = MixFactor(row, s.seed, s.offset);
                var x = s.real.AsSpan(row * s.rowLength, s.rowLength);
                var f = s.fake.AsSpan(row * s.rowLength, s.rowLength);
                var y = s.mixed.AsSpan(row * s.rowLength, s.rowLength);
                for (int d = 0; d < y.Length; d++) y[d] = Mix(x[d], f[d], a);
            }
        }, elementsPerItem: rowLength);

    /// <summary>Norms of every row, then P (the sum in row order, as the device).</summary>
    public static void RowsHost(ArraySegment<float> gradient, ArraySegment<float> norms, ArraySegment<float> penalty, int rows, int rowLength, float lambda)
    {
        HostParallel.For(rows, (gradient, norms, rowLength), static (start, count, s) =>
        {
            for (int row = start; row < start + count; row++)
            {
                double sum = 0;
                foreach (float v in s.gradient.AsSpan(row * s.rowLength, s.rowLength)) sum += (double)v * v;
                s.norms[row] = (float)Math.Sqrt(sum);
            }
        }, elementsPerItem: rowLength);
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            double excess = norms[r] - 1.0;
            total += excess * excess;
        }
        penalty[0] = (float)(lambda * total / rows);
    }

    public static void BackwardHost(ArraySegment<float> gradient, ArraySegment<float> norms, float upstream, ArraySegment<float> result, int rowLength, float scale) =>
        HostParallel.For(result.Count / Math.Max(rowLength, 1), (gradient, norms, upstream, result, rowLength, scale), static (start, count, s) =>
        {
            for (int row = start; row < start + count; row++)
            {
                float factor = s.upstream * BackwardFactor(s.norms[row], s.scale);
                var g = s.gradient.AsSpan(row * s.rowLength, s.rowLength);
                var y = s.result.AsSpan(row * s.rowLength, s.rowLength);
                for (int d = 0; d < y.Length; d++) y[d] = factor * g[d];
            }
        }, elementsPerItem: rowLength);
}
