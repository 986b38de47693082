namespace GpuGen.Data;

/// <summary>One split of MNIST: images as bytes (row-major, Count × Rows × Cols) and labels 0–9.</summary>
public sealed class MnistSplit(byte[] pixels, byte[] labels, int rows, int cols)
{
    public byte[] Pixels { get; } = pixels;
    public byte[] Labels { get; } = labels;
    public int Rows { get; } = rows;
    public int Cols { get; } = cols;
    public int Count => Labels.Length;
    public int PixelsPerImage => Rows * Cols;

    /// <summary>Images <paramref name="indices"/> as [n, Rows·Cols] intensities in [0, 1] (byte / 255).</summary>
    public Tensor Images(IReadOnlyList<int> indices, Device? device = null)
    {
        var values = new float[indices.Count * PixelsPerImage];
        FillImages(indices, values);
        return Tensor.FromArray(values, Shape.Of(indices.Count, PixelsPerImage), device);
    }

    /// <summary>Writes images <paramref name="indices"/> as intensities in [0, 1] into <paramref name="destination"/> (n·Rows·Cols floats).</summary>
    public void FillImages(IReadOnlyList<int> indices, Span<float> destination)
    {
        int d = PixelsPerImage;
        if (destination.Length != indices.Count * d)
            throw new ArgumentException($"mnist: {indices.Count} images need {indices.Count * d} floats, the destination holds {destination.Length}");
        for (int i = 0; i < indices.Count; i++)
        {
            var source = Pixels.AsSpan(indices[i] * d, d);
            var target = destination.Slice(i * d, d);
            for (int j = 0; j < d; j++) target[j] = source[j] / 255f;
        }
    }

    /// <summary>Labels <paramref name="indices"/> as a float tensor [n].</summary>
    public Tensor LabelTensor(IReadOnlyList<int> indices, Device? device = null)
    {
        var values = new float[indices.Count];
        FillLabels(indices, values);
        return Tensor.FromArray(values, Shape.Of(indices.Count), device);
    }

    /// <summary>Writes labels <paramref name="indices"/> as floats into <paramref name="destination"/>.</summary>
    public void FillLabels(IReadOnlyList<int> indices, Span<float> destination)
    {
        if (destination.Length != indices.Count)
            throw new ArgumentException($"mnist: {indices.Count} labels, the destination holds {destination.Length}");
        for (int i = 0; i < indices.Count; i++) destination[i] = Labels[indices[i]];
    }

    /// <summary>
    /// The split binarized once: every pixel drawn from Bernoulli(intensity) with a generator of
    /// seed <paramref name="seed"/> (Philox, so the same on every machine), stored as 0 or 255.
    /// A fixed binarization of the test split makes every evaluation of every run score the
    /// same digits (the usual protocol for binarized MNIST).
    /// </summary>
    public MnistSplit Binarized(ulong seed)
    {
        var generator = new Generator(seed);
        var binary = new byte[Pixels.Length];
        const int chunk = 1000; // images per draw: bounded memory for the full 60,000-image split
        for (int start = 0; start < Count; start += chunk)
        {
            int n = Math.Min(chunk, Count - start);
            using var scope = new TensorScope();
            var draws = Ops.Bernoulli(Images(Enumerable.Range(start, n).ToArray(), Devices.Cpu), generator).ToArray();
            for (int i = 0; i < draws.Length; i++) binary[start * PixelsPerImage + i] = draws[i] > 0.5f ? (byte)255 : (byte)0;
        }
        return new MnistSplit(binary, Labels, Rows, Cols);
    }

    public IReadOnlyList<int> AllIndices() => Enumerable.Range(0, Count).ToArray();
}

/// <summary>
/// MNIST in its distribution format (four IDX files, gzip or not). <see cref="DefaultFolder"/>
/// is the embedded 10,000-image subset (8,000 train / 2,000 test) that ships next to the
/// binaries; any folder with the real files (train-images-idx3-ubyte[.gz] and the rest) loads
/// the same way.
/// </summary>
public static class Mnist
{
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "data", "mnist10k");

    public static (MnistSplit Train, MnistSplit Test) Load(string? folder = null)
    {
        folder ??= DefaultFolder;
        if (!Directory.Exists(folder)) throw new GpuGenException($"mnist: data folder {folder} does not exist");
        return (LoadSplit(folder, "train"), LoadSplit(folder, "t10k", "test"));
    }

    private static MnistSplit LoadSplit(string folder, params string[] prefixes)
    {
        string images = Find(folder, prefixes, "images-idx3-ubyte"), labels = Find(folder, prefixes, "labels-idx1-ubyte");
        var (imageShape, pixels) = Idx.ReadUBytes(images, 3);
        var (labelShape, labelBytes) = Idx.ReadUBytes(labels, 1);
        if (imageShape[0] != labelShape[0])
            throw new GpuGenException($"mnist: {Path.GetFileName(images)} holds {imageShape[0]:N0} images but {Path.GetFileName(labels)} holds {labelShape[0]:N0} labels");
        int bad = Array.FindIndex(labelBytes, l => l > 9);
        if (bad >= 0) throw new GpuGenException($"mnist: {Path.GetFileName(labels)}: label {labelBytes[bad]} at index {bad} is not a digit 0–9");
        return new MnistSplit(pixels, labelBytes, imageShape[1], imageShape[2]);
    }

    /// <summary>The file for a split, gzip or raw; the test split is t10k-* in the distribution and test-* here.</summary>
    private static string Find(string folder, string[] prefixes, string stem)
    {
        foreach (var prefix in prefixes)
            foreach (var name in new[] { $"{prefix}-{stem}.gz", $"{prefix}-{stem}" })
            {
                string path = Path.Combine(folder, name);
                if (File.Exists(path)) return path;
            }
        throw new GpuGenException($"mnist: no {prefixes[0]}-{stem}[.gz] in {folder}");
    }
}
