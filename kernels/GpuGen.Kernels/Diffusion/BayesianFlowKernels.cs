using GpuGen.Kernels.Elementwise;
using GpuGen.Kernels.Host;
using GpuGen.Kernels.Random;
using ILGPU;

namespace GpuGen.Kernels.Diffusion;

/// <summary>The continuous-data Bayesian flow's constants: σ₁, the clip range of x̂ and t_min.</summary>
public struct ContinuousFlow
{
    public float Sigma1, Clip, MinTime;

    /// <summary>γ(t) = 1 − σ₁^(2t) = −expm1(2t·ln σ₁) (accurate near t = 0, where γ is tiny).</summary>
    public readonly float Gamma(float t) => -StableMath.Expm1(2f * t * MathF.Log(Sigma1));

    /// <summary>∂x̂/∂ε̂ = −√((1 − γ)/γ) inside the clip range, 0 outside it and below t_min.</summary>
    public readonly float NoiseWeight(float t) => t < MinTime ? 0f : -MathF.Sqrt((1f - Gamma(t)) / Gamma(t));

    /// <summary>x̂ = clamp(μ/γ − √((1 − γ)/γ)·ε̂, ±Clip), 0 below t_min (Graves et al. 2023, Algorithm 1's
    /// cts_output_prediction); with <paramref name="inside"/> whether the clamp left it alone.</summary>
    public readonly float Output(float mu, float noise, float t, out bool inside)
    {
        inside = false;
        if (t < MinTime) return 0f;
        float gamma = Gamma(t);
        float x = mu / gamma - MathF.Sqrt((1f - gamma) / gamma) * noise;
        inside = x > -Clip && x < Clip;
        return Math.Min(Math.Max(x, -Clip), Clip); // (Math.Clamp's throw helper does not compile for a GPU)
    }
}

public struct FlowSampleArgs
{
    /// <summary>x [B, RowLength], t [B]; out: μ [B, RowLength].</summary>
    public ArrayView<float> X, Times, Mu;
    public ContinuousFlow Flow;
    public int RowLength;
    public ulong Seed, Offset;
}

public struct FlowOutputArgs
{
    /// <summary>μ and ε̂ [B, RowLength], t [B]; out: x̂ (forward) or the gradient (backward, from Upstream).</summary>
    public ArrayView<float> Mu, Noise, Times, Upstream, Result;
    public ContinuousFlow Flow;
    public int RowLength;
}

public struct FlowUpdateArgs
{
    /// <summary>μ and x̂ [n]; out: the updated μ.</summary>
    public ArrayView<float> Mu, Prediction, Result;
    public float Precision, Accuracy;
    public ulong Seed, Offset;
}

/// <summary>
/// Bayesian Flow Networks for continuous data (Graves et al. 2023, §4), device and host forms side by
/// side over the same per-element functions:
/// <code>
/// FlowSample  μ[i] = γ·x[i] + √(γ(1 − γ))·ε[i],  γ = 1 − σ₁^(2t_b): the Bayesian flow distribution p_F(μ | x; t)
/// Output      x̂[i] = clamp(μ[i]/γ − √((1 − γ)/γ)·ε̂[i], ±clip) (0 for t &lt; t_min); backward
///             ∂x̂/∂ε̂ = −√((1 − γ)/γ) where the clamp left x̂ alone, else 0
/// Update      y = x̂ + z/√α, μ' = (ρ·μ + α·y)/(ρ + α): one Bayesian update of the sampler (Algorithm 3)
/// </code>
/// ε and z are the values Ops.Normal draws from the same generator state; b = i / RowLength.
/// </summary>
public static class BayesianFlowKernels
{
    public static float FlowSample(float x, float gamma, float noise) => gamma * x + MathF.Sqrt(gamma * (1f - gamma)) * noise;

    public static float Update(float mu, float prediction, float z, float precision, float accuracy) =>
        (precision * mu + accuracy * (prediction + z / MathF.Sqrt(accuracy))) / (precision + accuracy);

    public static float OutputGradient(float upstream, float mu, float noise, float t, in ContinuousFlow flow)
    {
        flow.Output(mu, noise, t, out bool inside);
        return inside ? upstream * flow.NoiseWeight(t) : 0f;
    }

    private static float StandardNormal(int i, ulong seed, ulong offset) => new NormalDistribution(0f, 1f).Sample(Philox.ForElement(i, seed, offset));

    // ---- device: one thread per element

    public static void FlowSampleDevice(Index1D i, FlowSampleArgs a) =>
        a.Mu[i] = FlowSample(a.X[i], a.Flow.Gamma(a.Times[i / a.RowLength]), StandardNormal(i, a.Seed, a.Offset));

    public static void OutputDevice(Index1D i, FlowOutputArgs a) =>
        a.Result[i] = a.Flow.Output(a.Mu[i], a.Noise[i], a.Times[i / a.RowLength], out _);

    public static void OutputBackwardDevice(Index1D i, FlowOutputArgs a) =>
        a.Result[i] = OutputGradient(a.Upstream[i], a.Mu[i], a.Noise[i], a.Times[i / a.RowLength], a.Flow);

    public static void UpdateDevice(Index1D i, FlowUpdateArgs a) =>
        a.Result[i] = Update(a.Mu[i], a.Prediction[i], StandardNormal(i, a.Seed, a.Offset), a.Precision, a.Accuracy);

    // ---- host: rows (or chunks) over the cores, the normals 16 at a time

    public static void FlowSampleHost(ArraySegment<float> x, ArraySegment<float> times, ArraySegment<float> mu, ContinuousFlow flow, int rowLength, ulong seed, ulong offset) =>
        HostParallel.For(x.Count / rowLength, (x, times, mu, flow, rowLength, seed, offset), static (start, count, s) =>
        {
            RandomHost.Fill(new NormalDistribution(0f, 1f), s.mu.AsSpan(start * s.rowLength, count * s.rowLength), start * s.rowLength, s.seed, s.offset);
            for (int row = start; row < start + count; row++)
            {
                float gamma = s.flow.Gamma(s.times[row]);
                var xs = s.x.AsSpan(row * s.rowLength, s.rowLength);
                var y = s.mu.AsSpan(row * s.rowLength, s.rowLength);
                for (int d = 0; d < y.Length; d++) y[d] = FlowSample(xs[d], gamma, y[d]);
            }
        }, elementsPerItem: 8L * rowLength);

    public static void OutputHost(ArraySegment<float> mu, ArraySegment<float> noise, ArraySegment<float> times, ArraySegment<float> upstream, ArraySegment<float> result,
        ContinuousFlow flow, int rowLength, bool backward) =>
        HostParallel.For(mu.Count / rowLength, (mu, noise, times, upstream, result, flow, rowLength, backward), static (start, count, s) =>
        {
            for (int row = start; row < start + count; row++)
            {
                float t = s.times[row];
                int first = row * s.rowLength;
                for (int d = first; d < first + s.rowLength; d++)
                    s.result[d] = s.backward ? OutputGradient(s.upstream[d], s.mu[d], s.noise[d], t, s.flow) : s.flow.Output(s.mu[d], s.noise[d], t, out _);
            }
        }, elementsPerItem: 4L * rowLength);

    public static void UpdateHost(ArraySegment<float> mu, ArraySegment<float> prediction, ArraySegment<float> result, float precision, float accuracy, ulong seed, ulong offset) =>
        HostParallel.For(result.Count, (mu, prediction, result, precision, accuracy, seed, offset), static (start, count, s) =>
        {
            var y = s.result.AsSpan(start, count);
            RandomHost.Fill(new NormalDistribution(0f, 1f), y, start, s.seed, s.offset); // z first, into the output
            var m = s.mu.AsSpan(start, count);
            var p = s.prediction.AsSpan(start, count);
            for (int i = 0; i < y.Length; i++) y[i] = Update(m[i], p[i], y[i], s.precision, s.accuracy);
        }, elementsPerItem: 8);
}
