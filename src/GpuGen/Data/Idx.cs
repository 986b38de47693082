using System.Buffers.Binary;
using System.IO.Compression;

namespace GpuGen.Data;

/// <summary>
/// The IDX format of the MNIST distribution: two zero bytes, a type byte (0x08: unsigned
/// bytes), the number of dimensions, each dimension as a big-endian 32-bit count, then the
/// data. Files may be gzip-compressed (recognised by their first bytes, whatever the name).
/// </summary>
public static class Idx
{
    /// <summary>Reads an unsigned-byte IDX file with <paramref name="dimensions"/> dimensions.</summary>
    public static (int[] Shape, byte[] Data) ReadUBytes(string path, int dimensions)
    {
        byte[] raw;
        try
        {
            raw = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GpuGenException($"{path}: cannot read: {e.Message}", e);
        }
        if (raw.Length >= 2 && raw[0] == 0x1f && raw[1] == 0x8b)
        {
            try
            {
                using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gz.CopyTo(plain);
                raw = plain.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw new GpuGenException($"{path}: the gzip stream is corrupt or truncated ({e.Message})", e);
            }
        }
        return Parse(raw, dimensions, path);
    }

    public static (int[] Shape, byte[] Data) Parse(byte[] raw, int dimensions, string what)
    {
        int expectedMagic = 0x0800 | dimensions;
        int headerBytes = 4 + 4 * dimensions;
        if (raw.Length < headerBytes)
            throw new GpuGenException($"{what}: {raw.Length} bytes is too short for an IDX header of {dimensions} dimensions");
        int magic = BinaryPrimitives.ReadInt32BigEndian(raw);
        if (magic != expectedMagic)
            throw new GpuGenException($"{what}: wrong magic number 0x{magic:x8}, expected 0x{expectedMagic:x8} (IDX unsigned bytes, {dimensions} dimensions)");
        var shape = new int[dimensions];
        long count = 1;
        for (int d = 0; d < dimensions; d++)
        {
            shape[d] = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(4 + 4 * d));
            if (shape[d] < 0) throw new GpuGenException($"{what}: dimension {d} is negative ({shape[d]})");
        }
        long available = raw.Length - headerBytes;
        // The product of up to 255 dimensions of up to 2³¹ − 1 overflows a long (three already can,
        // and a wrapped product could even match the file's length): stop as soon as it passes the
        // data actually there.
        for (int d = 0; d < dimensions; d++)
        {
            count *= shape[d];
            if (count > available)
                throw new GpuGenException($"{what}: truncated: the header promises {string.Join(" × ", shape)} bytes of data but the file holds {available:N0}");
        }
        if (available > count)
            throw new GpuGenException($"{what}: {available - count:N0} bytes follow the {count:N0} the header describes");
        return (shape, raw[headerBytes..]);
    }
}
