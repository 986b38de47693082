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

    /// <summary>In-place ops are not recorded: writing into a tensor that is part of a graph
    /// would silently corrupt its gradients, so it is refused while recording.</summary>
    public static void NotRecordingInPlace(string op, Tensor target, params Tensor?[] inputs)
    {
        if (!GradMode.Enabled) return;
        if (target.TracksGrad || inputs.Any(t => t is not null && t.TracksGrad))
            throw new GpuGenException($"{op}: writes in place, which autograd does not record, on tensors that require grad; use the op that returns a new tensor, or run it under Autograd.NoGrad()");
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
