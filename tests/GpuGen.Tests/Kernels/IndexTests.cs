using GpuGen;

namespace GpuGen.Tests.Kernels;

/// <summary>Selection by index and its adjoints on every device against hand indexing, with
/// repeated indices (the adjoint must add them) and bad indices refused before any launch.</summary>
public class IndexTests
{
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void IndexSelectAndIndexAddAgreeWithTheirDefinitions(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        float[] idx = [3, 0, 3, 3, 1];
        var table = TestSupport.RandomArray(4 * 2 * 3, 1);
        var selected = Ops.IndexSelect(Tensor.FromArray(table, Shape.Of(4, 2, 3), device), Tensor.FromArray(idx, device));
        Assert.That(selected.Shape, Is.EqualTo(Shape.Of(5, 2, 3)));
        var s = selected.ToArray();
        for (int i = 0; i < 5; i++)
            for (int k = 0; k < 6; k++) Assert.That(s[i * 6 + k], Is.EqualTo(table[(int)idx[i] * 6 + k]));

        var g = TestSupport.RandomArray(5 * 6, 2);
        var added = Ops.IndexAdd(Tensor.FromArray(g, Shape.Of(5, 2, 3), device), Tensor.FromArray(idx, device), 4).ToArray();
        for (int r = 0; r < 4; r++)
            for (int k = 0; k < 6; k++)
            {
                float expected = 0f;
                for (int i = 0; i < 5; i++) if ((int)idx[i] == r) expected += g[i * 6 + k]; // the kernels' order
                Assert.That(added[r * 6 + k], Is.EqualTo(expected), $"row {r} (index 2 is never chosen: zeros)");
            }
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void GatherAndScatterPickOneColumnPerRow(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        float[] idx = [2, 0, 2];
        var x = TestSupport.RandomArray(3 * 4, 3);
        var picked = Ops.Gather(Tensor.FromArray(x, Shape.Of(3, 4), device), Tensor.FromArray(idx, device)).ToArray();
        Assert.That(picked, Is.EqualTo(new[] { x[2], x[4], x[10] }));
        var scattered = Ops.Scatter(Tensor.FromArray([5f, 6f, 7f], device), Tensor.FromArray(idx, device), 4).ToArray();
        Assert.That(scattered, Is.EqualTo(new[] { 0f, 0, 5, 0, 6, 0, 0, 0, 0, 0, 7, 0 }));
    }

    [Test]
    public void BadIndicesAreRefusedBeforeAnyLaunch()
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(TestSupport.RandomArray(6, 1), Shape.Of(3, 2), TestSupport.Cpu);
        foreach (var bad in new[] { 3f, -1f, 1.5f, float.NaN })
            Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.IndexSelect(x, Tensor.FromArray([0f, bad], TestSupport.Cpu)))!.Message,
                Does.Contain("index 1 is").And.Contain("not a whole number in [0, 3)"));
        Assert.Throws<ShapeMismatchException>(() => Ops.Gather(x, Tensor.FromArray([0f, 1f], TestSupport.Cpu)));
        Assert.Throws<ShapeMismatchException>(() => Ops.IndexSelect(x, Tensor.FromArray([0f], TestSupport.IlgpuCpu)));
    }
}
