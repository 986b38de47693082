namespace GpuGen.Memory;

/// <summary>Counters of one device's <see cref="CachingAllocator"/>.</summary>
/// <param name="BytesReserved">Bytes currently held from the device (in use plus cached).</param>
/// <param name="BytesInUse">Bytes held by live tensors.</param>
/// <param name="BytesCached">Bytes of freed buffers kept for reuse.</param>
/// <param name="DeviceAllocations">Buffers allocated from the device since the start (cumulative).</param>
/// <param name="CacheHits">Requests served from the cache since the start (cumulative).</param>
public readonly record struct AllocatorStats(
    long BytesReserved, long BytesInUse, long BytesCached, long DeviceAllocations, long CacheHits);

/// <summary>
/// Reuses freed device buffers so that a training loop, which asks for the same sizes every
/// step, stops allocating from the device after its first step.
///
/// Requests are rounded up to a size class: four classes per power of two (64, 80, 96, 112,
/// 128, 160, ... elements), so a buffer wastes at most 25% and a request of n elements is
/// served by any freed buffer of n's class. Freed buffers wait in a per-class free list until
/// <see cref="ReleaseCached"/> gives them back to the device (or the device is disposed).
/// </summary>
internal sealed class CachingAllocator(Func<int, Storage> allocateFromDevice)
{
    private const int MinimumClass = 64; // elements: 256 bytes, a cache-line multiple on every device
    private readonly Dictionary<int, Stack<Storage>> _free = new();
    private readonly Lock _lock = new();
    private long _inUse, _cached, _allocations, _hits;

    /// <summary>The size class that serves a request of <paramref name="elements"/>.</summary>
    public static int SizeClass(int elements)
    {
        if (elements <= MinimumClass) return MinimumClass;
        // step = a quarter of the largest power of two below the request
        int log2 = 31 - int.LeadingZeroCount(elements - 1);
        long step = 1L << Math.Max(0, log2 - 2);
        long rounded = (elements + step - 1) / step * step;
        return (int)Math.Min(rounded, int.MaxValue);
    }

    public Storage Rent(int elements)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elements);
        int size = SizeClass(elements);
        lock (_lock)
        {
            if (_free.TryGetValue(size, out var stack) && stack.TryPop(out var reused))
            {
                reused.Revive();
                _cached -= reused.Bytes;
                _inUse += reused.Bytes;
                _hits++;
                return reused;
            }
        }
        // Allocate outside the lock: a device allocation can be slow.
        var fresh = allocateFromDevice(size);
        lock (_lock)
        {
            _inUse += fresh.Bytes;
            _allocations++;
        }
        return fresh;
    }

    public void Return(Storage storage)
    {
        lock (_lock)
        {
            if (!_free.TryGetValue(storage.Capacity, out var stack))
                _free[storage.Capacity] = stack = new Stack<Storage>();
            stack.Push(storage);
            _inUse -= storage.Bytes;
            _cached += storage.Bytes;
        }
    }

    /// <summary>Gives every cached (unused) buffer back to the device.</summary>
    public void ReleaseCached()
    {
        List<Storage> toFree = [];
        lock (_lock)
        {
            foreach (var stack in _free.Values) toFree.AddRange(stack);
            _free.Clear();
            _cached = 0;
        }
        foreach (var s in toFree) s.Free();
    }

    public AllocatorStats Stats
    {
        get
        {
            lock (_lock) return new AllocatorStats(_inUse + _cached, _inUse, _cached, _allocations, _hits);
        }
    }
}
