namespace GpuGen.Nn;

/// <summary>y = x·Wᵀ + b for x [batch, in]; W [out, in] and b [out] initialised as PyTorch does.</summary>
public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, Generator generator, Device? device = null, bool bias = true)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"linear: sizes must be positive, got {inFeatures} → {outFeatures}");
        Weight = AddParameter("weight", Tensor.Empty(Shape.Of(outFeatures, inFeatures), device));
        Bias = bias ? AddParameter("bias", Tensor.Empty(Shape.Of(outFeatures), device)) : null;
        Init.LinearDefault(Weight, Bias, generator);
    }

    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor x) => Ops.Linear(x, Weight, Bias);
}

/// <summary>Modules applied in order; children are named 0, 1, 2, … as in PyTorch.</summary>
public sealed class Sequential : Module
{
    private readonly Module[] _layers;

    public Sequential(params Module[] layers)
    {
        _layers = layers;
        for (int i = 0; i < layers.Length; i++) AddModule(i.ToString(), layers[i]);
    }

    public IReadOnlyList<Module> Layers => _layers;

    /// <summary>A multilayer perceptron: Linear layers of the given sizes (input first, output
    /// last) with <paramref name="activation"/>() between them and none after the last, named
    /// 0, 1, 2 … as PyTorch's nn.Sequential names them.</summary>
    public static Sequential Mlp(int[] sizes, Func<Module> activation, Generator generator, Device? device = null)
    {
        if (sizes.Length < 2 || sizes.Any(s => s <= 0))
            throw new ArgumentException($"mlp: need at least an input and an output size, all positive; got [{string.Join(", ", sizes)}]");
        var layers = new List<Module>();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            layers.Add(new Linear(sizes[i], sizes[i + 1], generator, device));
            if (i + 2 < sizes.Length) layers.Add(activation());
        }
        return new Sequential([.. layers]);
    }

    /// <summary>The layers in order; a Linear followed by a ReLU runs as one <see cref="Ops.LinearRelu"/>
    /// (the same numbers, one pass over the output fewer).</summary>
    public override Tensor Forward(Tensor x)
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i] is Linear linear && i + 1 < _layers.Length && _layers[i + 1] is Activation { IsRelu: true })
            {
                x = Ops.LinearRelu(x, linear.Weight, linear.Bias);
                i++;
            }
            else x = _layers[i].Forward(x);
        }
        return x;
    }
}

/// <summary>An elementwise activation as a module.</summary>
public sealed class Activation : Module
{
    private readonly Func<Tensor, Tensor> _f;
    private readonly string _name;

    private Activation(string name, Func<Tensor, Tensor> f)
    {
        _name = name;
        _f = f;
    }

    public static Activation Relu() => new("ReLU", Ops.Relu);

    /// <summary>Whether this is <see cref="Relu"/> (which <see cref="Sequential"/> fuses into a preceding Linear).</summary>
    public bool IsRelu => _name == "ReLU";
    public static Activation LeakyRelu(float slope = 0.01f) => new($"LeakyReLU({slope})", x => Ops.LeakyRelu(x, slope));
    public static Activation Elu(float alpha = 1f) => new($"ELU({alpha})", x => Ops.Elu(x, alpha));
    public static Activation Tanh() => new("Tanh", Ops.Tanh);
    public static Activation Sigmoid() => new("Sigmoid", Ops.Sigmoid);
    public static Activation Softplus() => new("Softplus", Ops.Softplus);
    public static Activation Silu() => new("SiLU", Ops.Silu);
    public static Activation Gelu() => new("GELU", Ops.Gelu);

    /// <summary>y = scale·x + shift: a fixed change of range, such as tanh's [−1, 1] to [0, 1].</summary>
    public static Activation Affine(float scale, float shift) => new($"Affine({scale}, {shift})", x => Ops.Add(Ops.Mul(x, scale), shift));

    public override Tensor Forward(Tensor x) => _f(x);
    public override string ToString() => _name;
}

/// <summary>Inverted dropout: in training, zeroes each element with probability p and scales the
/// rest by 1/(1 − p), so that evaluation (the identity) needs no rescaling.</summary>
public sealed class Dropout : Module
{
    private readonly Generator _generator;

    public Dropout(float p, Generator generator)
    {
        if (!(p >= 0f && p < 1f)) throw new ArgumentException($"dropout: p must be in [0, 1), got {p}");
        P = p;
        _generator = generator;
    }

    public float P { get; }

    public override Tensor Forward(Tensor x)
    {
        if (!Training || P == 0f) return x;
        Tensor mask;
        using (Autograd.NoGrad())
        {
            using var keep = Tensor.Full(x.Shape, 1f - P, x.Device);
            using var bernoulli = Ops.Bernoulli(keep, _generator);
            mask = Ops.Mul(bernoulli, 1f / (1f - P));
        }
        return Ops.Mul(x, mask);
    }
}

/// <summary>Layer normalisation over the last dimension: (x − mean)/√(var + ε)·γ + β (Ba et al. 2016).</summary>
public sealed class LayerNorm : Module
{
    public LayerNorm(int features, Device? device = null, float eps = 1e-5f, bool elementwiseAffine = true)
    {
        Features = features;
        Eps = eps;
        if (elementwiseAffine)
        {
            Gamma = AddParameter("weight", Tensor.Ones(Shape.Of(features), device));
            Beta = AddParameter("bias", Tensor.Zeros(Shape.Of(features), device));
        }
    }

    public int Features { get; }
    public float Eps { get; }
    public Tensor? Gamma { get; }
    public Tensor? Beta { get; }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank == 0 || x.Shape[-1] != Features)
            throw new ShapeMismatchException($"layerNorm: x has shape {x.Shape} but the layer normalises {Features} features");
        var mean = Ops.Mean(x, -1, keepDim: true);
        var variance = Ops.Variance(x, -1, keepDim: true);
        var y = Ops.Mul(Ops.Sub(x, mean), Ops.Rsqrt(Ops.Add(variance, Eps)));
        return Gamma is null ? y : Ops.Add(Ops.Mul(y, Gamma), Beta!);
    }
}

/// <summary>
/// Batch normalisation (Ioffe &amp; Szegedy 2015) of x viewed as [N, C, S]: per channel c, over
/// the batch and the S positions. Training: normalises with the batch's mean and biased
/// variance and updates running estimates (unbiased variance) with momentum, by the fused op
/// <see cref="Ops.BatchNorm"/>; evaluation: normalises with the running estimates (composed ops).
/// </summary>
public abstract class BatchNorm : Module
{
    private protected BatchNorm(int channels, Device? device, float eps, float momentum)
    {
        Channels = channels;
        Eps = eps;
        Momentum = momentum;
        Gamma = AddParameter("weight", Tensor.Ones(Shape.Of(channels), device));
        Beta = AddParameter("bias", Tensor.Zeros(Shape.Of(channels), device));
        RunningMean = AddBuffer("running_mean", Tensor.Zeros(Shape.Of(channels), device));
        RunningVar = AddBuffer("running_var", Tensor.Ones(Shape.Of(channels), device));
    }

    public int Channels { get; }
    public float Eps { get; }
    public float Momentum { get; }
    public Tensor Gamma { get; }
    public Tensor Beta { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }

    /// <summary>Normalises v [N, C, S]; returns [N, C, S].</summary>
    private protected Tensor Normalize(string op, Tensor v)
    {
        int count = v.Shape[0] * v.Shape[2];
        if (Training)
        {
            if (count < 2) throw new ShapeMismatchException($"{op}: training needs at least 2 values per channel, got {v.Shape[0]} × {v.Shape[2]}");
            var normalized = Ops.BatchNorm(v, Gamma, Beta, Eps, out var mean, out var variance); // the fused op
            using (Autograd.NoGrad())
            using (new TensorScope())
            {
                // running ← (1 − m)·running + m·batch, with the unbiased variance
                Ops.Scale(RunningMean, 1f - Momentum);
                Ops.Axpy(Momentum, mean, RunningMean);
                Ops.Scale(RunningVar, 1f - Momentum);
                Ops.Axpy(Momentum * count / (count - 1f), variance, RunningVar);
            }
            return normalized;
        }
        var y = Ops.Mul(Ops.Sub(v, RunningMean.Reshape(1, Channels, 1)), Ops.Rsqrt(Ops.Add(RunningVar.Reshape(1, Channels, 1), Eps)));
        return Ops.Add(Ops.Mul(y, Gamma.Reshape(1, Channels, 1)), Beta.Reshape(1, Channels, 1));
    }
}

/// <summary>Batch normalisation of x [batch, features], per feature.</summary>
public sealed class BatchNorm1d(int features, Device? device = null, float eps = 1e-5f, float momentum = 0.1f)
    : BatchNorm(features, device, eps, momentum)
{
    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 2 || x.Shape[1] != Channels)
            throw new ShapeMismatchException($"batchNorm1d: x has shape {x.Shape}; expected [batch, {Channels}]");
        return Normalize("batchNorm1d", x.Reshape(x.Shape[0], Channels, 1)).Reshape(x.Shape[0], Channels);
    }
}

/// <summary>
/// A lookup table: row i of a [count, dim] weight (initialised N(0, 1)) for each index i. The
/// indices (a float tensor of integers, as ArgMax and Categorical produce) are checked to be
/// whole numbers in [0, count): an out-of-range index is an error, never a zero row.
/// Implemented as one-hot(indices)·W, which is exact and differentiable to any order; a
/// gather kernel is the faster path for large tables.
/// </summary>
public sealed class Embedding : Module
{
    public Embedding(int count, int dim, Generator generator, Device? device = null)
    {
        if (count <= 0 || dim <= 0) throw new ArgumentException($"embedding: sizes must be positive, got {count} × {dim}");
        Count = count;
        Weight = AddParameter("weight", Init.Normal(Tensor.Empty(Shape.Of(count, dim), device), generator));
    }

    public int Count { get; }
    public Tensor Weight { get; }

    public override Tensor Forward(Tensor indices)
    {
        if (indices.Rank != 1) throw new ShapeMismatchException($"embedding: indices have shape {indices.Shape}; expected [n]");
        foreach (var v in indices.ToArray())
            if (!(v >= 0 && v < Count && v == MathF.Floor(v)))
                throw new GpuGenException($"embedding: index {v} is not a whole number in [0, {Count})");
        Tensor oneHot;
        using (Autograd.NoGrad())
        using (var classes = Tensor.Arange(0, Count, 1, indices.Device))
            oneHot = Ops.Equal(indices.Reshape(-1, 1), classes.Reshape(1, -1));
        return Ops.MatMul(oneHot, Weight);
    }
}
