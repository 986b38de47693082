using System.Globalization;
using GpuGen.Data;
using GpuGen.IO;

namespace GpuGen.Models.Gan;

/// <summary>Restoring a trained toy GAN (generator and critic) from the checkpoint <c>gpugen train gan|wgan|wgan-gp</c> wrote.</summary>
public static class ToyGanCheckpoint
{
    /// <summary>
    /// Builds the <see cref="ToyGan"/> the checkpoint's metadata describes and loads it, with the
    /// game's settings and the data set it was trained on. A checkpoint of another model (or
    /// another of the three games), one without sizes, or one whose tensors disagree with its
    /// sizes is one clear error, and nothing is left allocated.
    /// </summary>
    public static (ToyGan Model, GanSettings Settings, ToySet Data) Load(string path, GanKind kind, Device device)
    {
        var file = SafeTensors.Load(path);
        var meta = file.Metadata;
        string expected = ToyGanPlan.NameOf(kind);
        if (!meta.TryGetValue("model", out var model))
            throw new GpuGenException($"checkpoint {path}: no 'model' in its metadata: not written by gpugen train");
        if (model != expected)
            throw new GpuGenException($"checkpoint {path}: holds a '{model}' model, not a '{expected}'");
        string Get(string key) => meta.TryGetValue(key, out var v) ? v : throw new GpuGenException($"checkpoint {path}: metadata '{key}' is missing");
        int Size(string key) => int.TryParse(Get(key), CultureInfo.InvariantCulture, out int n) && n > 0
            ? n : throw new GpuGenException($"checkpoint {path}: metadata '{key}' is not a positive size");
        float Number(string key) => float.TryParse(Get(key), CultureInfo.InvariantCulture, out float x) && float.IsFinite(x)
            ? x : throw new GpuGenException($"checkpoint {path}: metadata '{key}' is not a number");
        if (!ToyData.Names.TryGetValue(Get("data"), out var set))
            throw new GpuGenException($"checkpoint {path}: data '{Get("data")}' is not a toy set");
        var settings = new GanSettings(kind, Size("critic_iters"), Number("lambda"), Number("clip"), Get("saturating") == "true");
        var gan = new ToyGan(new Generator(0), device, Size("width"), Size("depth"));
        try
        {
            Checkpoint.Load(file, path, gan);
            return (gan, settings, set);
        }
        catch
        {
            gan.Dispose();
            throw;
        }
    }
}

