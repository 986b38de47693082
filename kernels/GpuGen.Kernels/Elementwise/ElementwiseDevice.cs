using ILGPU;
using ILGPU.Util;

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
/// Elementwise device kernels; thread i computes output element i, or, in the <c>…4</c> kernels, elements
/// 4i … 4i + 3 through 16-byte (float4) loads and stores: a quarter of the memory instructions and whole
/// 128-byte lines per warp and instruction, for operands that are contiguous and start at a multiple of 4
/// floats (the host picks the kernel; the last thread takes the ragged end one element at a time). The op
/// struct is the kernel's type argument, so each op compiles to its own specialised kernel.
/// </summary>
public static class ElementwiseDevice
{
    public static void Unary<TOp>(Index1D i, UnaryArgs<TOp> a) where TOp : struct, IUnaryOp =>
        a.Y[i] = a.Op.Apply(a.X[i]);

    public static void Unary4<TOp>(Index1D q, UnaryArgs<TOp> a) where TOp : struct, IUnaryOp
    {
        long i = 4L * q;
        if (i + 4 <= a.Y.Length)
        {
            var x = a.X.Cast<Float4>()[q];
            a.Y.Cast<Float4>()[q] = new Float4(a.Op.Apply(x.X), a.Op.Apply(x.Y), a.Op.Apply(x.Z), a.Op.Apply(x.W));
            return;
        }
        for (; i < a.Y.Length; i++) a.Y[i] = a.Op.Apply(a.X[i]);
    }

    /// <summary>Both operands the output's shape (no broadcast: <see cref="Broadcast.IsSameShape"/>), four elements per thread.</summary>
    public static void Binary4<TOp>(Index1D q, BinaryArgs<TOp> a) where TOp : struct, IBinaryOp
    {
        long i = 4L * q;
        if (i + 4 <= a.Y.Length)
        {
            Float4 x = a.A.Cast<Float4>()[q], y = a.B.Cast<Float4>()[q];
            a.Y.Cast<Float4>()[q] = new Float4(a.Op.Apply(x.X, y.X), a.Op.Apply(x.Y, y.Y), a.Op.Apply(x.Z, y.Z), a.Op.Apply(x.W, y.W));
            return;
        }
        for (; i < a.Y.Length; i++) a.Y[i] = a.Op.Apply(a.A[i], a.B[i]);
    }

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
