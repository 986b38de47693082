using System.Globalization;
using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Runner;

namespace GpuGen.Models.Diffusion;

/// <summary>A continuous-data BFN of 2-D points as a <see cref="ToyChain"/> (sampled with
/// <see cref="DefaultSteps"/> Bayesian updates, and with 10 and 25 as the variants), and restoring one
/// from its checkpoint. x̂ is clipped to ±<see cref="Clip"/>, which holds every toy set.</summary>
public static class BfnToy
{
    public const int DefaultSteps = 100;
    public const float Clip = 2f;
    public static readonly int[] FewerSteps = [10, 25];

    public static ToyChain Chain(ToyDenoiser network, ContinuousBayesianFlow flow)
    {
        var bfn = new ContinuousBfn(network, flow);
        return new ToyChain("bfn", network, bfn.Loss,
            (n, stream, visit) => bfn.Sample(n, Shape.Of(ToyDenoiser.PointDim), stream, DefaultSteps, visit),
            $"{DefaultSteps} steps",
            FewerSteps.Select(s => ($"steps{s}", $"{s} Bayesian updates", (Func<int, Generator, Tensor>)((n, stream) => Sample(bfn, n, stream, s)))).ToList(),
            new Dictionary<string, string>
            {
                ["sigma1"] = flow.Sigma1.ToString("R", CultureInfo.InvariantCulture),
                ["clip"] = flow.Clip.ToString("R", CultureInfo.InvariantCulture),
                ["width"] = network.Width.ToString(CultureInfo.InvariantCulture),
                ["depth"] = network.Depth.ToString(CultureInfo.InvariantCulture),
                ["embedding"] = network.EmbeddingDim.ToString(CultureInfo.InvariantCulture),
            });
    }

    /// <summary>n points [n, 2] by the given number of Bayesian updates.</summary>
    public static Tensor Sample(ContinuousBfn bfn, int n, Generator stream, int steps) => bfn.Sample(n, Shape.Of(ToyDenoiser.PointDim), stream, steps);

    /// <summary>The network and flow a <c>gpugen train bfn</c> checkpoint describes, loaded (one clear error
    /// for another family's checkpoint, nothing left allocated). The caller owns the network.</summary>
    public static (ToyDenoiser Network, ContinuousBayesianFlow Flow, ToySet Data) Load(string path, Device device)
    {
        var meta = new CheckpointMetadata(path, "bfn");
        var set = meta.Named("data", ToyChainPlan.DataNames);
        var flow = new ContinuousBayesianFlow(meta.Number("sigma1"), (float)meta.Number("clip"));
        var network = meta.LoadInto(new ToyDenoiser(new Generator(0), device, meta.Size("width"), meta.Size("depth"), meta.Size("embedding")));
        return (network, flow, set);
    }
}
