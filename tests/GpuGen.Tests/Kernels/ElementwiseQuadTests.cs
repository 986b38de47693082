using GpuGen;
using GpuGen.Launch;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// The elementwise device kernels' two forms: four elements per thread through float4 where every operand starts on a
/// 16-byte boundary and nothing is broadcast, one per thread otherwise. Lengths around multiples of 4 (the last
/// thread's ragged end) and views starting 0, 1, 2 or 4 floats into their storage, against the host kernels (the same
/// ops on the cpu device, the same float formula), on every simulated GPU; and which form ran, from the profiler.
/// </summary>
[NonParallelizable]
public class ElementwiseQuadTests
{
    private static readonly int[] Lengths = [1, 3, 4, 5, 8, 37, 1027];
    private static readonly int[] Starts = [0, 1, 2, 4];

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.SimulatedGpus))]
    public void UnaryAndSameShapeBinaryAtEveryLengthAndStart(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        foreach (int n in Lengths)
            foreach (int start in Starts)
            {
                using var scope = new TensorScope();
                var x = TestSupport.RandomArray(n + start, n + start);
                var z = TestSupport.RandomArray(n + start, 7 * n + start);
                Tensor On(Device d, float[] values) => Tensor.FromArray(values, Shape.Of(n + start), d)[start..];
                var (xd, zd, xh, zh) = (On(device, x), On(device, z), On(TestSupport.Cpu, x), On(TestSupport.Cpu, z));
                bool quads = start % 4 == 0;
                Profiler.Clear();
                float[] scaled, product;
                using (Profiler.Record())
                {
                    scaled = Ops.Mul(xd, 1.7f).ToArray(); // a unary op (x·1.7, exact the same everywhere)
                    product = Ops.Mul(xd, zd).ToArray();
                }
                string where = $"{deviceName}, length {n}, start {start}";
                Assert.That(scaled, Is.EqualTo(Ops.Mul(xh, 1.7f).ToArray()), $"scale: {where}");
                Assert.That(product, Is.EqualTo(Ops.Mul(xh, zh).ToArray()), $"mul: {where}");
                var kernels = Profiler.Records.Select(r => r.Kernel).ToList();
                Assert.That(kernels.Count(k => k.StartsWith(quads ? "ElementwiseDevice.Unary4" : "ElementwiseDevice.Unary<", StringComparison.Ordinal)), Is.EqualTo(1), $"{where}: {string.Join(", ", kernels)}");
                Assert.That(kernels.Count(k => k.StartsWith(quads ? "ElementwiseDevice.Binary4" : "ElementwiseDevice.Binary<", StringComparison.Ordinal)), Is.EqualTo(1), $"{where}: {string.Join(", ", kernels)}");
            }
    }

    /// <summary>A broadcast binary op keeps one element per thread (its operands do not walk together), aligned or not.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.SimulatedGpus))]
    public void BroadcastBinaryOpsKeepOneElementPerThread(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var a = TestSupport.RandomArray(8 * 12, 1);
        var row = TestSupport.RandomArray(12, 2);
        Profiler.Clear();
        float[] got;
        using (Profiler.Record()) got = Ops.Add(Tensor.FromArray(a, Shape.Of(8, 12), device), Tensor.FromArray(row, Shape.Of(12), device)).ToArray();
        Assert.That(got, Is.EqualTo(Ops.Add(Tensor.FromArray(a, Shape.Of(8, 12), TestSupport.Cpu), Tensor.FromArray(row, Shape.Of(12), TestSupport.Cpu)).ToArray()));
        Assert.That(Profiler.Records.Select(r => r.Kernel), Has.One.StartsWith("ElementwiseDevice.Binary<"));
    }
}
