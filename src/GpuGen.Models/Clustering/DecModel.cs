using GpuGen.Nn;

namespace GpuGen.Models.Clustering;

/// <summary>DEC (Xie et al. 2016) drops the decoder once clustering starts; IDEC (Guo et al. 2017) keeps
/// training it, adding the reconstruction to the clustering loss.</summary>
public enum DecVariant { Dec, Idec }

/// <summary>
/// Deep embedded clustering's network: a stacked autoencoder d-500-500-2000-10 with ReLU hidden
/// layers and a linear code and output (the paper's architecture for MNIST), and k cluster
/// centres μ_j in code space, a trainable parameter initialised by k-means on the pre-trained
/// codes. The buffer <c>kmeans_scores</c> keeps what k-means alone scored (train and test
/// accuracy and NMI), so the checkpoint of a run stopped during clustering still reports them.
/// </summary>
public sealed class DecModel : Module
{
    /// <summary>The paper's hidden sizes for MNIST (encoder; the decoder mirrors them).</summary>
    public static readonly int[] PaperHidden = [500, 500, 2000];

    public DecModel(Generator init, Device device, int inputs = 784, int clusters = 10, int codeSize = 10, int[]? hidden = null)
    {
        hidden ??= PaperHidden;
        if (inputs <= 0 || codeSize <= 0 || hidden.Any(h => h <= 0)) throw new ArgumentException($"dec: sizes must be positive, got {inputs}-{string.Join("-", hidden)}-{codeSize}");
        if (clusters < 1) throw new ArgumentException($"dec: need at least one cluster, got {clusters}");
        (Inputs, Clusters, CodeSize, Hidden, Device) = (inputs, clusters, codeSize, hidden, device);
        Encoder = AddModule("encoder", Sequential.Mlp([inputs, .. hidden, codeSize], Activation.Relu, init, device));
        Decoder = AddModule("decoder", Sequential.Mlp([codeSize, .. hidden.Reverse(), inputs], Activation.Relu, init, device));
        Centres = AddParameter("centres", Tensor.Zeros(Shape.Of(clusters, codeSize), device));
        KMeansScores = AddBuffer("kmeans_scores", Tensor.Zeros(Shape.Of(4), device));
    }

    public int Inputs { get; }
    public int Clusters { get; }
    public int CodeSize { get; }
    public int[] Hidden { get; }
    public Device Device { get; }
    public Sequential Encoder { get; }
    public Sequential Decoder { get; }

    /// <summary>μ [k, code]: the cluster centres in code space.</summary>
    public Tensor Centres { get; }

    /// <summary>[train accuracy, train NMI, test accuracy, test NMI] of the k-means that initialised the centres.</summary>
    public Tensor KMeansScores { get; }

    /// <summary>The encoder and decoder's parameters: what pre-training trains (not the centres).</summary>
    public IEnumerable<(string Path, Tensor Tensor)> AutoencoderParameters() => NamedParameters().Where(p => p.Path != "centres");

    /// <summary>What clustering trains: the encoder and the centres (DEC), and the decoder too (IDEC).</summary>
    public IEnumerable<(string Path, Tensor Tensor)> ClusteringParameters(DecVariant variant) =>
        NamedParameters().Where(p => variant == DecVariant.Idec || !p.Path.StartsWith("decoder.", StringComparison.Ordinal));

    /// <summary>The code z = f(x) [b, code].</summary>
    public Tensor Code(Tensor x) => Encoder.Forward(x);

    /// <summary>The reconstruction g(z), linear.</summary>
    public Tensor Decode(Tensor z) => Decoder.Forward(z);

    /// <summary>The soft assignments q [b, k] of codes z.</summary>
    public Tensor Assign(Tensor z) => SoftAssignment.StudentT(z, Centres);

    /// <summary>The reconstruction of x.</summary>
    public override Tensor Forward(Tensor x) => Decode(Code(x));

    /// <summary>Mean squared error per pixel, averaged over the batch (Keras' "mse", which the DEC and IDEC code train with).</summary>
    public static Tensor ReconstructionError(Tensor reconstruction, Tensor x) => Ops.Mean(Ops.Square(Ops.Sub(reconstruction, x)));
}
