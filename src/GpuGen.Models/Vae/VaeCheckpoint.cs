using GpuGen.IO;

namespace GpuGen.Models.Vae;

/// <summary>Saving and restoring a <see cref="Vae"/> with the sizes it needs, in its checkpoint's metadata.</summary>
public static class VaeCheckpoint
{
    public const string ModelName = "vae";

    /// <summary>The family and sizes a checkpoint of <paramref name="vae"/> carries (the runner adds the seed and the run's state).</summary>
    public static Dictionary<string, string> Metadata(Vae vae) => new()
    {
        ["model"] = ModelName, ["inputs"] = vae.Inputs.ToString(), ["hidden"] = vae.Hidden.ToString(),
        ["latent"] = vae.Latent.ToString(),
    };

    /// <summary>
    /// Builds the VAE a checkpoint describes and loads it. A checkpoint of another model, one
    /// without sizes, or one whose tensors disagree with its sizes is a clear error.
    /// </summary>
    public static Vae Load(string path, Device device, Generator sampler)
    {
        var file = SafeTensors.Load(path);
        var meta = file.Metadata;
        if (!meta.TryGetValue("model", out var model))
            throw new GpuGenException($"checkpoint {path}: no 'model' in its metadata: not written by gpugen train");
        if (model != ModelName)
            throw new GpuGenException($"checkpoint {path}: holds a '{model}' model, not a {ModelName}");
        int Size(string key) => meta.TryGetValue(key, out var v) && int.TryParse(v, out int n) && n > 0
            ? n : throw new GpuGenException($"checkpoint {path}: metadata '{key}' is missing or not a positive size");
        var vae = new Vae(sampler, device, Size("inputs"), Size("hidden"), Size("latent"));
        try
        {
            Checkpoint.Load(file, path, vae);
            return vae;
        }
        catch
        {
            vae.Dispose();
            throw;
        }
    }
}
