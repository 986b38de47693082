namespace GpuGen.IO;

/// <summary>Writes a file through a temporary file in the same folder and a rename: never half-written.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder)) throw new GpuGenException($"cannot write {path}: folder {folder} does not exist");
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new GpuGenException($"cannot write {path}: {e.Message}", e);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public static void WriteText(string path, string text) => Write(path, s =>
    {
        using var writer = new StreamWriter(s, leaveOpen: true); // the caller flushes and closes the stream
        writer.Write(text);
    });
}
