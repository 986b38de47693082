using System.Buffers.Binary;
using System.Text;

namespace GpuGen.IO;

/// <summary>
/// NumPy's .npy format, version 1.0, for float32 arrays in C order, so samples can be analysed
/// elsewhere (<c>numpy.load</c>). The layout: the magic "\x93NUMPY", version bytes 1 0, a
/// little-endian uint16 header length, an ASCII Python dict
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (…), }</c> padded with spaces and
/// ended by a newline so the data starts at a multiple of 64 bytes, then the values little-endian.
/// </summary>
public static class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];

    /// <summary>Writes <paramref name="values"/> with <paramref name="shape"/> atomically (never half-written).</summary>
    public static void Save(string path, ReadOnlySpan<float> values, params int[] shape)
    {
        long count = shape.Aggregate(1L, (p, d) => p * d);
        if (shape.Any(d => d < 0) || count != values.Length)
            throw new ArgumentException($"npy: shape ({string.Join(", ", shape)}) does not hold {values.Length} values");
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        var header = Header(shape);
        AtomicFile.Write(path, stream =>
        {
            stream.Write(Magic);
            Span<byte> length = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
            stream.Write(length);
            stream.Write(header);
            stream.Write(bytes);
        });
    }

    /// <summary>The dict, padded so that magic + length + dict is a multiple of 64 bytes.</summary>
    internal static byte[] Header(int[] shape)
    {
        string dims = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {dims}, }}";
        int unpadded = Magic.Length + 2 + dict.Length + 1;
        int padding = (64 - unpadded % 64) % 64;
        return Encoding.ASCII.GetBytes(dict + new string(' ', padding) + "\n");
    }
}
