namespace GpuGen.IO;

/// <summary>A folder a run will write into: checked before the run starts, created only when the first file is written.</summary>
public static class OutputFolder
{
    /// <summary>
    /// Checks that <paramref name="folder"/> can be written — it is a folder or can be made one —
    /// without creating it: the nearest existing ancestor must be a folder that accepts a file.
    /// A run that fails before its first checkpoint then leaves no empty folder behind.
    /// </summary>
    public static void CheckWritable(string folder)
    {
        try
        {
            string full = Path.GetFullPath(folder);
            if (File.Exists(full)) throw new GpuGenException($"--out {folder} is a file, not a folder");
            string? existing = full;
            while (existing is not null && !Directory.Exists(existing))
            {
                if (File.Exists(existing)) throw new GpuGenException($"cannot write to --out {folder}: {existing} is a file, not a folder");
                existing = Path.GetDirectoryName(existing);
            }
            if (existing is null) throw new GpuGenException($"cannot write to --out {folder}: no part of the path exists");
            string probe = Path.Combine(existing, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GpuGenException($"cannot write to --out {folder}: {e.Message}", e);
        }
    }

    /// <summary>Creates the folder (and its parents) for the files about to be written.</summary>
    public static void Create(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GpuGenException($"cannot write to --out {folder}: {e.Message}", e);
        }
    }
}
