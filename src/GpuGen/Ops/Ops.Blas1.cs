namespace GpuGen;

/// <summary>
/// Tensor ops. Each op checks its operands (<see cref="Check"/>), then calls its kernel family
/// on the operands' device backend; it never launches a kernel itself. One file per family.
/// </summary>
public static partial class Ops
{
    // Level-1 family: fill, ramp, copy, scale, axpy. In place on y (no autograd yet).

    /// <summary>y[i] = value.</summary>
    public static Tensor Fill(Tensor y, float value)
    {
        Check.Alive("fill", "y", y);
        Check.NotRecordingInPlace("fill", y);
        y.Device.Backend.Blas1.Fill(y, value);
        return y;
    }

    /// <summary>y[i] = start + i·step over the flattened elements.</summary>
    public static Tensor Ramp(Tensor y, float start, float step)
    {
        Check.Alive("ramp", "y", y);
        Check.NotRecordingInPlace("ramp", y);
        y.Device.Backend.Blas1.Ramp(y, start, step);
        return y;
    }

    /// <summary>destination[i] = source[i]; both on one device and of one shape.</summary>
    public static Tensor Copy(Tensor source, Tensor destination)
    {
        Check.Elementwise("copy", "source", source, "destination", destination);
        Check.NotRecordingInPlace("copy", destination, source);
        if (source.Offset != destination.Offset || !source.SharesStorageWith(destination))
            source.Device.Backend.Blas1.Copy(source, destination);
        return destination;
    }

    /// <summary>y[i] = α·y[i].</summary>
    public static Tensor Scale(Tensor y, float alpha)
    {
        Check.Alive("scale", "y", y);
        Check.NotRecordingInPlace("scale", y);
        y.Device.Backend.Blas1.Scale(y, alpha);
        return y;
    }

    /// <summary>y[i] = α·x[i] + y[i].</summary>
    public static Tensor Axpy(float alpha, Tensor x, Tensor y)
    {
        Check.Elementwise("axpy", "x", x, "y", y);
        Check.NotRecordingInPlace("axpy", y, x);
        y.Device.Backend.Blas1.Axpy(alpha, x, y);
        return y;
    }

    /// <summary>A new tensor with the same shape, device and values as <paramref name="x"/>. dx = g.</summary>
    public static Tensor Clone(Tensor x)
    {
        Check.Alive("clone", "x", x);
        var y = Tensor.Empty(x.Shape, x.Device);
        x.Device.Backend.Blas1.Copy(x, y);
        return Autograd.Record("clone", y, [x], (g, _) => [g]);
    }
}
