using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using GpuGen;
using GpuGen.IO;

namespace GpuGen.Tests.IO;

public class SafeTensorsTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void MakeFolder() => _folder = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _folder.Dispose();

    [Test]
    public void RoundTripIsBitExactAndTheFileFollowsTheFormat()
    {
        var values = TestSupport.RandomArray(6, 1);
        values[0] = -0f;
        values[1] = BitConverter.Int32BitsToSingle(0x7fc01234); // a NaN with a payload
        using var a = Tensor.FromArray(values, Shape.Of(2, 3), TestSupport.Cpu);
        using var b = Tensor.FromArray([7f], Shape.Scalar, TestSupport.IlgpuCpu);
        using var empty = Tensor.Zeros(Shape.Of(0, 4), TestSupport.Cpu);
        string path = _folder.File("t.safetensors");
        SafeTensors.Save(path, [("layer.weight", a), ("scale", b), ("empty", empty)], new Dictionary<string, string> { ["note"] = "hi" });

        // Independently of our reader: 8-byte little-endian length, JSON header, raw data.
        var bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.That(n % 8, Is.Zero, "header padded to keep the data 8-byte aligned");
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        var w = header.RootElement.GetProperty("layer.weight");
        Assert.That(w.GetProperty("dtype").GetString(), Is.EqualTo("F32"));
        Assert.That(w.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(w.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()), Is.EqualTo(new long[] { 0, 24 }));
        Assert.That(header.RootElement.GetProperty("__metadata__").GetProperty("note").GetString(), Is.EqualTo("hi"));
        Assert.That(bytes.Length, Is.EqualTo(8 + n + 28));
        Assert.That(BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan((int)(8 + n) + 4)), Is.EqualTo(0x7fc01234));

        var file = SafeTensors.Load(path);
        Assert.That(file.Tensors["layer.weight"].Values.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(values.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(file.Tensors["scale"].Shape, Is.EqualTo(Shape.Scalar));
        Assert.That(file.Tensors["empty"].Shape, Is.EqualTo(Shape.Of(0, 4)));
        Assert.That(file.Metadata["note"], Is.EqualTo("hi"));
    }

    [Test]
    public void ReadsAFileWrittenByHand()
    {
        // A two-tensor file assembled byte by byte from the format's description.
        string json = """{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        var file = Build(json, [1f, 2f, 3f]);
        var parsed = SafeTensors.Parse(file);
        Assert.That(parsed.Tensors["a"].Values, Is.EqualTo(new[] { 1f, 2f }));
        Assert.That(parsed.Tensors["b"].Values, Is.EqualTo(new[] { 3f }));
    }

    private static byte[] Build(string json, float[] data, long? claimedLength = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + data.Length * 4];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(claimedLength ?? header.Length));
        header.CopyTo(bytes, 8);
        for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + header.Length + 4 * i), data[i]);
        return bytes;
    }

    private const string OneTensor = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    [TestCase("truncated data", OneTensor, 1, null, "claims bytes [0, 8) of a 4-byte data buffer")]
    [TestCase("header longer than the file", OneTensor, 2, 1000L, "runs past the end")]
    [TestCase("oversized header", OneTensor, 2, 200_000_000L, "exceeds the 100000000-byte limit")]
    [TestCase("size that disagrees with the shape", """{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 2, null, "needs 12 bytes but its offsets span 8")]
    [TestCase("overlapping tensors", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 2, null, "overlaps")]
    [TestCase("bytes indexed by none", OneTensor, 3, null, "after the last tensor")]
    [TestCase("another dtype", """{"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}""", 2, null, "dtype F16")]
    [TestCase("bad JSON", """{"a":""", 2, null, "not valid JSON")]
    [TestCase("negative dimension", """{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 2, null, "invalid shape")]
    public void CorruptFilesAreClearErrors(string what, string json, int floats, long? claimedLength, string expected)
    {
        var bytes = Build(json, new float[floats], claimedLength);
        var e = Assert.Throws<GpuGenException>(() => SafeTensors.Parse(bytes, "f"))!;
        Assert.That(e.Message, Does.StartWith("safetensors: f is not a valid safetensors file").And.Contain(expected), what);
    }

    [Test]
    public void TooShortToHoldAHeaderLength()
    {
        Assert.That(Assert.Throws<GpuGenException>(() => SafeTensors.Parse(new byte[5], "f"))!.Message, Does.Contain("too short"));
        Assert.That(Assert.Throws<GpuGenException>(() => SafeTensors.Load(_folder.File("none")))!.Message, Does.StartWith("safetensors: cannot read"));
    }

    [Test]
    public void AFailedWriteLeavesTheOldFileAndNoTemporary()
    {
        string path = _folder.File("keep.safetensors");
        using var a = Tensor.Ones(Shape.Of(3), TestSupport.Cpu);
        SafeTensors.Save(path, [("a", a)]);
        var before = File.ReadAllBytes(path);
        var gone = Tensor.Ones(Shape.Of(3), TestSupport.Cpu);
        gone.Dispose();
        Assert.Throws<ObjectDisposedException>(() => SafeTensors.Save(path, [("a", a), ("b", gone)]));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(_folder.Path), Has.Length.EqualTo(1), "no temporary file left behind");
        var e = Assert.Throws<GpuGenException>(() => SafeTensors.Save(Path.Combine(_folder.Path, "no", "such", "x.safetensors"), [("a", a)]))!;
        Assert.That(e.Message, Does.Contain("does not exist"));
    }
}
