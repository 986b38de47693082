namespace GpuGen.Cli.Commands;

/// <summary>The --out of every sample command: a .png picture or a .npy array.</summary>
internal static class SampleOutput
{
    /// <summary>True for .npy, false for .png; anything else is a usage error, and a folder that is not there an error, before any work.</summary>
    public static bool IsNpy(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".png" or ".npy"))
            throw new GpuGenException($"--out {path}: give a .png (a picture) or a .npy (the raw samples)", isUsageError: true);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder)) throw new GpuGenException($"cannot write {path}: folder {folder} does not exist");
        return extension == ".npy";
    }
}
