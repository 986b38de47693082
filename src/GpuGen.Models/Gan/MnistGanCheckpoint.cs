using System.Globalization;
using GpuGen.IO;

namespace GpuGen.Models.Gan;

/// <summary>Restoring an MLP GAN on digits from the checkpoint <c>gpugen train gan|wgan|wgan-gp --data mnist</c> wrote.</summary>
public static class MnistGanCheckpoint
{
    /// <summary>True when the checkpoint at <paramref name="path"/> holds a GAN trained on digits (else a toy one).</summary>
    public static bool IsDigits(string path) => Runner.CheckpointMetadata.IsDigits(path);

    /// <summary>Builds the <see cref="MnistGan"/> the checkpoint describes and loads it; a checkpoint of
    /// another model is one clear error, with nothing left allocated.</summary>
    public static (MnistGan Model, GanSettings Settings) Load(string path, GanKind kind, Device device)
    {
        var file = SafeTensors.Load(path);
        var meta = file.Metadata;
        string expected = ToyGanPlan.NameOf(kind);
        if (meta.GetValueOrDefault("model") is not { } model)
            throw new GpuGenException($"checkpoint {path}: no 'model' in its metadata: not written by gpugen train");
        if (model != expected)
            throw new GpuGenException($"checkpoint {path}: holds a '{model}' model, not a '{expected}'");
        var settings = new GanSettings(kind,
            int.TryParse(meta.GetValueOrDefault("critic_iters"), CultureInfo.InvariantCulture, out int k) && k > 0 ? k : throw new GpuGenException($"checkpoint {path}: metadata 'critic_iters' is missing or not a count"),
            float.TryParse(meta.GetValueOrDefault("lambda"), CultureInfo.InvariantCulture, out float l) ? l : 10f,
            float.TryParse(meta.GetValueOrDefault("clip"), CultureInfo.InvariantCulture, out float c) ? c : 0.01f,
            meta.GetValueOrDefault("saturating") == "true");
        var net = meta.GetValueOrDefault("net") switch
        {
            "conv" => DigitNet.Conv,
            null or "mlp" => DigitNet.Mlp,
            var other => throw new GpuGenException($"checkpoint {path}: metadata 'net' is '{other}', expected mlp or conv"),
        };
        var gan = Build(kind, net, new Generator(0), device, new Generator(0));
        try
        {
            Checkpoint.Load(file, path, gan);
            return (gan, settings);
        }
        catch
        {
            gan.Dispose();
            throw;
        }
    }

    /// <summary>The model a game and a net make: dropout in D for the MLP cross-entropy games, the label
    /// for cgan, BatchNorm in the convolutional critic for DCGAN only.</summary>
    public static MnistGan Build(GanKind kind, DigitNet net, Generator init, Device device, Generator dropout) =>
        new(init, device, kind is GanKind.Gan or GanKind.ConditionalGan && net == DigitNet.Mlp ? dropout : null,
            kind == GanKind.ConditionalGan ? MnistGan.Classes : 0, net, criticBatchNorm: kind == GanKind.Dcgan);
}
