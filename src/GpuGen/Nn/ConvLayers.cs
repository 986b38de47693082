namespace GpuGen.Nn;

/// <summary>2-D convolution over [N, C, H, W]; weight [O, C/groups, K, K] and bias initialised as PyTorch's Conv2d.</summary>
public sealed class Conv2d : Module
{
    public Conv2d(int inChannels, int outChannels, int kernel, Generator generator, Device? device = null,
        int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernel <= 0 || groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"conv2d: need positive sizes with channels divisible by groups, got {inChannels} → {outChannels}, kernel {kernel}, groups {groups}");
        (Stride, Padding, Dilation, Groups) = (stride, padding, dilation, groups);
        Weight = AddParameter("weight", Tensor.Empty(Shape.Of(outChannels, inChannels / groups, kernel, kernel), device));
        Bias = bias ? AddParameter("bias", Tensor.Empty(Shape.Of(outChannels), device)) : null;
        Init.LinearDefault(Weight, Bias, generator); // PyTorch's Conv2d default is the same rule over fan_in = C/g·K²
    }

    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int Stride { get; }
    public int Padding { get; }
    public int Dilation { get; }
    public int Groups { get; }

    public override Tensor Forward(Tensor x) => Ops.Conv2d(x, Weight, Bias, Stride, Padding, Dilation, Groups);
}

/// <summary>Transposed 2-D convolution; weight [Cin, Cout/groups, K, K] initialised as PyTorch's ConvTranspose2d.</summary>
public sealed class ConvTranspose2d : Module
{
    public ConvTranspose2d(int inChannels, int outChannels, int kernel, Generator generator, Device? device = null,
        int stride = 1, int padding = 0, int outputPadding = 0, int dilation = 1, int groups = 1, bool bias = true)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernel <= 0 || groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"convTranspose2d: need positive sizes with channels divisible by groups, got {inChannels} → {outChannels}, kernel {kernel}, groups {groups}");
        (Stride, Padding, OutputPadding, Dilation, Groups) = (stride, padding, outputPadding, dilation, groups);
        Weight = AddParameter("weight", Tensor.Empty(Shape.Of(inChannels, outChannels / groups, kernel, kernel), device));
        Bias = bias ? AddParameter("bias", Tensor.Empty(Shape.Of(outChannels), device)) : null;
        // PyTorch computes the fan from dimension 1 of this weight: (Cout/g)·K².
        float bound = 1f / MathF.Sqrt(outChannels / groups * kernel * kernel);
        Init.Uniform(Weight, generator, -bound, bound);
        if (Bias is not null) Init.Uniform(Bias, generator, -bound, bound);
    }

    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int Stride { get; }
    public int Padding { get; }
    public int OutputPadding { get; }
    public int Dilation { get; }
    public int Groups { get; }

    public override Tensor Forward(Tensor x) => Ops.ConvTranspose2d(x, Weight, Bias, Stride, Padding, OutputPadding, Dilation, Groups);
}

public sealed class MaxPool2d(int kernel, int? stride = null, int padding = 0) : Module
{
    public override Tensor Forward(Tensor x) => Ops.MaxPool2d(x, kernel, stride, padding);
}

public sealed class AvgPool2d(int kernel, int? stride = null, int padding = 0) : Module
{
    public override Tensor Forward(Tensor x) => Ops.AvgPool2d(x, kernel, stride, padding);
}

/// <summary>Upsampling by an integer factor, nearest or bilinear (align_corners=False).</summary>
public sealed class Upsample(int scale, bool bilinear = false) : Module
{
    public override Tensor Forward(Tensor x) => bilinear ? Ops.UpsampleBilinear(x, scale) : Ops.UpsampleNearest(x, scale);
}

/// <summary>[N, d1, d2, …] → [N, d1·d2·…] (a view).</summary>
public sealed class Flatten : Module
{
    public override Tensor Forward(Tensor x) => x.Reshape(x.Shape[0], -1);
}

/// <summary>[N, d] → [N, shape…] (a view), e.g. a generator's dense output to an image.</summary>
public sealed class Unflatten(params int[] shape) : Module
{
    public override Tensor Forward(Tensor x) => x.Reshape([x.Shape[0], .. shape]);
}

/// <summary>Batch normalisation of [N, C, H, W] per channel over N, H and W.</summary>
public sealed class BatchNorm2d(int channels, Device? device = null, float eps = 1e-5f, float momentum = 0.1f)
    : BatchNorm(channels, device, eps, momentum)
{
    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 4 || x.Shape[1] != Channels)
            throw new ShapeMismatchException($"batchNorm2d: x has shape {x.Shape}; expected [N, {Channels}, H, W]");
        return Normalize("batchNorm2d", x.Reshape(x.Shape[0], Channels, x.Shape[2] * x.Shape[3])).Reshape(x.Shape.ToArray());
    }
}

/// <summary>
/// Group normalisation (Wu &amp; He 2018): channels split into groups, each normalised over its
/// channels and all pixels of one image, then a per-channel affine map. No running state.
/// </summary>
public sealed class GroupNorm : Module
{
    public GroupNorm(int groups, int channels, Device? device = null, float eps = 1e-5f)
    {
        if (groups <= 0 || channels % groups != 0)
            throw new ArgumentException($"groupNorm: {channels} channels do not split into {groups} groups");
        (Groups, Channels, Eps) = (groups, channels, eps);
        Gamma = AddParameter("weight", Tensor.Ones(Shape.Of(channels), device));
        Beta = AddParameter("bias", Tensor.Zeros(Shape.Of(channels), device));
    }

    public int Groups { get; }
    public int Channels { get; }
    public float Eps { get; }
    public Tensor Gamma { get; }
    public Tensor Beta { get; }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 4 || x.Shape[1] != Channels)
            throw new ShapeMismatchException($"groupNorm: x has shape {x.Shape}; expected [N, {Channels}, H, W]");
        int n = x.Shape[0], spatial = x.Shape[2] * x.Shape[3];
        var v = x.Reshape(n, Groups, Channels / Groups * spatial);
        var mean = Ops.Mean(v, 2, keepDim: true);
        var variance = Ops.Variance(v, 2, keepDim: true);
        var y = Ops.Mul(Ops.Sub(v, mean), Ops.Rsqrt(Ops.Add(variance, Eps))).Reshape(n, Channels, spatial);
        y = Ops.Add(Ops.Mul(y, Gamma.Reshape(1, Channels, 1)), Beta.Reshape(1, Channels, 1));
        return y.Reshape(x.Shape.ToArray());
    }
}
