namespace GpuGen.Data;

/// <summary>
/// Mini-batches of an MNIST split: shuffled each epoch with a seeded <see cref="Generator"/>
/// (a permutation from Philox uniforms, so the same seed gives the same order everywhere),
/// intensities scaled to [0, 1], and optionally binarized dynamically — a fresh Bernoulli
/// draw of every pixel, with its intensity as probability, each time a batch is served
/// (Salakhutdinov &amp; Murray 2008).
/// </summary>
public sealed class BatchLoader
{
    private readonly MnistSplit _split;
    private readonly Generator? _shuffle;
    private readonly Generator? _binarize;

    public BatchLoader(MnistSplit split, int batchSize, Device device, Generator? shuffle = null, Generator? binarize = null, bool dropLast = false)
    {
        if (batchSize <= 0) throw new ArgumentException($"loader: batch size must be positive, got {batchSize}");
        _split = split;
        BatchSize = batchSize;
        Device = device;
        _shuffle = shuffle;
        _binarize = binarize;
        DropLast = dropLast;
    }

    public int BatchSize { get; }
    public Device Device { get; }
    public bool DropLast { get; }
    public int Count => _split.Count;
    public int BatchesPerEpoch => DropLast ? Count / BatchSize : (Count + BatchSize - 1) / BatchSize;

    /// <summary>One pass over the split: (images [b, pixels], labels [b]) per batch. The tensors
    /// belong to the caller's scope.</summary>
    public IEnumerable<(Tensor Images, Tensor Labels)> Epoch()
    {
        var order = Order();
        for (int start = 0; start < order.Length; start += BatchSize)
        {
            int size = Math.Min(BatchSize, order.Length - start);
            if (size < BatchSize && DropLast) yield break;
            var indices = order[start..(start + size)];
            var images = _split.Images(indices, Device);
            if (_binarize is not null)
            {
                var sampled = Ops.Bernoulli(images, _binarize);
                images.Dispose();
                images = sampled;
            }
            yield return (images, _split.LabelTensor(indices, Device));
        }
    }

    private int[] Order()
    {
        var order = Enumerable.Range(0, Count).ToArray();
        if (_shuffle is null) return order;
        using var keys = Ops.Uniform(Shape.Of(Count), _shuffle, Devices.Cpu);
        var k = keys.ToArray();
        Array.Sort(k, order); // a uniformly random permutation: ties have probability ~n²·2⁻²⁵
        return order;
    }
}
