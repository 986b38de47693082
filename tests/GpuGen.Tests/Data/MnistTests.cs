using System.IO.Compression;
using GpuGen;
using GpuGen.Data;

namespace GpuGen.Tests.Data;

public class MnistTests
{
    [Test]
    public void TheEmbeddedSubsetLoads()
    {
        var (train, test) = Mnist.Load();
        Assert.That((train.Count, train.Rows, train.Cols), Is.EqualTo((8000, 28, 28)));
        Assert.That(test.Count, Is.EqualTo(2000));
        // the subset's README: test labels per digit 0–9
        var counts = Enumerable.Range(0, 10).Select(d => test.Labels.Count(l => l == d)).ToArray();
        Assert.That(counts, Is.EqualTo(new[] { 213, 228, 206, 186, 201, 177, 191, 216, 180, 202 }));
        using var images = train.Images([0, 1], TestSupport.Cpu);
        var v = images.ToArray();
        Assert.That(v.Min(), Is.GreaterThanOrEqualTo(0f));
        Assert.That(v.Max(), Is.LessThanOrEqualTo(1f).And.GreaterThan(0.9f));
    }

    [Test]
    public void BadIdxFilesAreClearErrors()
    {
        Assert.That(Assert.Throws<GpuGenException>(() => Idx.Parse([0, 0, 8, 1, 0, 0, 0, 2, 5], 3, "x"))!.Message,
            Does.Contain("too short"));
        Assert.That(Assert.Throws<GpuGenException>(() => Idx.Parse([0, 0, 8, 1, 0, 0, 0, 2, 5, 6, 0, 0, 0, 0, 0, 0], 3, "x"))!.Message,
            Does.Contain("wrong magic number 0x00000801, expected 0x00000803"));
        Assert.That(Assert.Throws<GpuGenException>(() => Idx.Parse([0, 0, 8, 1, 0, 0, 0, 3, 5, 6], 1, "x"))!.Message,
            Does.Contain("truncated").And.Contain("3 bytes of data but the file holds 2"));
        Assert.That(Idx.Parse([0, 0, 8, 1, 0, 0, 0, 2, 5, 6], 1, "x").Data, Is.EqualTo(new byte[] { 5, 6 }));
    }

    [Test]
    public void FoldersWithMissingOrDisagreeingFilesAreClearErrors()
    {
        using var folder = new TempFolder();
        string dir = folder.Path;
        {
            Assert.That(Assert.Throws<GpuGenException>(() => Mnist.Load(Path.Combine(dir, "nope")))!.Message, Does.Contain("does not exist"));
            Assert.That(Assert.Throws<GpuGenException>(() => Mnist.Load(dir))!.Message, Does.Contain("no train-images-idx3-ubyte"));
            // raw (not gzip) files with the distribution's t10k names, and one label too many
            File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 9]);
            File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 2, 3, 4]);
            File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 9]);
            File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 1, 3]);
            Assert.That(Assert.Throws<GpuGenException>(() => Mnist.Load(dir))!.Message, Does.Contain("holds 1 images but train-labels-idx1-ubyte holds 2 labels"));
            File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 1, 3]);
            var (train, test) = Mnist.Load(dir);
            Assert.That((train.Count, test.Count, train.Pixels[0]), Is.EqualTo((1, 1, (byte)9)));
            // a gzip file cut short
            var gz = File.ReadAllBytes(Path.Combine(Mnist.DefaultFolder, "train-labels-idx1-ubyte.gz"));
            File.WriteAllBytes(Path.Combine(dir, "cut.gz"), gz[..(gz.Length / 2)]);
            Assert.That(Assert.Throws<GpuGenException>(() => Idx.ReadUBytes(Path.Combine(dir, "cut.gz"), 1))!.Message,
                Does.Contain("cut.gz").And.Match("corrupt or truncated|truncated"));
        }
    }
}

public class IdxOverflowTests
{
    /// <summary>2²² × 2²² × 2²⁰ = 2⁶⁴ wraps a long to 0, which an empty data section matched: the
    /// header's sizes are checked against the data as they are multiplied.</summary>
    [Test]
    public void AHeaderWhoseSizesOverflowIsTruncationNotAnEmptyImage()
    {
        byte[] header = [0, 0, 8, 3, 0, 0x40, 0, 0, 0, 0x40, 0, 0, 0, 0x10, 0, 0];
        var e = Assert.Throws<GpuGenException>(() => Idx.Parse(header, 3, "x"))!;
        Assert.That(e.Message, Does.Contain("truncated").And.Contain("4194304 × 4194304 × 1048576"));
    }
}
