using System.Buffers.Binary;
namespace GpuGen.Data;

/// <summary>A folder of real MNIST files (uncompressed IDX) holding the first images of the embedded
/// splits: for command-line tests and <c>gpugen selftest</c>, whose runs would take minutes on every digit.</summary>
public static class MnistSubset
{
    public static void Write(string folder, int train, int test)
    {
        var (trainSplit, testSplit) = Mnist.Load(null);
        Directory.CreateDirectory(folder);
        WriteSplit(folder, "train", trainSplit, train);
        WriteSplit(folder, "t10k", testSplit, test);
    }

    private static void WriteSplit(string folder, string prefix, MnistSplit split, int count)
    {
        int size = split.PixelsPerImage;
        var images = new byte[16 + count * size];
        BinaryPrimitives.WriteInt32BigEndian(images, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), split.Rows);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), split.Cols);
        split.Pixels.AsSpan(0, count * size).CopyTo(images.AsSpan(16));
        File.WriteAllBytes(Path.Combine(folder, $"{prefix}-images-idx3-ubyte"), images);
        var labels = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(labels, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), count);
        split.Labels.AsSpan(0, count).CopyTo(labels.AsSpan(8));
        File.WriteAllBytes(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte"), labels);
    }
}
