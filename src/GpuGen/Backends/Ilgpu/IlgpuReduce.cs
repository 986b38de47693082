using System.Numerics;
using GpuGen.Kernels.Reduce;
using GpuGen.Launch;
using ILGPU;
using ILGPU.Runtime;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuReduce(IlgpuDevice device) : IReduceKernels
{
    /// <summary>Threads of a group folding one contiguous chunk: the largest power of two the
    /// device allows, up to 256 (a chunk of 1,024 is then 4 elements a thread and an 8-level tree).</summary>
    private readonly int _rowGroup = 1 << (int)Math.Log2(Math.Clamp(device.Info.MaxGroupSize, 1, ReduceDevice.MaxGroup));

    public void Chunks<TOp>(TOp op, Tensor x, Tensor? center, Tensor y, in ReduceHost.Layout l) where TOp : struct, IReduceOp
    {
        var args = new ReduceArgs<TOp>
        {
            X = x.View(), Y = y.View(), Center = (center ?? y).View(), HasCenter = center is null ? 0 : 1,
            Op = op, Outer = l.Outer, Length = l.Length, Inner = l.Inner, Chunk = l.Chunk, Chunks = l.Chunks,
            MapInput = l.MapInput ? 1 : 0, Finish = l.Finish ? 1 : 0,
        };
        var cost = ElementwiseCost.Of(y, x);
        if (l.Inner != 1)
        {
            Launcher.Device(device, ReduceDevice.Chunks, y.Length, args, cost);
            return;
        }
        int group = Math.Min(_rowGroup, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, Math.Min(l.Chunk, l.Length))));
        var config = new KernelConfig(y.Length, group);
        Launcher.Device(device, ReduceDevice.ContiguousChunks, config, args, cost);
    }

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
