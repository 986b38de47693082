using GpuGen.Data;

namespace GpuGen.Models.Clustering;

/// <summary>
/// Mini-batches of an MNIST split in a seeded order that also say which examples they hold
/// (<see cref="CurrentIndices"/>), so that DEC can pair each batch with its rows of the target
/// distribution. The order is a permutation from Philox uniforms of the given stream, drawn as
/// <see cref="BatchLoader"/> draws it, so a checkpointed stream offset resumes the same order.
/// The source owns each batch: it is disposed when the enumeration moves past it.
/// </summary>
public sealed class IndexedBatches(MnistSplit split, int batchSize, Device device, Generator order)
{
    public int BatchesPerEpoch => (split.Count + batchSize - 1) / batchSize;

    /// <summary>The examples of the batch last yielded.</summary>
    public int[] CurrentIndices { get; private set; } = [];

    public IEnumerable<Tensor> Epoch()
    {
        var permutation = Enumerable.Range(0, split.Count).ToArray();
        using (var keys = Ops.Uniform(Shape.Of(split.Count), order, Devices.Cpu))
            Array.Sort(keys.ToArray(), permutation);
        for (int start = 0; start < permutation.Length; start += batchSize)
        {
            CurrentIndices = permutation[start..Math.Min(permutation.Length, start + batchSize)];
            Tensor images;
            using (var scope = new TensorScope())
                images = scope.Keep(split.Images(CurrentIndices, device)); // disposed by this iterator below (Dispose is idempotent, so an enclosing scope may close on it later)
            try
            {
                yield return images;
            }
            finally
            {
                images.Dispose();
            }
        }
    }
}
