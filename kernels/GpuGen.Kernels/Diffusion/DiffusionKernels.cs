using GpuGen.Kernels.Host;
using GpuGen.Kernels.Random;
using ILGPU;

namespace GpuGen.Kernels.Diffusion;

public struct ForwardNoiseArgs
{
    /// <summary>x₀ [B, RowLength], the timestep of each row [B] (integers as floats), the schedule's
    /// √ᾱ and √(1 − ᾱ) [T]; out: x_t and ε [B, RowLength].</summary>
    public ArrayView<float> X0, Timesteps, SqrtAlphaBar, SqrtOneMinusAlphaBar, Xt, Noise;
    public int RowLength;
    public ulong Seed, Offset;
}

/// <summary>
/// One reverse step's coefficients (computed in double by the op, passed as floats):
/// x_prev = X0Weight·x̂₀ + NoiseWeight·ε + XtWeight·x_t + Sigma·z. Without clipping (Clip ≤ 0)
/// x̂₀ is not formed (X0Weight must be 0) and ε = ε̂; with clipping x̂₀ = clamp((x_t − S·ε̂)/A, ±Clip)
/// and ε = (x_t − A·x̂₀)/S, the noise consistent with the clipped x̂₀ (as DDIM's code does).
/// </summary>
public struct ReverseStepCoefficients
{
    public float A, S, X0Weight, NoiseWeight, XtWeight, Sigma, Clip;
}

public struct ReverseStepArgs
{
    public ArrayView<float> Xt, PredictedNoise, Result;
    public ReverseStepCoefficients C;
    public ulong Seed, Offset;
}

/// <summary>
/// Diffusion's fused kernels (Ho et al. 2020; Song et al. 2021 for DDIM), device and host forms side
/// by side over the same per-element functions, so cpu and ilgpu-cpu agree to the bit:
/// <code>
/// ForwardNoise  ε[i] = N(0, 1) from Philox element i;  x_t[i] = √ᾱ_{t_b}·x₀[i] + √(1 − ᾱ_{t_b})·ε[i],
///               b = i / RowLength: the schedule gathered per example, q(x_t | x₀) sampled in one pass
/// ReverseStep   z[i] = N(0, 1) from Philox element i;  x_prev[i] = X0Weight·x̂₀ + NoiseWeight·ε + XtWeight·x_t + σ·z
///               (one ancestral step of DDPM or one DDIM step, by the coefficients)
/// </code>
/// ε and z are the values Ops.Normal draws from the same generator state, so the fused and the
/// composed forms agree. Device: one thread per element; host: contiguous chunks over the cores,
/// the normals 16 at a time (<see cref="RandomHost.Fill{TDist}"/>).
/// </summary>
public static class DiffusionKernels
{
    public static float Noised(float x0, float sqrtAlphaBar, float sqrtOneMinusAlphaBar, float noise) =>
        sqrtAlphaBar * x0 + sqrtOneMinusAlphaBar * noise;

    public static float Step(float xt, float predictedNoise, float z, in ReverseStepCoefficients c)
    {
        float x0 = 0f, noise = predictedNoise;
        if (c.Clip > 0f)
        {
            x0 = Math.Min(Math.Max((xt - c.S * predictedNoise) / c.A, -c.Clip), c.Clip); // (Math.Clamp's throw helper does not compile for a GPU)
            noise = (xt - c.A * x0) / c.S;
        }
        return c.X0Weight * x0 + c.NoiseWeight * noise + c.XtWeight * xt + c.Sigma * z;
    }

    /// <summary>The schedule index of a timestep value, kept inside [0, T) so that a bad value can never
    /// read outside the schedule (the op checks the values where they are cheap to read).</summary>
    public static int Timestep(float value, int steps) => Math.Min(Math.Max((int)value, 0), steps - 1);

    private static float StandardNormal(int i, ulong seed, ulong offset) => new NormalDistribution(0f, 1f).Sample(Philox.ForElement(i, seed, offset));

    // ---- device

    public static void ForwardNoiseDevice(Index1D i, ForwardNoiseArgs a)
    {
        int t = Timestep(a.Timesteps[i / a.RowLength], a.SqrtAlphaBar.IntLength);
        float noise = StandardNormal(i, a.Seed, a.Offset);
        a.Noise[i] = noise;
        a.Xt[i] = Noised(a.X0[i], a.SqrtAlphaBar[t], a.SqrtOneMinusAlphaBar[t], noise);
    }

    public static void ReverseStepDevice(Index1D i, ReverseStepArgs a) =>
        a.Result[i] = Step(a.Xt[i], a.PredictedNoise[i], a.C.Sigma != 0f ? StandardNormal(i, a.Seed, a.Offset) : 0f, a.C);

    // ---- host

    public static void ForwardNoiseHost(ArraySegment<float> x0, ArraySegment<float> timesteps, ArraySegment<float> sqrtAlphaBar, ArraySegment<float> sqrtOneMinusAlphaBar,
        ArraySegment<float> xt, ArraySegment<float> noise, int rowLength, ulong seed, ulong offset) =>
        HostParallel.For(x0.Count / rowLength, (x0, timesteps, sqrtAlphaBar, sqrtOneMinusAlphaBar, xt, noise, rowLength, seed, offset), static (start, count, s) =>
        {
            int first = start * s.rowLength, length = count * s.rowLength;
            var eps = s.noise.AsSpan(first, length);
            RandomHost.Fill(new NormalDistribution(0f, 1f), eps, first, s.seed, s.offset);
            for (int row = start; row < start + count; row++)
            {
                int t = Timestep(s.timesteps[row], s.sqrtAlphaBar.Count);
                float a = s.sqrtAlphaBar[t], b = s.sqrtOneMinusAlphaBar[t];
                var x = s.x0.AsSpan(row * s.rowLength, s.rowLength);
                var e = s.noise.AsSpan(row * s.rowLength, s.rowLength);
                var y = s.xt.AsSpan(row * s.rowLength, s.rowLength);
                for (int d = 0; d < y.Length; d++) y[d] = Noised(x[d], a, b, e[d]);
            }
        }, elementsPerItem: 8L * rowLength);

    public static void ReverseStepHost(ArraySegment<float> xt, ArraySegment<float> predictedNoise, ArraySegment<float> result,
        ReverseStepCoefficients c, ulong seed, ulong offset) =>
        HostParallel.For(result.Count, (xt, predictedNoise, result, c, seed, offset), static (start, count, s) =>
        {
            var y = s.result.AsSpan(start, count);
            // z first, into the output; then each element reads its own z back
            if (s.c.Sigma != 0f) RandomHost.Fill(new NormalDistribution(0f, 1f), y, start, s.seed, s.offset);
            else y.Clear();
            var x = s.xt.AsSpan(start, count);
            var e = s.predictedNoise.AsSpan(start, count);
            for (int i = 0; i < y.Length; i++) y[i] = Step(x[i], e[i], y[i], s.c);
        }, elementsPerItem: 8);
}
