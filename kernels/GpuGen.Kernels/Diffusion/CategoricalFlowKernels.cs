using GpuGen.Kernels.Host;
using GpuGen.Kernels.Random;
using ILGPU;

namespace GpuGen.Kernels.Diffusion;

public struct CategoricalEvidenceArgs
{
    /// <summary>The classes [B, D] (indices as floats), the accuracy of each example [B]; out: the evidence [B, K, D].</summary>
    public ArrayView<float> Classes, Accuracy, Result;
    public int Variables, ClassCount;
    public ulong Seed, Offset;
}

public struct CategoricalUpdateArgs
{
    /// <summary>The input distribution's logits and the output distribution's probabilities [N, K, D]; out: the updated logits.</summary>
    public ArrayView<float> Logits, Probability, Result;
    public int Variables, ClassCount;
    public float Accuracy;
    public ulong Seed, Offset;
}

/// <summary>
/// Bayesian Flow Networks for discrete data with K classes (Graves et al. 2023, §6), device and host forms
/// side by side. Tensors are laid out as K planes of the D variables, [B, K, D] (the networks' channels), and
/// the input distribution θ is held as logits (θ = softmax over the K planes; the uniform prior is 0). The
/// sender's sample for class x at accuracy a is y ~ N(a(K·e_x − 1), aK·I), and a Bayesian update is
/// θ' ∝ e^y·θ, that is logits' = logits + y. So:
/// <code>
/// Evidence  y[b, k, d] = a_b·(K·[k = x_bd] − 1) + √(a_b·K)·ε[b, k, d]: for a = β(t) = β₁t² the flow
///           distribution's logits at t (the update of the uniform prior), for a = α_i the sender's sample of step i
/// Update    per variable: k* ~ Categorical(p[·, d]) (a uniform from the first word of the block of element
///           (b, 0, d)), then for each k: logits'[b, k, d] = logits[b, k, d] + α(K·[k = k*] − 1) + √(αK)·ε,
///           ε by Box–Muller on the second and third words of element (b, k, d)'s block: one step of the sampler
/// </code>
/// Evidence's ε is Ops.Normal's draw from the same generator state. With K = 2 the difference of the two
/// planes is <see cref="BinaryFlowKernels"/>' logit.
/// </summary>
public static class CategoricalFlowKernels
{
    public static float Evidence(bool isClass, float accuracy, int classes, float noise) =>
        accuracy * (isClass ? classes - 1f : -1f) + MathF.Sqrt(accuracy * classes) * noise;

    /// <summary>The class drawn for a uniform u from the probabilities at <paramref name="first"/>, stride
    /// <paramref name="stride"/> (the last class takes what rounding leaves).</summary>
    public static int Draw(ArrayView<float> probability, int first, int stride, int classes, float u)
    {
        float cumulative = 0f;
        for (int k = 0; k < classes - 1; k++)
        {
            cumulative += probability[first + k * stride];
            if (u < cumulative) return k;
        }
        return classes - 1;
    }

    public static float Normal(UInt4 bits) =>
        MathF.Sqrt(-2f * MathF.Log(Philox.ToUniformNonZero(bits.Y))) * MathF.Cos(6.2831853071795865f * Philox.ToUniform(bits.Z));

    // ---- device: evidence one thread per element, update one thread per variable

    public static void EvidenceDevice(Index1D i, CategoricalEvidenceArgs a)
    {
        int perExample = a.ClassCount * a.Variables;
        int b = i / perExample, k = i % perExample / a.Variables, d = i % a.Variables;
        bool isClass = (int)a.Classes[b * a.Variables + d] == k;
        a.Result[i] = Evidence(isClass, a.Accuracy[b], a.ClassCount, new NormalDistribution(0f, 1f).Sample(Philox.ForElement(i, a.Seed, a.Offset)));
    }

    public static void UpdateDevice(Index1D v, CategoricalUpdateArgs a)
    {
        int b = v / a.Variables, d = v % a.Variables;
        int first = b * a.ClassCount * a.Variables + d;
        int drawn = Draw(a.Probability, first, a.Variables, a.ClassCount, Philox.ToUniform(Philox.ForElement(first, a.Seed, a.Offset).X));
        for (int k = 0; k < a.ClassCount; k++)
        {
            int i = first + k * a.Variables;
            a.Result[i] = a.Logits[i] + Evidence(k == drawn, a.Accuracy, a.ClassCount, Normal(Philox.ForElement(i, a.Seed, a.Offset)));
        }
    }

    // ---- host

    public static void EvidenceHost(ArraySegment<float> classes, ArraySegment<float> accuracy, ArraySegment<float> result, int variables, int classCount, ulong seed, ulong offset) =>
        HostParallel.For(accuracy.Count, (classes, accuracy, result, variables, classCount, seed, offset), static (start, count, s) =>
        {
            int perExample = s.classCount * s.variables;
            RandomHost.Fill(new NormalDistribution(0f, 1f), s.result.AsSpan(start * perExample, count * perExample), start * perExample, s.seed, s.offset);
            for (int b = start; b < start + count; b++)
            {
                float a = s.accuracy[b];
                var x = s.classes.AsSpan(b * s.variables, s.variables);
                for (int k = 0; k < s.classCount; k++)
                {
                    var y = s.result.AsSpan(b * perExample + k * s.variables, s.variables);
                    for (int d = 0; d < y.Length; d++) y[d] = Evidence((int)x[d] == k, a, s.classCount, y[d]);
                }
            }
        }, elementsPerItem: 8L * classes.Count / Math.Max(1, accuracy.Count) * classCount);

    public static void UpdateHost(ArraySegment<float> logits, ArraySegment<float> probability, ArraySegment<float> result, int variables, int classCount, float accuracy, ulong seed, ulong offset) =>
        HostParallel.For(logits.Count / classCount, (logits, probability, result, variables, classCount, accuracy, seed, offset), static (start, count, s) =>
        {
            var p = s.probability.AsSpan();
            for (int v = start; v < start + count; v++)
            {
                int b = v / s.variables, d = v % s.variables;
                int first = b * s.classCount * s.variables + d;
                float u = Philox.ToUniform(Philox.ForElement(first, s.seed, s.offset).X), cumulative = 0f;
                int drawn = s.classCount - 1;
                for (int k = 0; k < s.classCount - 1; k++)
                {
                    cumulative += p[first + k * s.variables];
                    if (u < cumulative) { drawn = k; break; }
                }
                for (int k = 0; k < s.classCount; k++)
                {
                    int i = first + k * s.variables;
                    s.result[i] = s.logits[i] + Evidence(k == drawn, s.accuracy, s.classCount, Normal(Philox.ForElement(i, s.seed, s.offset)));
                }
            }
        }, elementsPerItem: 16L * classCount);
}
