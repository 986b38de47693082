using GpuGen.Data;
using GpuGen.Models.Runner;

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
        var meta = new CheckpointMetadata(path, ToyGanPlan.NameOf(kind));
        var set = meta.Named("data", ToyData.Names);
        var settings = new GanSettings(kind, meta.Size("critic_iters"), (float)meta.Number("lambda"), (float)meta.Number("clip"), meta.Text("saturating") == "true");
        return (meta.LoadInto(new ToyGan(new Generator(0), device, meta.Size("width"), meta.Size("depth"))), settings, set);
    }
}
