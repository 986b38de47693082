using GpuGen.Kernels.Elementwise;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

/// <summary>
/// Elementwise ops on an ILGPU device: four elements per thread through float4 (<c>Unary4</c>, <c>Binary4</c>) where
/// every operand starts on a 16-byte boundary (each tensor's storage is its own allocation, aligned far beyond that,
/// so its offset decides) and, for a binary op, nothing is broadcast; else one element per thread.
/// </summary>
internal sealed class IlgpuElementwise(IlgpuDevice device) : IElementwiseKernels
{
    public void Unary<TOp>(TOp op, Tensor x, Tensor y) where TOp : struct, IUnaryOp
    {
        var args = new UnaryArgs<TOp> { X = x.View(), Y = y.View(), Op = op };
        if (x.Offset % 4 == 0 && y.Offset % 4 == 0) Launcher.Device(device, ElementwiseDevice.Unary4, Quads(y), args, ElementwiseCost.Of(y, x));
        else Launcher.Device(device, ElementwiseDevice.Unary, y.Length, args, ElementwiseCost.Of(y, x));
    }

    public void Binary<TOp>(TOp op, Tensor a, Tensor b, Tensor y, in Broadcast shape) where TOp : struct, IBinaryOp
    {
        var args = new BinaryArgs<TOp> { A = a.View(), B = b.View(), Y = y.View(), Op = op, Shape = shape };
        if (shape.IsSameShape && a.Offset % 4 == 0 && b.Offset % 4 == 0 && y.Offset % 4 == 0) Launcher.Device(device, ElementwiseDevice.Binary4, Quads(y), args, ElementwiseCost.Of(y, a, b));
        else Launcher.Device(device, ElementwiseDevice.Binary, y.Length, args, ElementwiseCost.Of(y, a, b));
    }

    public void Where(Tensor condition, Tensor a, Tensor b, Tensor y, in Broadcast shape) =>
        Launcher.Device(device, ElementwiseDevice.Where, y.Length,
            new WhereArgs { Condition = condition.View(), A = a.View(), B = b.View(), Y = y.View(), Shape = shape },
            ElementwiseCost.Of(y, condition, a, b));

    private static int Quads(Tensor y) => (int)((y.Length + 3L) / 4);
}
