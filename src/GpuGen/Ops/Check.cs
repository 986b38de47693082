namespace GpuGen;

/// <summary>
/// The checks every op makes before it launches anything: a kernel must never see a tensor of
/// the wrong shape, device or lifetime (on ILGPU's CPU accelerator an out-of-range index
/// aborts the process instead of throwing). Messages name the op and the tensors.
/// </summary>
internal static class Check
{
    public static void Alive(string op, string name, Tensor t)
    {
        if (t.IsDisposed) throw new ObjectDisposedException(name, $"{op}: {name} was disposed");
    }

    public static void SameShape(string op, string aName, Tensor a, string bName, Tensor b)
    {
        if (a.Shape != b.Shape)
            throw new ShapeMismatchException($"{op}: {aName} has shape {a.Shape} but {bName} has shape {b.Shape}");
    }

    public static void SameDevice(string op, string aName, Tensor a, string bName, Tensor b)
    {
        if (!ReferenceEquals(a.Device, b.Device))
            throw new GpuGenException($"{op}: {aName} is on {a.Device.Name} but {bName} is on {b.Device.Name}; move one with To(device)");
    }

    /// <summary>Two operands of an elementwise op: alive, same device, same shape, and either
    /// the very same elements or no overlap (a partial overlap would read values already written).</summary>
    public static void Elementwise(string op, string aName, Tensor a, string bName, Tensor b)
    {
        Alive(op, aName, a);
        Alive(op, bName, b);
        SameDevice(op, aName, a, bName, b);
        SameShape(op, aName, a, bName, b);
        if (a.Overlaps(b) && a.Offset != b.Offset)
            throw new GpuGenException($"{op}: {aName} and {bName} partially overlap in memory");
    }
}
