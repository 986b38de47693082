namespace GpuGen.Memory;

/// <summary>
/// One buffer of float32 on a device, shared by a tensor and its views. Reference counted:
/// each tensor that refers to it holds one reference, and the last release hands the buffer
/// back to the device's <see cref="CachingAllocator"/> (not to the device itself).
/// </summary>
internal abstract class Storage
{
    private int _references = 1;

    protected Storage(Device device, int capacity)
    {
        Device = device;
        Capacity = capacity;
    }

    public Device Device { get; }

    /// <summary>Elements the buffer holds (its size class, at least what was asked for).</summary>
    public int Capacity { get; }

    public long Bytes => (long)Capacity * sizeof(float);

    public void AddReference()
    {
        if (Interlocked.Increment(ref _references) <= 1)
            throw new InvalidOperationException("storage: a reference was taken to a released buffer");
    }

    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0) Device.Allocator.Return(this);
        else if (left < 0) throw new InvalidOperationException("storage: released more often than referenced");
    }

    /// <summary>Called by the allocator when it hands out a cached buffer again.</summary>
    internal void Revive() => Volatile.Write(ref _references, 1);

    /// <summary>Gives the memory back to the device; only the allocator calls this.</summary>
    internal abstract void Free();
}
