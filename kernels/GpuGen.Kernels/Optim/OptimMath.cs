using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GpuGen.Kernels.Optim;

/// <summary>
/// Adam's hyper-parameters for one step t (Kingma &amp; Ba 2015; AdamW: Loshchilov &amp; Hutter 2019):
/// g' = g + λ·p (Adam's L2 term; AdamW instead decays p ← p·(1 − η·λ)),
/// m ← β₁m + (1 − β₁)g', v ← β₂v + (1 − β₂)g'², p ← p − η·(m/c₁)/(√(v/c₂) + ε) with c = 1 − βᵗ.
/// </summary>
public struct AdamHyper
{
    public float LearningRate, Beta1, Beta2, Eps, WeightDecay;
    /// <summary>1 for AdamW (decoupled weight decay), 0 for Adam (L2 added to the gradient).</summary>
    public int Decoupled;
    /// <summary>Bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ for this step.</summary>
    public float Correction1, Correction2;
}

/// <summary>
/// SGD (PyTorch's semantics): g' = g + λp; with momentum μ, b ← g' on the first step, else
/// b ← μb + (1 − dampening)g'; the step is b, or g' + μb with Nesterov; p ← p − η·step.
/// </summary>
public struct SgdHyper
{
    public float LearningRate, Momentum, Dampening, WeightDecay;
    public int Nesterov, FirstStep;
}

/// <summary>The per-element updates, shared by the device kernels and the host loops' scalar tails.</summary>
public static class OptimMath
{
    public static void Adam(ref float p, float g, ref float m, ref float v, in AdamHyper h)
    {
        if (h.Decoupled != 0) p *= 1f - h.LearningRate * h.WeightDecay;
        else g += h.WeightDecay * p;
        m = h.Beta1 * m + (1f - h.Beta1) * g;
        v = h.Beta2 * v + (1f - h.Beta2) * g * g;
        p -= h.LearningRate * (m / h.Correction1) / (MathF.Sqrt(v / h.Correction2) + h.Eps);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Adam(ref Vector512<float> p, Vector512<float> g, ref Vector512<float> m, ref Vector512<float> v, in AdamHyper h)
    {
        if (h.Decoupled != 0) p *= Vector512.Create(1f - h.LearningRate * h.WeightDecay);
        else g += Vector512.Create(h.WeightDecay) * p;
        m = Vector512.Create(h.Beta1) * m + Vector512.Create(1f - h.Beta1) * g;
        v = Vector512.Create(h.Beta2) * v + Vector512.Create(1f - h.Beta2) * g * g;
        p -= Vector512.Create(h.LearningRate) * (m / Vector512.Create(h.Correction1))
             / (Vector512.Sqrt(v / Vector512.Create(h.Correction2)) + Vector512.Create(h.Eps));
    }

    public static void Sgd(ref float p, float g, ref float buffer, in SgdHyper h)
    {
        g += h.WeightDecay * p;
        float step = g;
        if (h.Momentum != 0f)
        {
            buffer = h.FirstStep != 0 ? g : h.Momentum * buffer + (1f - h.Dampening) * g;
            step = h.Nesterov != 0 ? g + h.Momentum * buffer : buffer;
        }
        p -= h.LearningRate * step;
    }
}
