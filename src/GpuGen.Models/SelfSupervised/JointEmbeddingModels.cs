using GpuGen.Models.Runner;

namespace GpuGen.Models.SelfSupervised;

/// <summary>Building a joint-embedding model from its settings, and restoring one from a checkpoint.</summary>
public static class JointEmbeddingModels
{
    public static JointEmbedding Create(JointEmbeddingSettings settings, Generator generator, Device device) => settings.Method switch
    {
        JointEmbeddingMethod.SimClr => new SimClr(settings, generator, device),
        JointEmbeddingMethod.MoCo => new MoCo(settings, generator, device),
        JointEmbeddingMethod.VicReg => new VicReg(settings, generator, device),
        JointEmbeddingMethod.Byol => new Byol(settings, generator, device),
        _ => new SwAV(settings, generator, device),
    };

    /// <summary>
    /// The model a checkpoint of <c>gpugen train METHOD</c> holds, loaded. A checkpoint of another model
    /// (a VAE's, say: not an encoder of this method) or with missing settings is one clear error naming
    /// the file, and nothing stays allocated.
    /// </summary>
    public static JointEmbedding Load(string path, JointEmbeddingMethod method, Device device)
    {
        if (!File.Exists(path)) throw new GpuGenException($"--checkpoint {path}: no such file");
        var meta = new CheckpointMetadata(path, JointEmbeddingSettings.NameOf(method));
        return meta.LoadInto(Create(JointEmbeddingSettings.FromMetadata(meta, method), new Generator(0), device));
    }
}
