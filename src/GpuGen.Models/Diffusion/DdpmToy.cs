using System.Globalization;
using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Runner;

namespace GpuGen.Models.Diffusion;

/// <summary>A DDPM of 2-D points as a <see cref="ToyChain"/> (ancestral sampling by default, DDIM with
/// 10, 20 and 50 steps as the variants), and restoring one from its checkpoint.</summary>
public static class DdpmToy
{
    /// <summary>DDIM step counts reported beside ancestral sampling (at most T).</summary>
    public static readonly int[] DdimSteps = [10, 20, 50];

    public static ToyChain Chain(ToyDenoiser network, NoiseSchedule schedule, DdpmObjective objective = DdpmObjective.Simple)
    {
        var ddpm = new Ddpm(network, schedule, objective);
        return new ToyChain("ddpm", network, ddpm.Loss,
            (n, stream, visit) => ddpm.Sample(n, Shape.Of(ToyDenoiser.PointDim), stream, DiffusionSampler.Ancestral,
                visit is null ? null : (t, x) => visit($"x_{t}", x)),
            "ancestral",
            DdimSteps.Where(s => s <= schedule.Steps)
                .Select(s => ($"ddim{s}", $"DDIM, {s} steps, η 0", (Func<int, Generator, Tensor>)((n, stream) => Sample(ddpm, n, stream, DiffusionSampler.DdimSteps(s)))))
                .ToList(),
            new Dictionary<string, string>
            {
                ["timesteps"] = schedule.Steps.ToString(CultureInfo.InvariantCulture),
                ["beta_schedule"] = NoiseSchedule.NameOf(schedule.Kind),
                ["beta_start"] = schedule.Start.ToString("R", CultureInfo.InvariantCulture),
                ["beta_end"] = schedule.End.ToString("R", CultureInfo.InvariantCulture),
                ["objective"] = ObjectiveName(objective),
                ["width"] = network.Width.ToString(CultureInfo.InvariantCulture),
                ["depth"] = network.Depth.ToString(CultureInfo.InvariantCulture),
                ["embedding"] = network.EmbeddingDim.ToString(CultureInfo.InvariantCulture),
            });
    }

    /// <summary>The objective's name in options and checkpoints (simple, vlb).</summary>
    public static string ObjectiveName(DdpmObjective objective) => Ddpm.Objectives.First(o => o.Value == objective).Key;

    /// <summary>n points [n, 2] by the given sampler.</summary>
    public static Tensor Sample(Ddpm ddpm, int n, Generator stream, DiffusionSampler sampler) =>
        ddpm.Sample(n, Shape.Of(ToyDenoiser.PointDim), stream, sampler);

    /// <summary>The network and schedule a <c>gpugen train ddpm</c> checkpoint describes, loaded; a checkpoint
    /// of another family or with missing sizes is one clear error, and nothing is left allocated. The
    /// caller owns both.</summary>
    public static (ToyDenoiser Network, NoiseSchedule Schedule, ToySet Data) Load(string path, Device device)
    {
        var meta = new CheckpointMetadata(path, "ddpm");
        var set = meta.Named("data", ToyChainPlan.DataNames);
        var schedule = NoiseSchedule.Create(meta.Named("beta_schedule", NoiseSchedule.Names), meta.Size("timesteps"), meta.Number("beta_start"), meta.Number("beta_end"));
        var network = meta.LoadInto(new ToyDenoiser(new Generator(0), device, meta.Size("width"), meta.Size("depth"), meta.Size("embedding")));
        return (network, schedule, set);
    }
}
