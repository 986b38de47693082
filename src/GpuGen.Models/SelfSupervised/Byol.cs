using GpuGen.Nn;

namespace GpuGen.Models.SelfSupervised;

/// <summary>
/// BYOL (Grill et al. 2020): an online network (encoder, projector, predictor q) learns to predict a
/// target network's projection of the other view; the target is the online encoder and projector's
/// momentum copy, and there are no negatives. With p = q(g(f(a))) and t = g′(f′(b)), both normalised,
/// <code>loss = (2 − 2·p_a·t_b) + (2 − 2·p_b·t_a), averaged over the batch</code>
/// (the symmetrised loss of the paper). The predictor and the stop-gradient keep it from collapsing.
/// </summary>
public sealed class Byol : JointEmbedding
{
    public Byol(JointEmbeddingSettings settings, Generator generator, Device device) : base(settings with { Method = JointEmbeddingMethod.Byol }, generator, device)
    {
        int d = settings.ProjectionDim, hidden = Encoders.RepresentationDim;
        Projector = AddModule("projector", Encoders.Head(Encoders.RepresentationDim, hidden, d, generator, device));
        Predictor = AddModule("predictor", Encoders.Head(d, hidden, d, generator, device));
        TargetEncoder = AddModule("target_encoder", Encoders.Create(settings.Encoder, generator, device));
        TargetProjector = AddModule("target_projector", Encoders.Head(Encoders.RepresentationDim, hidden, d, generator, device));
        MomentumNetwork.CopyInto(Encoder, TargetEncoder);
        MomentumNetwork.CopyInto(Projector, TargetProjector);
    }

    public Sequential Projector { get; }
    public Sequential Predictor { get; }
    public Sequential TargetEncoder { get; }
    public Sequential TargetProjector { get; }

    protected override Tensor PairLoss(Tensor a, Tensor b)
    {
        var pa = Normalize(Predictor.Forward(Projector.Forward(Represent(a))));
        var pb = Normalize(Predictor.Forward(Projector.Forward(Represent(b))));
        Tensor ta, tb;
        using (Autograd.NoGrad())
        {
            ta = Normalize(TargetProjector.Forward(TargetEncoder.Forward(a)));
            tb = Normalize(TargetProjector.Forward(TargetEncoder.Forward(b)));
        }
        var agreement = Ops.Add(Ops.Sum(Ops.Mul(pa, tb), 1), Ops.Sum(Ops.Mul(pb, ta), 1)); // [N]
        return Ops.Sub(4f, Ops.Mul(Ops.Mean(agreement), 2f));
    }

    public override void AfterStep()
    {
        MomentumNetwork.Update(Encoder, TargetEncoder, Settings.Momentum);
        MomentumNetwork.Update(Projector, TargetProjector, Settings.Momentum);
    }

    public override IEnumerable<(string Name, Tensor Parameter)> TrainedParameters() =>
        NamedParameters().Where(p => !p.Path.StartsWith("target_", StringComparison.Ordinal));
}
