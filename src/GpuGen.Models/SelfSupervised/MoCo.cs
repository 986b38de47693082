using GpuGen.Nn;

namespace GpuGen.Models.SelfSupervised;

/// <summary>
/// MoCo (He et al. 2020; v2's projector): a query network (encoder and projector, trained) and a key
/// network, its momentum copy; a queue of K earlier keys supplies the negatives, so their number does not
/// depend on the batch. For a query q (view a) and its key k⁺ (view b, from the key network, normalised):
/// <code>ℓ = −log exp(q·k⁺/τ) / (exp(q·k⁺/τ) + Σ_{k∈queue} exp(q·k/τ)),</code>
/// then the batch's keys replace the queue's oldest. The queue and its write position are buffers, so a
/// checkpoint keeps them.
/// </summary>
public sealed class MoCo : JointEmbedding
{
    private readonly List<Tensor> _pendingKeys = [];
    private int _pointer = -1; // read from the buffer at first use (a loaded checkpoint sets the buffer)

    public MoCo(JointEmbeddingSettings settings, Generator generator, Device device) : base(settings with { Method = JointEmbeddingMethod.MoCo }, generator, device)
    {
        Projector = AddModule("projector", Encoders.Head(Encoders.RepresentationDim, Encoders.RepresentationDim, settings.ProjectionDim, generator, device));
        KeyEncoder = AddModule("key_encoder", Encoders.Create(settings.Encoder, generator, device));
        KeyProjector = AddModule("key_projector", Encoders.Head(Encoders.RepresentationDim, Encoders.RepresentationDim, settings.ProjectionDim, generator, device));
        MomentumNetwork.CopyInto(Encoder, KeyEncoder);
        MomentumNetwork.CopyInto(Projector, KeyProjector);
        using (var scope = new TensorScope())
        using (Autograd.NoGrad())
        {
            var queue = Normalize(Ops.Normal(Shape.Of(settings.QueueSize, settings.ProjectionDim), generator, device));
            scope.Keep(queue);
            Queue = AddBuffer("queue", queue);
        }
        QueuePointer = AddBuffer("queue_pointer", Tensor.Zeros(Shape.Of(1), device));
    }

    public Sequential Projector { get; }
    public Sequential KeyEncoder { get; }
    public Sequential KeyProjector { get; }
    /// <summary>[K, d] normalised keys, the negatives.</summary>
    public Tensor Queue { get; }
    /// <summary>[1]: the row the next key is written to.</summary>
    public Tensor QueuePointer { get; }

    protected override Tensor PairLoss(Tensor a, Tensor b)
    {
        var q = Normalize(Projector.Forward(Represent(a)));                               // [N, d]
        Tensor k;
        using (Autograd.NoGrad()) k = Normalize(KeyProjector.Forward(KeyEncoder.Forward(b)));
        if (Training) _pendingKeys.Add(k); // enqueued after the step: the loss's backward still reads the queue
        var positive = Ops.Sum(Ops.Mul(q, k), 1, keepDim: true);                          // [N, 1]
        var negatives = Ops.MatMul(q, Queue, transB: true);                               // [N, K]
        var logits = Ops.Div(Ops.Concat([positive, negatives], 1), Settings.Temperature);
        return Ops.Mean(Ops.Sub(Ops.LogSumExp(logits, 1), Ops.Div(positive.Reshape(-1), Settings.Temperature)));
    }

    public override void AfterStep()
    {
        MomentumNetwork.Update(Encoder, KeyEncoder, Settings.Momentum);
        MomentumNetwork.Update(Projector, KeyProjector, Settings.Momentum);
        if (_pointer < 0) _pointer = (int)QueuePointer.Item();
        using var noGrad = Autograd.NoGrad();
        int size = Queue.Shape[0];
        foreach (var keys in _pendingKeys)
            for (int done = 0; done < keys.Shape[0];)
            {
                int count = Math.Min(keys.Shape[0] - done, size - _pointer);
                using (var from = keys.Slice(done, count))
                using (var to = Queue.Slice(_pointer, count))
                    Ops.Copy(from, to);
                done += count;
                _pointer = (_pointer + count) % size;
            }
        _pendingKeys.Clear();
        Ops.Fill(QueuePointer, _pointer);
    }

    public override IEnumerable<(string Name, Tensor Parameter)> TrainedParameters() =>
        NamedParameters().Where(p => !p.Path.StartsWith("key_", StringComparison.Ordinal));
}
