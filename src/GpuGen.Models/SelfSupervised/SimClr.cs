namespace GpuGen.Models.SelfSupervised;

/// <summary>
/// SimCLR (Chen et al. 2020): the encoder and a projector g; for N images, two views give 2N embeddings
/// z = g(f(x))/‖·‖, and each one's positive is the other view of its image while the 2N − 2 others are its
/// negatives: the NT-Xent (normalised temperature-scaled cross-entropy, InfoNCE) loss
/// <code>ℓ_i = −log exp(z_i·z_p(i)/τ) / Σ_{k≠i} exp(z_i·z_k/τ),  loss = mean over the 2N embeddings.</code>
/// </summary>
public sealed class SimClr : JointEmbedding
{
    private readonly SelfMask _mask = new();

    public SimClr(JointEmbeddingSettings settings, Generator generator, Device device) : base(settings with { Method = JointEmbeddingMethod.SimClr }, generator, device) =>
        Projector = AddModule("projector", Encoders.Head(Encoders.RepresentationDim, Encoders.RepresentationDim, settings.ProjectionDim, generator, device));

    public GpuGen.Nn.Sequential Projector { get; }

    protected override Tensor PairLoss(Tensor a, Tensor b) =>
        NtXent(Projector.Forward(Represent(a)), Projector.Forward(Represent(b)), Settings.Temperature, _mask);

    /// <summary>
    /// NT-Xent of two batches of embeddings [N, d] (row i of each from the same image), normalised here.
    /// The similarities S = Z·Zᵀ/τ of Z = [z_a; z_b] with the diagonal pushed to −10⁹ (a sample is not its
    /// own negative); the positive logit of row i is z_a,i·z_b,i/τ in both halves.
    /// </summary>
    public static Tensor NtXent(Tensor za, Tensor zb, float temperature, SelfMask mask)
    {
        var z = Normalize(Ops.Concat([za, zb], 0));                                       // [2N, d]
        var logits = Ops.Add(Ops.Div(Ops.MatMul(z, z, transB: true), temperature), mask.For(z.Shape[0], z.Device)); // [2N, 2N]
        int n = za.Shape[0];
        var positive = Ops.Div(Ops.Sum(Ops.Mul(Ops.Narrow(z, 0, 0, n), Ops.Narrow(z, 0, n, n)), 1), temperature); // [N]
        var positives = Ops.Concat([positive, positive], 0);                             // [2N]: the pair's logit, from both sides
        return Ops.Mean(Ops.Sub(Ops.LogSumExp(logits, 1), positives));
    }

    protected override void DisposeExtras() => _mask.Dispose();
}

/// <summary>A [n, n] matrix, −10⁹ on the diagonal and 0 elsewhere, made once per size and device and kept.</summary>
public sealed class SelfMask : IDisposable
{
    private Tensor? _mask;

    public Tensor For(int n, Device device)
    {
        if (_mask is { } m && m.Shape[0] == n && m.Device == device) return m;
        _mask?.Dispose();
        var values = new float[n * n];
        for (int i = 0; i < n; i++) values[i * n + i] = -1e9f;
        _mask = Tensor.FromArray(values, Shape.Of(n, n), device);
        TensorScope.Release(_mask); // this cache owns it, not the step that asked first
        return _mask;
    }

    public void Dispose()
    {
        _mask?.Dispose();
        _mask = null;
    }
}
