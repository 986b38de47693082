using GpuGen.Kernels.Elementwise;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuElementwise(IlgpuDevice device) : IElementwiseKernels
{
    public void Unary<TOp>(TOp op, Tensor x, Tensor y) where TOp : struct, IUnaryOp =>
        Launcher.Device(device, ElementwiseDevice.Unary, y.Length,
            new UnaryArgs<TOp> { X = x.View(), Y = y.View(), Op = op }, ElementwiseCost.Of(y, x));

    public void Binary<TOp>(TOp op, Tensor a, Tensor b, Tensor y, in Broadcast shape) where TOp : struct, IBinaryOp =>
        Launcher.Device(device, ElementwiseDevice.Binary, y.Length,
            new BinaryArgs<TOp> { A = a.View(), B = b.View(), Y = y.View(), Op = op, Shape = shape }, ElementwiseCost.Of(y, a, b));

    public void Where(Tensor condition, Tensor a, Tensor b, Tensor y, in Broadcast shape) =>
        Launcher.Device(device, ElementwiseDevice.Where, y.Length,
            new WhereArgs { Condition = condition.View(), A = a.View(), B = b.View(), Y = y.View(), Shape = shape },
            ElementwiseCost.Of(y, condition, a, b));
}
