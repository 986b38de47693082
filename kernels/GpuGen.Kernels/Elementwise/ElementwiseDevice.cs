using ILGPU;

namespace GpuGen.Kernels.Elementwise;

public struct UnaryArgs<TOp> where TOp : struct, IUnaryOp
{
    public ArrayView<float> X, Y;
    public TOp Op;

    /// <summary>Unused: ends the struct on an 8-byte boundary, which OpenCL needs (KernelArgsLayoutTests).</summary>
    public long Align8;
}

public struct BinaryArgs<TOp> where TOp : struct, IBinaryOp
{
    public ArrayView<float> A, B, Y;
    public TOp Op;
    public Broadcast Shape;

    /// <summary>Unused: ends the struct on an 8-byte boundary, which OpenCL needs (KernelArgsLayoutTests).</summary>
    public long Align8;
}

public struct WhereArgs
{
    public ArrayView<float> Condition, A, B, Y;
    public Broadcast Shape;
}

/// <summary>
/// Elementwise device kernels; thread i computes output element i. The op struct is the
/// kernel's type argument, so each op compiles to its own specialised kernel.
/// </summary>
public static class ElementwiseDevice
{
    public static void Unary<TOp>(Index1D i, UnaryArgs<TOp> a) where TOp : struct, IUnaryOp =>
        a.Y[i] = a.Op.Apply(a.X[i]);

    public static void Binary<TOp>(Index1D i, BinaryArgs<TOp> a) where TOp : struct, IBinaryOp
    {
        a.Shape.Locate(i, out int ia, out int ib, out _);
        a.Y[i] = a.Op.Apply(a.A[ia], a.B[ib]);
    }

    /// <summary>y = condition ≠ 0 ? a : b, all three broadcast.</summary>
    public static void Where(Index1D i, WhereArgs a)
    {
        a.Shape.Locate(i, out int ic, out int ia, out int ib);
        a.Y[i] = a.Condition[ic] != 0f ? a.A[ia] : a.B[ib];
    }
}
