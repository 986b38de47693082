namespace GpuGen;

// Creating tensors and moving their values to and from the host. A null device means
// Devices.Default (GPUGEN_DEVICE, else auto).
public sealed partial class Tensor
{
    /// <summary>A tensor whose values are whatever the reused buffer held: write it before reading it.</summary>
    public static Tensor Empty(Shape shape, Device? device = null)
    {
        var d = device ?? Devices.Default;
        var t = new Tensor(d.Allocator.Rent(shape.ElementCount), 0, shape);
        if (PoisonNewTensors) d.Backend.Blas1.Fill(t, float.NaN);
        return t;
    }

    /// <summary>
    /// Test hook: when set, every new tensor starts filled with NaN, so a kernel that leaves
    /// any element of its output unwritten is caught by the test that runs it. The test
    /// assembly turns it on for every test; nothing else should.
    /// </summary>
    internal static bool PoisonNewTensors { get; set; }

    /// <summary>A tensor of <paramref name="shape"/> holding <paramref name="values"/> in row-major order.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> values, Shape shape, Device? device = null)
    {
        if (values.Length != shape.ElementCount)
            throw new ShapeMismatchException($"fromArray: {values.Length} values do not fill shape {shape} ({shape.ElementCount} elements)");
        var t = Empty(shape, device);
        t.Device.CopyFromHost(values, t.Storage, t.Offset);
        return t;
    }

    /// <summary>A 1-D tensor holding <paramref name="values"/>.</summary>
    public static Tensor FromArray(float[] values, Device? device = null) => FromArray(values, Shape.Of(values.Length), device);

    /// <summary>A 2-D tensor holding a rectangular array.</summary>
    public static Tensor FromArray(float[,] values, Device? device = null)
    {
        var flat = new float[values.Length];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(float));
        return FromArray(flat, Shape.Of(values.GetLength(0), values.GetLength(1)), device);
    }

    public static Tensor Full(Shape shape, float value, Device? device = null) => Ops.Fill(Empty(shape, device), value);
    public static Tensor Zeros(Shape shape, Device? device = null) => Full(shape, 0f, device);
    public static Tensor Ones(Shape shape, Device? device = null) => Full(shape, 1f, device);

    /// <summary>The 1-D tensor start, start + step, ... up to but excluding <paramref name="stop"/> (as numpy.arange).</summary>
    public static Tensor Arange(float start, float stop, float step = 1f, Device? device = null)
    {
        if (step == 0 || !float.IsFinite(step) || !float.IsFinite(start) || !float.IsFinite(stop))
            throw new ArgumentException($"arange: start {start}, stop {stop} and step {step} must be finite and step non-zero");
        double count = Math.Ceiling(((double)stop - start) / step);
        if (count > int.MaxValue) throw new ArgumentException($"arange: {count} elements is too many");
        return Ops.Ramp(Empty(Shape.Of((int)Math.Max(0, count)), device), start, step);
    }

    /// <summary>A new tensor with these values on <paramref name="device"/> (a copy even on the same device).</summary>
    public Tensor To(Device device)
    {
        Check.Alive("to", "x", this);
        if (ReferenceEquals(device, Device)) return Ops.Clone(this);
        var from = Device;
        return Autograd.Record("to", FromArray(ToArray(), Shape, device), [this], (g, _) => [g.To(from)]);
    }

    /// <summary>The values, row-major, copied to a new host array (waits for pending kernels).</summary>
    public float[] ToArray()
    {
        var values = new float[Length];
        CopyTo(values);
        return values;
    }

    /// <summary>Copies the values, row-major, into <paramref name="destination"/> (waits for pending kernels).</summary>
    public void CopyTo(Span<float> destination)
    {
        Check.Alive("toHost", "x", this);
        if (destination.Length != Length)
            throw new ShapeMismatchException($"toHost: destination holds {destination.Length} values but the tensor has shape {Shape} ({Length} elements)");
        Device.CopyToHost(Storage, Offset, destination);
    }

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        if (Length != 1) throw new ShapeMismatchException($"item: needs exactly one element but the tensor has shape {Shape}");
        Span<float> one = stackalloc float[1];
        CopyTo(one);
        return one[0];
    }
}
