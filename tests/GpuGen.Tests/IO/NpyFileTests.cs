using System.Buffers.Binary;
using System.Text;
using GpuGen.IO;

namespace GpuGen.Tests.IO;

/// <summary>.npy files as NumPy's format document specifies them (version 1.0), read back by a reader written from that document.</summary>
public class NpyFileTests
{
    /// <summary>Parses a version-1.0 float32 C-order .npy: (shape, values).</summary>
    public static (int[] Shape, float[] Values) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.That(bytes[..8], Is.EqualTo(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }), "magic and version 1.0");
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.That((10 + headerLength) % 64, Is.Zero, "the data starts 64-byte aligned");
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.That(header, Does.StartWith("{'descr': '<f4', 'fortran_order': False, 'shape': (").And.EndWith("\n"));
        string dims = header[(header.IndexOf("'shape': (", StringComparison.Ordinal) + 10)..header.IndexOf(')')];
        var shape = dims.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var data = bytes.AsSpan(10 + headerLength);
        var values = new float[data.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]);
        Assert.That(values.Length, Is.EqualTo(shape.Aggregate(1, (p, d) => p * d)), "as many values as the shape says");
        return (shape, values);
    }

    [TestCase(new[] { 7 })]
    [TestCase(new[] { 3, 2 })]
    [TestCase(new[] { 2, 1, 4, 3 })]
    public void WhatIsWrittenReadsBack(int[] shape)
    {
        using var folder = new TempFolder();
        int n = shape.Aggregate(1, (p, d) => p * d);
        var values = TestSupport.RandomArray(n, n);
        NpyFile.Save(folder.File("a.npy"), values, shape);
        var (readShape, readValues) = Read(folder.File("a.npy"));
        Assert.That(readShape, Is.EqualTo(shape));
        Assert.That(readValues, Is.EqualTo(values));
        if (shape.Length == 1) Assert.That(File.ReadAllText(folder.File("a.npy")), Does.Contain("'shape': (7,)"), "a 1-tuple as Python writes it");
    }

    [Test]
    public void AShapeThatDoesNotFitAndAMissingFolderAreErrors()
    {
        using var folder = new TempFolder();
        Assert.Throws<ArgumentException>(() => NpyFile.Save(folder.File("a.npy"), new float[5], 2, 3));
        var e = Assert.Throws<GpuGenException>(() => NpyFile.Save(folder.File("nowhere/a.npy"), new float[6], 2, 3))!;
        Assert.That(e.Message, Does.Contain("does not exist"));
        Assert.That(Directory.GetFiles(folder.Path), Is.Empty);
    }
}
