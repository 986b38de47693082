using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Runner;

namespace GpuGen.Models.Diffusion;

/// <summary>Restoring a toy DDPM (its network, its noise schedule and its data set) from the checkpoint <c>gpugen train ddpm</c> wrote.</summary>
public static class DdpmCheckpoint
{
    /// <summary>The network and schedule the metadata describes, loaded; a checkpoint of another family
    /// or with missing sizes is one clear error, and nothing is left allocated. The caller owns both.</summary>
    public static (ToyDenoiser Network, NoiseSchedule Schedule, ToySet Data) Load(string path, Device device)
    {
        var meta = new CheckpointMetadata(path, "ddpm");
        var set = meta.Named("data", DdpmToyPlan.DataNames);
        var schedule = NoiseSchedule.Create(meta.Named("beta_schedule", NoiseSchedule.Names), meta.Size("timesteps"), meta.Number("beta_start"), meta.Number("beta_end"));
        var network = meta.LoadInto(new ToyDenoiser(new Generator(0), device, meta.Size("width"), meta.Size("depth"), meta.Size("embedding")));
        return (network, schedule, set);
    }
}
