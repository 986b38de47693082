using ILGPU;

namespace GpuGen.Kernels.Blas1;

// Level-1 kernels (fill, ramp, copy, scale, axpy) for ILGPU devices: CUDA, OpenCL and
// ILGPU's CPU accelerator. Thread i handles element i; launched implicitly grouped over
// the element count, so there is no bounds check beyond the launch extent.

/// <summary>Arguments of <see cref="Blas1Device.Fill"/>: y[i] = value.</summary>
public struct FillArgs
{
    public ArrayView<float> Y;
    public float Value;

    /// <summary>Unused: ends the struct on an 8-byte boundary, which OpenCL needs (KernelArgsLayoutTests).</summary>
    public long Align8;
}

/// <summary>Arguments of <see cref="Blas1Device.Ramp"/>: y[i] = start + i·step.</summary>
public struct RampArgs
{
    public ArrayView<float> Y;
    public float Start;
    public float Step;
}

/// <summary>Arguments of <see cref="Blas1Device.Copy"/>: y[i] = x[i].</summary>
public struct CopyArgs
{
    public ArrayView<float> X;
    public ArrayView<float> Y;
}

/// <summary>Arguments of <see cref="Blas1Device.Scale"/>: y[i] = α·y[i].</summary>
public struct ScaleArgs
{
    public ArrayView<float> Y;
    public float Alpha;

    /// <summary>Unused: ends the struct on an 8-byte boundary, which OpenCL needs (KernelArgsLayoutTests).</summary>
    public long Align8;
}

/// <summary>Arguments of <see cref="Blas1Device.Axpy"/>: y[i] = α·x[i] + y[i].</summary>
public struct AxpyArgs
{
    public ArrayView<float> X;
    public ArrayView<float> Y;
    public float Alpha;

    /// <summary>Unused: ends the struct on an 8-byte boundary, which OpenCL needs (KernelArgsLayoutTests).</summary>
    public long Align8;
}

public static class Blas1Device
{
    public static void Fill(Index1D i, FillArgs a) => a.Y[i] = a.Value;

    // Computed as start + i·step (not by accumulation) so that every element carries one
    // rounding, the same on every device and in the host kernel.
    public static void Ramp(Index1D i, RampArgs a) => a.Y[i] = a.Start + i * a.Step;

    public static void Copy(Index1D i, CopyArgs a) => a.Y[i] = a.X[i];

    public static void Scale(Index1D i, ScaleArgs a) => a.Y[i] = a.Alpha * a.Y[i];

    // α·x + y as a multiply then an add (two roundings), as in the host kernel, so that
    // cpu and ilgpu-cpu agree bit for bit. The kernel is bound by memory, not arithmetic.
    public static void Axpy(Index1D i, AxpyArgs a) => a.Y[i] = a.Alpha * a.X[i] + a.Y[i];
}
