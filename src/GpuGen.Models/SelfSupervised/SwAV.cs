using GpuGen.Nn;

namespace GpuGen.Models.SelfSupervised;

/// <summary>
/// SwAV (Caron et al. 2020): embeddings z (normalised) are scored against K prototypes c_k (normalised
/// rows of a trained matrix C), S = Z·Cᵀ; each view's codes Q are S equalised over the prototypes by
/// Sinkhorn–Knopp (every prototype gets 1/K of the batch, so the assignment cannot collapse onto one), and
/// each view predicts the other's codes — the swapped prediction
/// <code>loss = −(1/2N)·Σ_i [q_b,i · log softmax(s_a,i/τ) + q_a,i · log softmax(s_b,i/τ)]</code>
/// with τ = 0.1, ε = 0.05 and 3 Sinkhorn iterations, as the paper.
/// </summary>
public sealed class SwAV : JointEmbedding
{
    public const float Epsilon = 0.05f;
    public const int SinkhornIterations = 3;

    public SwAV(JointEmbeddingSettings settings, Generator generator, Device device) : base(settings with { Method = JointEmbeddingMethod.SwAV }, generator, device)
    {
        Projector = AddModule("projector", Encoders.Head(Encoders.RepresentationDim, Encoders.RepresentationDim, settings.ProjectionDim, generator, device));
        PrototypeModule = AddModule("prototypes", new Linear(settings.ProjectionDim, settings.Prototypes, generator, device, bias: false));
        NormalizePrototypes();
    }

    public Sequential Projector { get; }
    /// <summary>The prototypes C [K, d] as a bias-free Linear: its weight's rows.</summary>
    public Linear PrototypeModule { get; }

    protected override Tensor PairLoss(Tensor a, Tensor b)
    {
        var sa = PrototypeModule.Forward(Normalize(Projector.Forward(Represent(a))));    // [N, K]
        var sb = PrototypeModule.Forward(Normalize(Projector.Forward(Represent(b))));
        Tensor qa, qb;
        using (Autograd.NoGrad())
        {
            qa = Sinkhorn(sa, Epsilon, SinkhornIterations);
            qb = Sinkhorn(sb, Epsilon, SinkhornIterations);
        }
        float tau = Settings.Temperature;
        var swapped = Ops.Add(Ops.Sum(Ops.Mul(qb, Ops.LogSoftmax(Ops.Div(sa, tau), 1)), 1), Ops.Sum(Ops.Mul(qa, Ops.LogSoftmax(Ops.Div(sb, tau), 1)), 1));
        return Ops.Neg(Ops.Div(Ops.Mean(swapped), 2f));
    }

    /// <summary>
    /// Sinkhorn–Knopp on scores [N, K]: Q = exp(S/ε) (shifted by the largest score), then alternately
    /// each prototype's column scaled to total 1/K and each sample's row to 1/N; returned ×N, so each row
    /// is a distribution over prototypes.
    /// </summary>
    public static Tensor Sinkhorn(Tensor scores, float epsilon, int iterations)
    {
        int n = scores.Shape[0], k = scores.Shape[1];
        var q = Ops.Exp(Ops.Div(Ops.Sub(scores, Ops.Max(scores)), epsilon));
        q = Ops.Div(q, Ops.Sum(q));
        for (int i = 0; i < iterations; i++)
        {
            q = Ops.Div(q, Ops.Mul(Ops.Sum(q, 0, keepDim: true), k));
            q = Ops.Div(q, Ops.Mul(Ops.Sum(q, 1, keepDim: true), n));
        }
        return Ops.Mul(q, n);
    }

    /// <summary>After each step (and at the start), the prototypes back to unit length.</summary>
    public override void AfterStep() => NormalizePrototypes();

    private void NormalizePrototypes()
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        Ops.Copy(Normalize(PrototypeModule.Weight), PrototypeModule.Weight);
    }
}
