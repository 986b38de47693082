using GpuGen.Nn;

namespace GpuGen.Models.Diffusion;

/// <summary>
/// A residual block with the time embedding, as in Ho et al.'s U-Net: GroupNorm → SiLU → 3 × 3 conv, plus
/// a per-channel projection of the time embedding (SiLU → linear) added at every pixel, then GroupNorm →
/// SiLU → 3 × 3 conv, and the input added back (through a 1 × 1 conv when the channel count changes).
/// </summary>
public sealed class TimeResidualBlock : Module
{
    public TimeResidualBlock(int inChannels, int outChannels, int timeDim, Generator init, Device device, int groups = 8)
    {
        Norm1 = AddModule("norm1", new GroupNorm(groups, inChannels, device));
        Conv1 = AddModule("conv1", new Conv2d(inChannels, outChannels, 3, init, device, padding: 1));
        Time = AddModule("time", new Linear(timeDim, outChannels, init, device));
        Norm2 = AddModule("norm2", new GroupNorm(groups, outChannels, device));
        Conv2 = AddModule("conv2", new Conv2d(outChannels, outChannels, 3, init, device, padding: 1));
        Skip = inChannels == outChannels ? null : AddModule("skip", new Conv2d(inChannels, outChannels, 1, init, device));
        OutChannels = outChannels;
    }

    public GroupNorm Norm1 { get; }
    public Conv2d Conv1 { get; }
    public Linear Time { get; }
    public GroupNorm Norm2 { get; }
    public Conv2d Conv2 { get; }
    public Conv2d? Skip { get; }
    public int OutChannels { get; }

    public Tensor Forward(Tensor x, Tensor timeEmbedding)
    {
        var h = Conv1.Forward(Ops.Silu(Norm1.Forward(x)));
        h = Ops.Add(h, Time.Forward(Ops.Silu(timeEmbedding)).Reshape(-1, OutChannels, 1, 1));
        h = Conv2.Forward(Ops.Silu(Norm2.Forward(h)));
        return Ops.Add(h, Skip is null ? x : Skip.Forward(x));
    }

    public override Tensor Forward(Tensor x) => throw new InvalidOperationException("TimeResidualBlock: call Forward(x, timeEmbedding)");
}

/// <summary>
/// Single-head self-attention over the pixels of a feature map (Ho et al.'s AttnBlock): GroupNorm, then
/// q, k, v by a 1 × 1 conv, softmax(q·kᵀ/√C) over the H·W positions, v weighted by it, a 1 × 1 output
/// projection, and the input added back.
/// </summary>
public sealed class SelfAttention2d : Module
{
    public SelfAttention2d(int channels, Generator init, Device device, int groups = 8)
    {
        Norm = AddModule("norm", new GroupNorm(groups, channels, device));
        Qkv = AddModule("qkv", new Conv2d(channels, 3 * channels, 1, init, device));
        Projection = AddModule("proj", new Conv2d(channels, channels, 1, init, device));
        Channels = channels;
    }

    public GroupNorm Norm { get; }
    public Conv2d Qkv { get; }
    public Conv2d Projection { get; }
    public int Channels { get; }

    public override Tensor Forward(Tensor x)
    {
        int n = x.Shape[0], h = x.Shape[2], w = x.Shape[3], c = Channels;
        var qkv = Qkv.Forward(Norm.Forward(x)).Reshape(n, 3 * c, h * w);
        var q = Ops.Narrow(qkv, 1, 0, c);          // [N, C, HW]
        var k = Ops.Narrow(qkv, 1, c, c);
        var v = Ops.Narrow(qkv, 1, 2 * c, c);
        var scores = Ops.Mul(Ops.MatMul(q, k, transA: true), 1f / MathF.Sqrt(c)); // [N, HW, HW]: position i against j
        var weights = Ops.Softmax(scores, 2);
        var attended = Ops.MatMul(v, weights, transB: true);                          // [N, C, HW]: Σ_j v_j·a_ij
        return Ops.Add(x, Projection.Forward(attended.Reshape(n, c, h, w)));
    }
}

/// <summary>
/// A small U-Net for 28 × 28 digits (Ho et al. 2020's architecture, scaled down): a sinusoidal embedding
/// of t through a two-layer MLP; a 3 × 3 input conv to C channels; at 28 × 28 a residual block (C), down
/// by a stride-2 conv; at 14 × 14 a residual block (2C), down; at 7 × 7 a residual block, self-attention
/// and a residual block (2C); up by nearest upsampling and a 3 × 3 conv, joined with the skip connection
/// of the same size (concatenated channels) and a residual block, twice; GroupNorm → SiLU → a 3 × 3 conv
/// to the output channels. C = 32 makes 583,713 parameters; every channel count is a multiple of the 8 groups.
/// The embedding reads t·<c>timeScale</c> (1 for DDPM's whole timesteps; a BFN's t ∈ [0, 1] needs ~1000).
/// </summary>
public sealed class UNet : DenoisingNetwork, IDigitNetwork
{
    public UNet(Generator init, Device device, int inChannels = 1, int outChannels = 1, int channels = 32, float timeScale = 1f)
    {
        if (channels <= 0 || channels % 8 != 0) throw new ArgumentException($"u-net: the base channel count must be a positive multiple of 8, got {channels}");
        (Channels, InChannels, OutputsPerPixel, Device, TimeScale) = (channels, inChannels, outChannels, device, timeScale);
        int c = channels, timeDim = 4 * c;
        TimeMlp = AddModule("time", Sequential.Mlp([c, timeDim, timeDim], Activation.Silu, init, device));
        Input = AddModule("input", new Conv2d(inChannels, c, 3, init, device, padding: 1));
        Down1 = AddModule("down1", new TimeResidualBlock(c, c, timeDim, init, device));
        Pool1 = AddModule("pool1", new Conv2d(c, c, 3, init, device, stride: 2, padding: 1));
        Down2 = AddModule("down2", new TimeResidualBlock(c, 2 * c, timeDim, init, device));
        Pool2 = AddModule("pool2", new Conv2d(2 * c, 2 * c, 3, init, device, stride: 2, padding: 1));
        Middle1 = AddModule("mid1", new TimeResidualBlock(2 * c, 2 * c, timeDim, init, device));
        Attention = AddModule("attention", new SelfAttention2d(2 * c, init, device));
        Middle2 = AddModule("mid2", new TimeResidualBlock(2 * c, 2 * c, timeDim, init, device));
        Upsample2 = AddModule("upconv2", new Conv2d(2 * c, 2 * c, 3, init, device, padding: 1));
        Up2 = AddModule("up2", new TimeResidualBlock(4 * c, 2 * c, timeDim, init, device));
        Upsample1 = AddModule("upconv1", new Conv2d(2 * c, 2 * c, 3, init, device, padding: 1));
        Up1 = AddModule("up1", new TimeResidualBlock(3 * c, c, timeDim, init, device));
        OutNorm = AddModule("out_norm", new GroupNorm(8, c, device));
        Output = AddModule("output", new Conv2d(c, outChannels, 3, init, device, padding: 1));
    }

    public int Channels { get; }
    public int InChannels { get; }
    public int OutputsPerPixel { get; }
    public int Pixels => 28 * 28;
    public float TimeScale { get; }
    public Device Device { get; }
    public Sequential TimeMlp { get; }
    public Conv2d Input { get; }
    public TimeResidualBlock Down1 { get; }
    public Conv2d Pool1 { get; }
    public TimeResidualBlock Down2 { get; }
    public Conv2d Pool2 { get; }
    public TimeResidualBlock Middle1 { get; }
    public SelfAttention2d Attention { get; }
    public TimeResidualBlock Middle2 { get; }
    public Conv2d Upsample2 { get; }
    public TimeResidualBlock Up2 { get; }
    public Conv2d Upsample1 { get; }
    public TimeResidualBlock Up1 { get; }
    public GroupNorm OutNorm { get; }
    public Conv2d Output { get; }

    /// <summary>The prediction [N, out, 28, 28] for images [N, in, 28, 28] (or [N, in·784]) at the timesteps [N].</summary>
    public override Tensor Forward(Tensor xt, Tensor timesteps)
    {
        var x = xt.Rank == 4 ? xt : xt.Reshape(-1, InChannels, 28, 28);
        var time = TimeMlp.Forward(TimeEmbedding.Sinusoidal(TimeScale == 1f ? timesteps : Ops.Mul(timesteps, TimeScale), Channels));
        var skip1 = Down1.Forward(Input.Forward(x), time);                           // [N, C, 28, 28]
        var skip2 = Down2.Forward(Pool1.Forward(skip1), time);                       // [N, 2C, 14, 14]
        var h = Middle1.Forward(Pool2.Forward(skip2), time);                         // [N, 2C, 7, 7]
        h = Middle2.Forward(Attention.Forward(h), time);
        h = Upsample2.Forward(Ops.UpsampleNearest(h, 2));                            // [N, 2C, 14, 14]
        h = Up2.Forward(Ops.Concat([h, skip2], 1), time);
        h = Upsample1.Forward(Ops.UpsampleNearest(h, 2));                            // [N, 2C, 28, 28]
        h = Up1.Forward(Ops.Concat([h, skip1], 1), time);                            // [N, C, 28, 28]
        var y = Output.Forward(Ops.Silu(OutNorm.Forward(h)));
        return xt.Rank == 4 ? y : y.Reshape(xt.Shape[0], -1);
    }
}
