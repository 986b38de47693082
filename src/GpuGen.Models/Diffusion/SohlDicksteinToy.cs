using System.Globalization;
using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Runner;

namespace GpuGen.Models.Diffusion;

/// <summary>Sohl-Dickstein et al.'s diffusion of 2-D points as a <see cref="ToyChain"/>: its own schedule (the
/// paper's baseline: 1/(T − t + 1) plus the first β), the learned reverse chain as the sampler, and the
/// bound K on the test log-likelihood in bits per point (with an isotropic unit Gaussian's log-likelihood
/// of the same points beside it) as its extra metrics; and restoring one from its checkpoint.</summary>
public static class SohlDicksteinToy
{
    /// <summary>The paper's swiss-roll trajectory length.</summary>
    public const int DefaultSteps = 40;

    /// <summary>The network for a model: the toy MLP with a mean and a variance coefficient per dimension.</summary>
    public static ToyDenoiser Network(Generator init, Device device, int width, int depth, int embedding = 32) =>
        new(init, device, width, depth, embedding, outputs: 2 * ToyDenoiser.PointDim);

    public static ToyChain Chain(ToyDenoiser network, NoiseSchedule schedule)
    {
        var model = new SohlDicksteinDiffusion(network, schedule);
        return new ToyChain("diffusion", network, model.Loss, (n, stream, visit) => model.Sample(n, stream, visit), "learned reverse chain", [],
            new Dictionary<string, string>
            {
                ["timesteps"] = schedule.Steps.ToString(CultureInfo.InvariantCulture),
                ["beta_start"] = schedule.Start.ToString("R", CultureInfo.InvariantCulture),
                ["width"] = network.Width.ToString(CultureInfo.InvariantCulture),
                ["depth"] = network.Depth.ToString(CultureInfo.InvariantCulture),
                ["embedding"] = network.EmbeddingDim.ToString(CultureInfo.InvariantCulture),
            },
            (set, n, stream) => Scores(model, set, stream, n));
    }

    /// <summary>K and the null model's log-likelihood, in bits per point, on n fresh points.</summary>
    public static Dictionary<string, object?> Scores(SohlDicksteinDiffusion model, ToySet set, Generator stream, int n = ToyChainPlan.EvaluationPoints)
    {
        var points = ToyData.Sample(set, n, stream);
        double bound;
        using (new TensorScope())
            bound = model.Bound(Tensor.FromArray(points, Shape.Of(points.Length / 2, 2), model.Network.Device), stream);
        double isotropic = points.Average(v => -0.5 * (Math.Log(2 * Math.PI) + (double)v * v)) * ToyDenoiser.PointDim;
        return new Dictionary<string, object?>
        {
            ["test_bound_k_bits"] = bound / Math.Log(2),
            ["isotropic_gaussian_log_likelihood_bits"] = isotropic / Math.Log(2),
            ["test_k_minus_isotropic_bits"] = (bound - isotropic) / Math.Log(2),
        };
    }

    /// <summary>The network and schedule a <c>gpugen train diffusion</c> checkpoint describes, loaded; the caller owns both.</summary>
    public static (ToyDenoiser Network, NoiseSchedule Schedule, ToySet Data) Load(string path, Device device)
    {
        var meta = new CheckpointMetadata(path, "diffusion");
        var set = meta.Named("data", ToyChainPlan.DataNames);
        var schedule = NoiseSchedule.SohlDickstein(meta.Size("timesteps"), meta.Number("beta_start"));
        var network = meta.LoadInto(Network(new Generator(0), device, meta.Size("width"), meta.Size("depth"), meta.Size("embedding")));
        return (network, schedule, set);
    }
}
