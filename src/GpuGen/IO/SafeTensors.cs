using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GpuGen.IO;

/// <summary>One tensor read from a safetensors file.</summary>
public sealed record StoredTensor(string Name, Shape Shape, float[] Values);

/// <summary>The validated contents of a safetensors file.</summary>
public sealed record SafeTensorsFile(IReadOnlyDictionary<string, StoredTensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
/// header length N, N bytes of JSON — <c>{"name": {"dtype": "F32", "shape": [..],
/// "data_offsets": [begin, end]}, "__metadata__": {"key": "value"}}</c>, offsets relative to the
/// byte buffer that follows — then the raw little-endian data, indexed entirely and without
/// holes. GpuGen writes and reads F32 tensors. Writing is atomic (a temporary file in the same
/// folder, then a rename), so a crash or an error never leaves a half-written file; reading
/// validates the whole file before returning anything.
/// </summary>
public static class SafeTensors
{
    /// <summary>The largest header accepted (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public static void Save(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var names = new HashSet<string>();
        foreach (var (name, t) in list)
        {
            if (string.IsNullOrEmpty(name) || name == "__metadata__" || !names.Add(name))
                throw new GpuGenException($"safetensors: tensor name '{name}' is empty, reserved or repeated");
            Check.Alive("safetensors", name, t);
        }

        var header = new JsonObject();
        if (metadata is { Count: > 0 })
            header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        long offset = 0;
        foreach (var (name, t) in list)
        {
            long bytes = (long)t.Length * sizeof(float);
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(t.Shape.ToArray().Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(offset + bytes)),
            };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padding = (8 - json.Length % 8) % 8; // spaces: keeps the data 8-byte aligned, as the format recommends

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(json.Length + padding));
            stream.Write(length);
            stream.Write(json);
            for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
            foreach (var (_, t) in list) stream.Write(LittleEndianBytes(t.ToArray()));
        });
    }

    public static SafeTensorsFile Load(string path)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GpuGenException($"safetensors: cannot read {path}: {e.Message}", e);
        }
        return Parse(file, path);
    }

    /// <summary>Parses and validates a whole file held in memory.</summary>
    public static SafeTensorsFile Parse(ReadOnlySpan<byte> file, string what = "input")
    {
        if (file.Length < 8) throw Corrupt(what, $"{file.Length} bytes is too short for the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > MaxHeaderBytes) throw Corrupt(what, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        if (8 + (long)headerLength > file.Length) throw Corrupt(what, $"header length {headerLength} runs past the end of the {file.Length}-byte file (truncated?)");
        var data = file[(8 + (int)headerLength)..];

        JsonObject header;
        try
        {
            header = JsonNode.Parse(file.Slice(8, (int)headerLength)) as JsonObject ?? throw Corrupt(what, "the header is not a JSON object");
        }
        catch (Exception e) when (e is JsonException or ArgumentException) // ArgumentException: a repeated key
        {
            throw Corrupt(what, $"the header is not valid JSON ({e.Message})");
        }

        var metadata = new Dictionary<string, string>();
        var entries = new List<(string Name, Shape Shape, long Begin, long End)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is not JsonObject meta) throw Corrupt(what, "__metadata__ is not an object");
                foreach (var (k, v) in meta)
                    metadata[k] = v is JsonValue value && value.TryGetValue(out string? text) ? text : throw Corrupt(what, $"metadata '{k}' is not a string");
                continue;
            }
            if (node is not JsonObject entry) throw Corrupt(what, $"entry '{name}' is not an object");
            string? dtype = entry["dtype"] is JsonValue dv && dv.TryGetValue(out string? d) ? d : null;
            if (dtype != "F32") throw Corrupt(what, $"tensor '{name}' has dtype {dtype ?? "(none)"}; GpuGen reads F32 only");
            var shape = ReadLongs(entry["shape"], what, name, "shape");
            var offsets = ReadLongs(entry["data_offsets"], what, name, "data_offsets");
            if (offsets.Length != 2) throw Corrupt(what, $"tensor '{name}' has {offsets.Length} data offsets, not 2");
            if (shape.Any(d => d < 0 || d > int.MaxValue)) throw Corrupt(what, $"tensor '{name}' has an invalid shape [{string.Join(", ", shape)}]");
            var s = new Shape(shape.Select(d => (int)d).ToArray());
            long begin = offsets[0], end = offsets[1];
            if (begin < 0 || end < begin || end > data.Length)
                throw Corrupt(what, $"tensor '{name}' claims bytes [{begin}, {end}) of a {data.Length}-byte data buffer");
            if (end - begin != (long)s.ElementCount * sizeof(float))
                throw Corrupt(what, $"tensor '{name}' of shape {s} needs {(long)s.ElementCount * sizeof(float)} bytes but its offsets span {end - begin}");
            entries.Add((name, s, begin, end));
        }

        // The buffer must be covered exactly: sorted by offset, each tensor starts where the last ended.
        long covered = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin != covered)
                throw Corrupt(what, e.Begin < covered ? $"tensor '{e.Name}' overlaps another" : $"a hole before tensor '{e.Name}' (bytes [{covered}, {e.Begin}))");
            covered = e.End;
        }
        if (covered != data.Length) throw Corrupt(what, $"{data.Length - covered} bytes after the last tensor are indexed by none");

        var tensors = new Dictionary<string, StoredTensor>();
        foreach (var (name, shape, begin, end) in entries)
            tensors[name] = new StoredTensor(name, shape, FromLittleEndian(data[(int)begin..(int)end]));
        return new SafeTensorsFile(tensors, metadata);
    }

    private static long[] ReadLongs(JsonNode? node, string what, string name, string field)
    {
        if (node is not JsonArray array) throw Corrupt(what, $"tensor '{name}' has no {field} array");
        try
        {
            return array.Select(v => v!.GetValue<long>()).ToArray();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw Corrupt(what, $"tensor '{name}' has a {field} that is not a list of integers");
        }
    }

    private static byte[] LittleEndianBytes(float[] values)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < bytes.Length; i += 4) bytes.AsSpan(i, 4).Reverse();
        return bytes;
    }

    private static float[] FromLittleEndian(ReadOnlySpan<byte> bytes)
    {
        var values = new float[bytes.Length / sizeof(float)];
        for (int i = 0; i < values.Length; i++)
            values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(i * 4, 4)));
        return values;
    }

    private static GpuGenException Corrupt(string what, string problem) => new($"safetensors: {what} is not a valid safetensors file: {problem}");
}
