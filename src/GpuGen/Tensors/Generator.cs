namespace GpuGen;

/// <summary>
/// The state of a stream of random numbers: a seed and an offset. Each random op takes one
/// (seed, offset) pair and advances the offset by one, so successive calls draw independent
/// numbers, and the same seed replays the same sequence of calls bit for bit on every device
/// (see <see cref="Kernels.Random.Philox"/>). Save <see cref="Seed"/> and <see cref="Offset"/>
/// in a checkpoint to resume a stream exactly.
/// </summary>
public sealed class Generator(ulong seed, ulong offset = 0)
{
    private long _offset = unchecked((long)offset);

    public ulong Seed { get; } = seed;

    /// <summary>The offset the next random op will use.</summary>
    public ulong Offset => unchecked((ulong)Interlocked.Read(ref _offset));

    /// <summary>Takes the (seed, offset) for one random op and advances the offset.</summary>
    /// <summary>Moves the stream to <paramref name="offset"/> (resuming a run from the offset its checkpoint saved).</summary>
    public void Seek(ulong offset) => Interlocked.Exchange(ref _offset, unchecked((long)offset));

    internal (ulong Seed, ulong Offset) Next() => (Seed, unchecked((ulong)Interlocked.Increment(ref _offset) - 1));

    public override string ToString() => $"Generator(seed {Seed}, offset {Offset})";
}
