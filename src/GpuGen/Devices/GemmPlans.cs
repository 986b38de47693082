using GpuGen.Backends.Ilgpu;
using GpuGen.Kernels.Gemm;

namespace GpuGen;

/// <summary>
/// The device GEMM's plans by name, to run every GEMM under one of them (as cuBLAS lets one pick an algorithm):
/// what <c>gpugen selftest</c> checks each plan with on a GPU (where its own choice would take only some plans at
/// its sizes) and <c>gpugen bench-kernels</c> times each plan with. Only on ILGPU devices whose groups hold 256
/// threads; elsewhere there is nothing to choose.
/// </summary>
public static class GemmPlans
{
    /// <summary>The plans a device can run for an M × N × K product, by name: the warp-tiled kernel, the 4 × 4 kernel in
    /// 64 × 64 and 32 × 32 tiles, and the latter with K split (in as many ranges as the device's own plan would take,
    /// else 4) where K allows it.</summary>
    public static IReadOnlyList<string> For(Device device, int m, int n, int k) => Plans(device, m, n, k).Select(p => p.Name).ToList();

    /// <summary>Whether the device has plans to choose between: an ILGPU device whose groups hold 256 threads (a GPU, or a simulator shaped like one).</summary>
    public static bool Available(Device device) => device is IlgpuDevice && device.Info.MaxGroupSize >= GemmWarpTiledDevice.Threads;

    internal static IEnumerable<(string Name, GemmPlan Plan)> Plans(Device device, int m, int n, int k)
    {
        if (!Available(device)) yield break;
        var chosen = ((IlgpuGemm)device.Backend.Gemm).OwnPlanFor(Kernels.Gemm.GemmProblem.Dense(m, n, k));
        yield return ("warp-tiled 128²", new(GemmKernel.WarpTiled, GemmWarpTiledDevice.Threads, 1, GemmWarpTiledDevice.TileK));
        yield return ("tiled 64²", new(GemmKernel.Tiled, 16, 16, 16));
        yield return ("tiled 32²", new(GemmKernel.Tiled, 8, 8, 16));
        int splits = chosen.Splits > 1 ? chosen.Splits : 4;
        if (k >= 2 * GemmPlan.MinChunk) yield return ($"tiled 32², K in {splits}", new(GemmKernel.Tiled, 8, 8, 16, splits));
    }

    /// <summary>Runs <paramref name="work"/> with every GEMM under the named plan (one of <see cref="For"/>'s), then
    /// restores what ran before. Not thread-safe: one forced plan at a time, process-wide.</summary>
    public static T Run<T>(Device device, string plan, int m, int n, int k, Func<T> work)
    {
        var found = Plans(device, m, n, k).Where(p => p.Name == plan).Select(p => (GemmPlan?)p.Plan).FirstOrDefault()
            ?? throw new ArgumentException($"no GEMM plan '{plan}' on {device.Name}; it has: {string.Join(", ", For(device, m, n, k))}", nameof(plan));
        using (GemmPlan.Use(found)) return work();
    }
}
