using GpuGen.Nn;

namespace GpuGen.Models.SelfSupervised;

/// <summary>
/// A joint-embedding model (LeCun's lecture: two views of one image should embed alike, without the
/// embeddings collapsing): an encoder whose output is the representation, heads that only the loss sees,
/// and the method's loss on views. With more than two views the loss is the mean over every pair.
/// Methods with a momentum network or a queue (MoCo, BYOL) or normalised prototypes (SwAV) update them in
/// <see cref="AfterStep"/>, after the optimizer's step; <see cref="TrainedParameters"/> are what the
/// optimizer moves (not a momentum network's copies).
/// </summary>
public abstract class JointEmbedding : Module
{
    protected JointEmbedding(JointEmbeddingSettings settings, Generator generator, Device device)
    {
        if (settings.Problem() is { } problem) throw new GpuGenException(problem, isUsageError: true);
        Settings = settings;
        Device = device;
        Encoder = AddModule("encoder", Encoders.Create(settings.Encoder, generator, device));
    }

    public JointEmbeddingSettings Settings { get; }
    public Device Device { get; }
    public string Name => Settings.Name;
    public Sequential Encoder { get; }

    /// <summary>The representation [N, 512] of images [N, 784]: what the probes score.</summary>
    public Tensor Represent(Tensor x) => Encoder.Forward(x);

    public override Tensor Forward(Tensor x) => Represent(x);

    /// <summary>The loss of one step: the mean of <see cref="PairLoss"/> over every pair of views.</summary>
    public Tensor Loss(IReadOnlyList<Tensor> views)
    {
        if (views.Count < 2) throw new GpuGenException($"{Name}: needs at least two views of each image, got {views.Count}", isUsageError: true);
        int batch = views[0].Shape[0];
        if (batch < 2) throw new GpuGenException($"{Name}: a batch of {batch} image has no other image to contrast with (and no variance); use a batch of at least 2", isUsageError: true);
        if (views.Any(v => v.Shape != views[0].Shape)) throw new ShapeMismatchException($"{Name}: views of different shapes");
        Tensor? total = null;
        int pairs = 0;
        for (int a = 0; a < views.Count; a++)
            for (int b = a + 1; b < views.Count; b++, pairs++)
            {
                var loss = PairLoss(views[a], views[b]);
                total = total is null ? loss : Ops.Add(total, loss);
            }
        return pairs == 1 ? total! : Ops.Div(total!, pairs);
    }

    /// <summary>The method's loss for two views of the same images, a scalar.</summary>
    protected abstract Tensor PairLoss(Tensor a, Tensor b);

    /// <summary>After each optimizer step: momentum networks, queues, prototype normalisation.</summary>
    public virtual void AfterStep() { }

    /// <summary>The parameters the optimizer trains.</summary>
    public virtual IEnumerable<(string Name, Tensor Parameter)> TrainedParameters() => NamedParameters();

    /// <summary>Rows scaled to unit length: z·(‖z‖² + 10⁻¹²)^−½.</summary>
    public static Tensor Normalize(Tensor z) => Ops.Mul(z, Ops.Rsqrt(Ops.Add(Ops.Sum(Ops.Square(z), 1, keepDim: true), 1e-12f)));
}
