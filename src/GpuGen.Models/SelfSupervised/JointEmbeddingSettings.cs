using System.Globalization;

namespace GpuGen.Models.SelfSupervised;

/// <summary>The joint-embedding methods.</summary>
public enum JointEmbeddingMethod { SimClr, MoCo, VicReg, Byol, SwAV }

/// <summary>
/// A joint-embedding model's settings: the method, its encoder, the views per image and each method's
/// own constants (defaults as the papers, scaled to the embedded digits), written into every checkpoint
/// so that <c>gpugen eval</c> rebuilds the same model.
/// </summary>
public sealed record JointEmbeddingSettings
{
    public JointEmbeddingMethod Method { get; init; }
    public EncoderKind Encoder { get; init; } = EncoderKind.Mlp;
    /// <summary>Views of each image per step (≥ 2); the loss is the mean over pairs of views.</summary>
    public int Views { get; init; } = 2;
    /// <summary>τ of SimCLR's NT-Xent and MoCo's InfoNCE (0.5 and 0.2 in their papers' best runs), and SwAV's
    /// softmax temperature (0.1).</summary>
    public float Temperature { get; init; } = 0.5f;
    /// <summary>Width of the projector's output (SimCLR, MoCo, BYOL, SwAV: 128; VICReg's expander: 1024).</summary>
    public int ProjectionDim { get; init; } = 128;
    /// <summary>MoCo: negatives kept in the queue (the paper's 65,536 is more than the embedded split holds).</summary>
    public int QueueSize { get; init; } = 4096;
    /// <summary>MoCo and BYOL: the EMA decay of the key/target network (MoCo 0.999, BYOL 0.996, on far longer runs).</summary>
    public float Momentum { get; init; } = 0.99f;
    /// <summary>SwAV: the number of prototypes (3,000 for ImageNet; a few per class here).</summary>
    public int Prototypes { get; init; } = 30;
    /// <summary>VICReg's weights λ (invariance), μ (variance) and ν (covariance): 25, 25, 1 as its paper.</summary>
    public float Invariance { get; init; } = 25f;
    public float Variance { get; init; } = 25f;
    public float Covariance { get; init; } = 1f;

    public static readonly IReadOnlyDictionary<string, JointEmbeddingMethod> Names = new Dictionary<string, JointEmbeddingMethod>
    {
        ["simclr"] = JointEmbeddingMethod.SimClr, ["moco"] = JointEmbeddingMethod.MoCo, ["vicreg"] = JointEmbeddingMethod.VicReg,
        ["byol"] = JointEmbeddingMethod.Byol, ["swav"] = JointEmbeddingMethod.SwAV,
    };

    public static string NameOf(JointEmbeddingMethod method) => Names.First(p => p.Value == method).Key;

    public string Name => NameOf(Method);

    /// <summary>The method's defaults: τ 0.5 (SimCLR), 0.2 (MoCo), 0.1 (SwAV); VICReg's 1024-wide expander.</summary>
    public static JointEmbeddingSettings For(JointEmbeddingMethod method) => new()
    {
        Method = method,
        Temperature = method switch { JointEmbeddingMethod.MoCo => 0.2f, JointEmbeddingMethod.SwAV => 0.1f, _ => 0.5f },
        ProjectionDim = method == JointEmbeddingMethod.VicReg ? 1024 : 128,
    };

    /// <summary>One line naming the first setting out of range, or null.</summary>
    public string? Problem()
    {
        if (Views < 2) return $"{Name} needs at least two views of each image, got {Views}";
        if (!(Temperature > 0 && float.IsFinite(Temperature))) return $"the temperature must be positive, got {Temperature}";
        if (ProjectionDim < 1) return $"the projection width must be positive, got {ProjectionDim}";
        if (QueueSize < 1) return $"the queue must hold at least one key, got {QueueSize}";
        if (!(Momentum >= 0 && Momentum < 1)) return $"the momentum must be in [0, 1), got {Momentum}";
        if (Prototypes < 2) return $"SwAV needs at least two prototypes, got {Prototypes}";
        return null;
    }

    private static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    public Dictionary<string, string> Metadata() => new()
    {
        ["model"] = Name, ["data"] = "mnist", ["encoder"] = Encoders.NameOf(Encoder), ["views"] = Views.ToString(CultureInfo.InvariantCulture),
        ["temperature"] = F(Temperature), ["projection_dim"] = ProjectionDim.ToString(CultureInfo.InvariantCulture),
        ["queue_size"] = QueueSize.ToString(CultureInfo.InvariantCulture), ["momentum"] = F(Momentum),
        ["prototypes"] = Prototypes.ToString(CultureInfo.InvariantCulture),
        ["invariance"] = F(Invariance), ["variance"] = F(Variance), ["covariance"] = F(Covariance),
    };

    public static JointEmbeddingSettings FromMetadata(Runner.CheckpointMetadata meta, JointEmbeddingMethod method) => new()
    {
        Method = method, Encoder = meta.Named("encoder", Encoders.Names), Views = meta.Size("views"),
        Temperature = (float)meta.Number("temperature"), ProjectionDim = meta.Size("projection_dim"), QueueSize = meta.Size("queue_size"),
        Momentum = (float)meta.Number("momentum"), Prototypes = meta.Size("prototypes"),
        Invariance = (float)meta.Number("invariance"), Variance = (float)meta.Number("variance"), Covariance = (float)meta.Number("covariance"),
    };
}
