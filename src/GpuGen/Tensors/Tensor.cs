using GpuGen.Memory;

namespace GpuGen;

/// <summary>
/// A contiguous, row-major float32 array on one device. A tensor holds one reference to a
/// <see cref="Memory.Storage"/> and an element offset into it; views (reshape, first-axis
/// slices) share the storage and hold references of their own, so a view stays valid after the
/// tensor it came from is disposed, and the buffer goes back to the device's caching allocator
/// when the last of them is disposed.
///
/// Disposal is deterministic: call <see cref="Dispose"/>, or create tensors inside a
/// <see cref="TensorScope"/>, which disposes all of them but the ones kept.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly Storage _storage;
    private int _disposed;

    /// <summary>Wraps a storage reference the caller already holds (ownership passes to the tensor).</summary>
    internal Tensor(Storage storage, int offset, Shape shape)
    {
        if (offset < 0 || (long)offset + shape.ElementCount > storage.Capacity)
            throw new ArgumentOutOfRangeException(nameof(offset), $"tensor: [{offset}, {offset + shape.ElementCount}) lies outside a buffer of {storage.Capacity}");
        _storage = storage;
        Offset = offset;
        Shape = shape;
        TensorScope.Track(this);
    }

    public Shape Shape { get; }
    public Device Device => _storage.Device;
    public int Rank => Shape.Rank;

    /// <summary>Number of elements.</summary>
    public int Length => Shape.ElementCount;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The storage, for backends; throws if this tensor was disposed.</summary>
    internal Storage Storage
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return _storage;
        }
    }

    /// <summary>Index of this tensor's first element in its storage.</summary>
    internal int Offset { get; }

    /// <summary>The scope that will dispose this tensor, if any.</summary>
    internal TensorScope? Scope { get; set; }

    /// <summary>True when both tensors refer to the same buffer (one may be a view of the other).</summary>
    public bool SharesStorageWith(Tensor other) => ReferenceEquals(_storage, other._storage);

    /// <summary>True when the two tensors' elements overlap in memory.</summary>
    internal bool Overlaps(Tensor other) =>
        SharesStorageWith(other) && Offset < other.Offset + other.Length && other.Offset < Offset + Length;

    /// <summary>Releases this tensor's reference to its buffer, and its accumulated gradient,
    /// which only this tensor owns (an input of a gradient penalty made a leaf per step would
    /// otherwise leave its .Grad behind every step). Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _storage.Release();
        ClearGrad();
    }

    public override string ToString() =>
        IsDisposed ? $"Tensor{Shape} on {_storage.Device.Name} (disposed)" : $"Tensor{Shape} on {Device.Name}";
}
