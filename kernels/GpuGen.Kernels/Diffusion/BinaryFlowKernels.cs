using GpuGen.Kernels.Host;
using GpuGen.Kernels.Random;
using ILGPU;

namespace GpuGen.Kernels.Diffusion;

public struct BinaryEvidenceArgs
{
    /// <summary>x [B, RowLength] in {0, 1}, the accuracy of each row [B]; out: the evidence logits [B, RowLength].</summary>
    public ArrayView<float> X, Accuracy, Result;
    public int RowLength;
    public ulong Seed, Offset;
}

public struct BinaryUpdateArgs
{
    /// <summary>The input distribution's logits λ and the output distribution's p(1) [n]; out: λ'.</summary>
    public ArrayView<float> Logits, Probability, Result;
    public float Accuracy;
    public ulong Seed, Offset;
}

/// <summary>
/// Bayesian Flow Networks for binary data (Graves et al. 2023, §6 with K = 2), device and host forms side
/// by side. With two classes a categorical input distribution is one logit λ = ln(θ₁/θ₀), the sender's
/// sample y ~ N(α(K·e_x − 1), αK·I) matters only through d = y₁ − y₀ ~ N(2α(2x − 1), 4α), and a Bayesian
/// update is λ' = λ + d (θ' ∝ e^y·θ). So:
/// <code>
/// Evidence  d[i] = 2a_b·(2x[i] − 1) + 2√a_b·ε[i]: for a = β(t) = β₁t² the flow distribution's logit
///           (θ = σ(d), the update of the uniform prior), for a = α_i the sender's sample of step i
/// Update    k ~ Bernoulli(p[i]) (a uniform from the block's first word), d = 2α(2k − 1) + 2√α·ε
///           (Box–Muller on its second and third), λ'[i] = λ[i] + d: one step of the sampler (Algorithm 9)
/// </code>
/// Evidence's ε is Ops.Normal's draw from the same generator state.
/// </summary>
public static class BinaryFlowKernels
{
    public static float Evidence(float x, float accuracy, float noise) =>
        2f * accuracy * (2f * x - 1f) + 2f * MathF.Sqrt(accuracy) * noise;

    /// <summary>λ + d for a class drawn from p and a normal, both from one Philox block.</summary>
    public static float Update(float logit, float probability, float accuracy, UInt4 bits)
    {
        float k = Philox.ToUniform(bits.X) < probability ? 1f : 0f;
        float radius = MathF.Sqrt(-2f * MathF.Log(Philox.ToUniformNonZero(bits.Y)));
        float noise = radius * MathF.Cos(6.2831853071795865f * Philox.ToUniform(bits.Z));
        return logit + Evidence(k, accuracy, noise);
    }

    // ---- device: one thread per element

    public static void EvidenceDevice(Index1D i, BinaryEvidenceArgs a) =>
        a.Result[i] = Evidence(a.X[i], a.Accuracy[i / a.RowLength], new NormalDistribution(0f, 1f).Sample(Philox.ForElement(i, a.Seed, a.Offset)));

    public static void UpdateDevice(Index1D i, BinaryUpdateArgs a) =>
        a.Result[i] = Update(a.Logits[i], a.Probability[i], a.Accuracy, Philox.ForElement(i, a.Seed, a.Offset));

    // ---- host

    public static void EvidenceHost(ArraySegment<float> x, ArraySegment<float> accuracy, ArraySegment<float> result, int rowLength, ulong seed, ulong offset) =>
        HostParallel.For(x.Count / rowLength, (x, accuracy, result, rowLength, seed, offset), static (start, count, s) =>
        {
            RandomHost.Fill(new NormalDistribution(0f, 1f), s.result.AsSpan(start * s.rowLength, count * s.rowLength), start * s.rowLength, s.seed, s.offset);
            for (int row = start; row < start + count; row++)
            {
                float a = s.accuracy[row];
                var xs = s.x.AsSpan(row * s.rowLength, s.rowLength);
                var y = s.result.AsSpan(row * s.rowLength, s.rowLength);
                for (int d = 0; d < y.Length; d++) y[d] = Evidence(xs[d], a, y[d]);
            }
        }, elementsPerItem: 8L * rowLength);

    public static void UpdateHost(ArraySegment<float> logits, ArraySegment<float> probability, ArraySegment<float> result, float accuracy, ulong seed, ulong offset) =>
        HostParallel.For(result.Count, (logits, probability, result, accuracy, seed, offset), static (start, count, s) =>
        {
            for (int i = start; i < start + count; i++)
                s.result[i] = Update(s.logits[i], s.probability[i], s.accuracy, Philox.ForElement(i, s.seed, s.offset));
        }, elementsPerItem: 16);
}
