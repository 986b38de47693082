using System.Globalization;
using GpuGen.IO;
using GpuGen.Nn;

namespace GpuGen.Models.Runner;

/// <summary>
/// A checkpoint's metadata read for rebuilding its model: the 'model' it holds checked against the
/// expected one, then sizes, numbers and names, each missing or malformed entry one clear error
/// naming the file and the key; <see cref="LoadInto{T}"/> fills the built module, disposing it if
/// the tensors do not fit.
/// </summary>
public sealed class CheckpointMetadata
{
    private readonly SafeTensorsFile _file;

    public CheckpointMetadata(string path, string expectedModel)
    {
        Path = path;
        _file = SafeTensors.Load(path);
        if (!_file.Metadata.TryGetValue("model", out var model))
            throw new GpuGenException($"checkpoint {path}: no 'model' in its metadata: not written by gpugen train");
        if (model != expectedModel)
            throw new GpuGenException($"checkpoint {path}: holds a '{model}' model, not a '{expectedModel}'");
    }

    public string Path { get; }

    /// <summary>True when the checkpoint at <paramref name="path"/> was trained on digits (metadata data = mnist), not a toy set.</summary>
    public static bool IsDigits(string path) => SafeTensors.Load(path).Metadata.GetValueOrDefault("data") == "mnist";

    /// <summary>The value of <paramref name="key"/>, or null when the checkpoint has none (a key added later).</summary>
    public string? Optional(string key) => _file.Metadata.GetValueOrDefault(key);

    public string Text(string key) =>
        _file.Metadata.TryGetValue(key, out var v) ? v : throw new GpuGenException($"checkpoint {Path}: metadata '{key}' is missing");

    public int Size(string key) => int.TryParse(Text(key), CultureInfo.InvariantCulture, out int n) && n > 0
        ? n : throw new GpuGenException($"checkpoint {Path}: metadata '{key}' is not a positive size");

    public double Number(string key) => double.TryParse(Text(key), CultureInfo.InvariantCulture, out double x) && double.IsFinite(x)
        ? x : throw new GpuGenException($"checkpoint {Path}: metadata '{key}' is not a number");

    /// <summary>The value of <paramref name="key"/> looked up in <paramref name="names"/>.</summary>
    public T Named<T>(string key, IReadOnlyDictionary<string, T> names) => names.TryGetValue(Text(key), out var value)
        ? value : throw new GpuGenException($"checkpoint {Path}: metadata '{key}' is '{Text(key)}', expected one of {string.Join(", ", names.Keys)}");

    /// <summary>Puts the parameter averages that optimizer <paramref name="optimizer"/> kept into <paramref name="module"/>
    /// (see <see cref="Checkpoint.LoadAverages"/>); false when the checkpoint holds none.</summary>
    public bool LoadAveragesInto(Module module, string optimizer) => Checkpoint.LoadAverages(_file, Path, module, optimizer);

    /// <summary>Loads the checkpoint's tensors into <paramref name="module"/> and returns it; on any
    /// error the module is disposed before the error goes on.</summary>
    public T LoadInto<T>(T module) where T : Module
    {
        try
        {
            Checkpoint.Load(_file, Path, module);
            return module;
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }
}
