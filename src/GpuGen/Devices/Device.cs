using GpuGen.Backends;
using GpuGen.Memory;

namespace GpuGen;

/// <summary>
/// A place where tensors live and kernels run. Get one from <see cref="Devices"/>; a device
/// lives as long as the process. Every device has a <see cref="CachingAllocator"/> for its
/// memory and a backend that implements each kernel family for it.
/// </summary>
public abstract class Device
{
    private protected Device(DeviceInfo info)
    {
        Info = info;
        Allocator = new CachingAllocator(AllocateFromDevice);
    }

    public DeviceInfo Info { get; }
    public string Name => Info.Name;
    public DeviceKind Kind => Info.Kind;

    internal CachingAllocator Allocator { get; }
    internal abstract IBackend Backend { get; }

    /// <summary>Memory counters of this device's caching allocator.</summary>
    public AllocatorStats MemoryStats => Allocator.Stats;

    /// <summary>Gives cached (freed but kept) buffers back to the device.</summary>
    public void ReleaseCachedMemory() => Allocator.ReleaseCached();

    /// <summary>Waits until every kernel launched on this device has finished.</summary>
    public abstract void Synchronize();

    /// <summary>Allocates a buffer of exactly <paramref name="capacity"/> elements from the device.</summary>
    private protected abstract Storage AllocateFromDevice(int capacity);

    /// <summary>Copies host values into a storage, starting at element <paramref name="offset"/>.</summary>
    internal abstract void CopyFromHost(ReadOnlySpan<float> source, Storage target, int offset);

    /// <summary>Copies elements [offset, offset + target.Length) of a storage to the host.</summary>
    internal abstract void CopyToHost(Storage source, int offset, Span<float> target);

    public override string ToString() => Name;
}
