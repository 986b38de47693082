using GpuGen.Kernels.Reduce;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuReduce(IlgpuDevice device) : IReduceKernels
{
    public void Chunks<TOp>(TOp op, Tensor x, Tensor? center, Tensor y, in ReduceHost.Layout l) where TOp : struct, IReduceOp =>
        Launcher.Device(device, ReduceDevice.Chunks, y.Length, new ReduceArgs<TOp>
        {
            X = x.View(), Y = y.View(), Center = (center ?? y).View(), HasCenter = center is null ? 0 : 1,
            Op = op, Outer = l.Outer, Length = l.Length, Inner = l.Inner, Chunk = l.Chunk, Chunks = l.Chunks,
            MapInput = l.MapInput ? 1 : 0, Finish = l.Finish ? 1 : 0,
        }, ElementwiseCost.Of(y, x));

    public void Normalize(Tensor x, Tensor max, Tensor sumExp, Tensor y, int outer, int length, int inner, bool log) =>
        Launcher.Device(device, ReduceDevice.Normalize, y.Length, new NormalizeArgs
        {
            X = x.View(), Y = y.View(), Max = max.View(), SumExp = sumExp.View(), Length = length, Inner = inner, Log = log ? 1 : 0,
        }, ElementwiseCost.Of(y, x, max, sumExp));

    public void ArgMax(Tensor x, Tensor y, int outer, int length, int inner) =>
        Launcher.Device(device, ReduceDevice.ArgMax, y.Length, new ArgMaxArgs
        {
            X = x.View(), Y = y.View(), Length = length, Inner = inner,
        }, ElementwiseCost.Of(y, x));
}
