using GpuGen.Data;
using GpuGen.Models.Runner;

namespace GpuGen.Models.EnergyBased;

/// <summary>What an EBM checkpoint records (its network, domain and sampler) and restoring the model from it.</summary>
public static class EbmCheckpoint
{
    public const string ModelName = "ebm";

    /// <summary>The checkpoint metadata of a model trained on <paramref name="data"/> (a toy set's name or mnist).</summary>
    public static Dictionary<string, string> Metadata(string data, EnergyModel model, EbmSettings settings)
    {
        var meta = new Dictionary<string, string>(settings.ToMetadata()) { ["model"] = ModelName, ["data"] = data };
        foreach (var (key, value) in model.Spec.ToMetadata()) meta[key] = value;
        return meta;
    }

    /// <summary>
    /// The model, its settings and its data (a toy set, or null for digits) from a checkpoint of
    /// <c>gpugen train ebm</c>. A checkpoint of another model, one without the EBM's metadata, or one
    /// whose tensors disagree with it is one clear error, with nothing left allocated.
    /// </summary>
    public static (EnergyModel Model, EbmSettings Settings, ToySet? Toy) Load(string path, Device device)
    {
        var meta = new CheckpointMetadata(path, ModelName);
        ToySet? toy = meta.Text("data") == "mnist" ? null : meta.Named("data", ToyData.Names);
        var spec = new EnergySpec(toy is null, meta.Named("net", EnergyNetworks.Names), meta.Size("width"), meta.Size("depth"));
        var settings = new EbmSettings(new LangevinSettings(meta.Size("langevin_steps"), (float)meta.Number("step_size"), (float)meta.Number("noise")),
            meta.Size("sample_steps"), (float)meta.Number("alpha"), meta.Size("buffer"));
        if (settings.Problem() is { } problem) throw new GpuGenException($"checkpoint {path}: {problem}");
        return (meta.LoadInto(new EnergyModel(spec, settings.BufferSize, new Generator(0), device)), settings, toy);
    }
}
