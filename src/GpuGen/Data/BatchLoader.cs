namespace GpuGen.Data;

/// <summary>
/// Mini-batches of an MNIST split: shuffled each epoch with a seeded <see cref="Generator"/>
/// (a permutation from Philox uniforms, so the same seed gives the same order everywhere),
/// intensities scaled to [0, 1], and optionally binarized dynamically — a fresh Bernoulli
/// draw of every pixel, with its intensity as probability, each time a batch is served
/// (Salakhutdinov &amp; Murray 2008).
///
/// Ownership: <b>the loader owns the batches it yields.</b> A batch's tensors are valid until
/// the enumeration moves on (or ends, or is abandoned), and the loader disposes them then, so
/// a loop over an epoch frees every batch whatever scopes its caller opens; <see cref="Ops.Clone"/>
/// a batch to keep it. The host staging buffer is reused, and the device buffers come back
/// from the caching allocator at the same size every step: a warm epoch allocates nothing
/// from the device.
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

    /// <summary>One pass over the split: (images [b, pixels], labels [b]) per batch, owned by the
    /// loader and disposed when the enumeration moves past them.</summary>
    public IEnumerable<(Tensor Images, Tensor Labels)> Epoch()
    {
        var order = Order();
        int pixels = _split.PixelsPerImage;
        var staging = new float[Math.Min(BatchSize, Math.Max(order.Length, 1)) * pixels];
        var labelStaging = new float[Math.Min(BatchSize, Math.Max(order.Length, 1))];
        for (int start = 0; start < order.Length; start += BatchSize)
        {
            int size = Math.Min(BatchSize, order.Length - start);
            if (size < BatchSize && DropLast) yield break;
            var indices = new ArraySegment<int>(order, start, size);
            _split.FillImages(indices, staging.AsSpan(0, size * pixels));
            _split.FillLabels(indices, labelStaging.AsSpan(0, size));
            Tensor images, labels;
            using (var owned = new TensorScope()) // made here, then handed to this iterator, not to whatever scope the caller has open
            {
                images = Tensor.FromArray(staging.AsSpan(0, size * pixels), Shape.Of(size, pixels), Device);
                if (_binarize is not null)
                {
                    var sampled = Ops.Bernoulli(images, _binarize);
                    images.Dispose();
                    images = sampled;
                }
                labels = Tensor.FromArray(labelStaging.AsSpan(0, size), Shape.Of(size), Device);
                TensorScope.Release(images);
                TensorScope.Release(labels);
            }
            try
            {
                yield return (images, labels);
            }
            finally
            {
                images.Dispose();
                labels.Dispose();
            }
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
