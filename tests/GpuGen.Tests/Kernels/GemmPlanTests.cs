using GpuGen;
using GpuGen.Backends.Ilgpu;
using GpuGen.Kernels.Gemm;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// Every device GEMM plan, forced on every GEMM, against <see cref="GemmReference"/> on the simulated GPUs
/// whose groups hold 256 threads (ilgpu-cpu-warp32, and opencl-cpu where installed): the warp-tiled kernel
/// (128 × 128 tiles, double-buffered) with and without split K, and the 4 × 4 kernel with split K. Shapes
/// cross tile edges in every dimension and take each operand's float4 path in one layout and its scalar path in
/// the other; C poisoned with NaN when β = 0. (Which plan runs unforced is LauncherTests' job.)
/// </summary>
[NonParallelizable]
public class GemmPlanTests
{
    private static readonly GemmPlan[] Plans =
    [
        new(GemmKernel.WarpTiled, GemmWarpTiledDevice.Threads, 1, GemmWarpTiledDevice.TileK),
        new(GemmKernel.WarpTiled, GemmWarpTiledDevice.Threads, 1, GemmWarpTiledDevice.TileK, Splits: 3),
        new(GemmKernel.Tiled, 8, 8, 16, Splits: 3),
    ];

    // (132, 130, 20): M and K multiples of 4 (A's float4 path in both layouts, Bᵀ's), N not (B row-major scalar);
    // (130, 132, 18): the other way round; (1, 1, 1) and (3, 5, 2): tiles of almost nothing, split ranges empty.
    private static readonly (int M, int N, int K)[] Shapes = [(1, 1, 1), (3, 5, 2), (132, 130, 20), (130, 132, 18), (128, 136, 24)];

    private static readonly string[] GroupsOf256 = ["ilgpu-cpu-warp32", .. TestSupport.OpenCl];

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var device in GroupsOf256)
            for (int i = 0; i < Plans.Length; i++)
                yield return new TestCaseData(device, i).SetArgDisplayNames(device, $"{Plans[i].Kernel} {Plans[i].GroupX}x{Plans[i].GroupY} splits={Plans[i].Splits}");
    }

    [TestCaseSource(nameof(Cases))]
    public void EveryShapeAndTranspose(string device, int plan)
    {
        var d = GpuGen.Devices.Get(device);
        using var forced = GemmPlan.Use(Plans[plan]);
        foreach (var (m, n, k) in Shapes)
            foreach (var (ta, tb) in new[] { (false, false), (true, false), (false, true), (true, true) })
            {
                GemmTests.RunAndCheck(d, m, n, k, ta, tb, alpha: 1f, beta: 0f, withBias: false, seed: m + 3 * n + 7 * k);
                GemmTests.RunAndCheck(d, m, n, k, ta, tb, alpha: -1.5f, beta: 0.75f, withBias: true, seed: m + n + k);
            }
    }

    /// <summary>A batch with a shared B (stride 0) and Linear + ReLU (the epilogue's clamp, in the split's reduction too).</summary>
    [TestCaseSource(nameof(Cases))]
    public void BatchesAndTheReluEpilogue(string device, int plan)
    {
        var d = GpuGen.Devices.Get(device);
        using var forced = GemmPlan.Use(Plans[plan]);
        using var scope = new TensorScope();
        const int batch = 3, m = 129, n = 20, k = 40;
        var a = TestSupport.RandomArray(batch * m * k, 1);
        var b = TestSupport.RandomArray(k * n, 2);
        var c = Ops.MatMul(Tensor.FromArray(a, Shape.Of(batch, m, k), d), Tensor.FromArray(b, Shape.Of(k, n), d));
        var p = GemmProblem.Dense(m, n, k);
        (p.Batch, p.StrideB) = (batch, 0);
        GemmTests.AssertClose(c.ToArray(), GemmReference.Compute(p, a, b, new float[batch * m * n], null));

        var x = Tensor.FromArray(TestSupport.RandomArray(130 * 36, 3), Shape.Of(130, 36), d);
        var w = Tensor.FromArray(TestSupport.RandomArray(131 * 36, 4), Shape.Of(131, 36), d);
        var bias = Tensor.FromArray(TestSupport.RandomArray(131, 5), d);
        var fused = Ops.LinearRelu(x, w, bias).ToArray();
        var expected = GemmReference.Compute(GemmProblem.Dense(130, 131, 36, transB: true), x.ToArray(), w.ToArray(), new float[130 * 131], bias.ToArray());
        Assert.That(fused.Count(v => v == 0f), Is.InRange(130 * 131 / 5, 130 * 131 * 4 / 5), "both sides of the kink");
        for (int i = 0; i < fused.Length; i++)
            Assert.That(fused[i], Is.EqualTo(Math.Max(0, expected.Value[i])).Within(expected.Bound[i]), $"element {i}");
    }
}
