using GpuGen;
using GpuGen.Optim;

namespace GpuGen.Tests.Autograd;

/// <summary>
/// Leaves' gradients: each leaf owns a tensor of its own (a backward rule hands one gradient to
/// several inputs, and with createGraph that tensor used to become both leaves' .Grad), they add
/// up across calls in both modes, and a gradient that is replaced or zeroed is freed.
/// </summary>
public class LeafGradientTests
{
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void TwoLeavesOfOneSumGetGradientsOfTheirOwn(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var a = TestSupport.Leaf(device, 0.5f, -1.5f, 2f);
        var b = TestSupport.Leaf(device, 1f, 0.25f, -3f);
        Ops.Sum(Ops.Add(a, b)).Backward(createGraph: true);
        Assert.That(a.Grad!.SharesStorageWith(b.Grad!), Is.False, "a.Grad and b.Grad are different buffers");

        Ops.Sum(Ops.Mul(a, 3f)).Backward(); // a backward through a alone
        Assert.That(a.Grad!.ToArray(), Is.EqualTo(new[] { 4f, 4f, 4f }));
        Assert.That(b.Grad!.ToArray(), Is.EqualTo(new[] { 1f, 1f, 1f }), "b.Grad is not changed by a backward that does not reach b");
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void AutogradGradReturnsDistinctTensors(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var a = TestSupport.Leaf(device, 0.5f, -1.5f);
        var b = TestSupport.Leaf(device, 1f, 0.25f);
        foreach (bool createGraph in new[] { false, true })
        {
            var y = Ops.Add(a, b);
            var seed = Tensor.FromArray([2f, -1f], y.Shape, device);
            var g = GpuGen.Autograd.Grad([y], [a, b], [seed], createGraph: createGraph);
            Assert.That(g[0].SharesStorageWith(g[1]), Is.False, $"createGraph {createGraph}: the two results are different buffers");
            Assert.That(g[0].SharesStorageWith(seed) || g[1].SharesStorageWith(seed), Is.False, $"createGraph {createGraph}: neither is the caller's gradOutput");
            g[0].Dispose();
            Assert.That(g[1].ToArray(), Is.EqualTo(new[] { 2f, -1f }), $"createGraph {createGraph}: disposing one leaves the other");
        }
    }

    /// <summary>d/da Σ a² = 2a, twice over: 4a in every mode and every mix of modes; with
    /// createGraph the sum stays differentiable (d/da Σ 4a = 4).</summary>
    [TestCase(false, false)]
    [TestCase(true, true)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    public void GradientsAddUpAcrossCalls(bool firstCreatesGraph, bool secondCreatesGraph)
    {
        var device = TestSupport.Cpu;
        using var scope = new TensorScope();
        var a = TestSupport.Leaf(device, 0.5f, -1.5f, 2f);
        Ops.Sum(Ops.Square(a)).Backward(createGraph: firstCreatesGraph);
        Ops.Sum(Ops.Square(a)).Backward(createGraph: secondCreatesGraph);
        Assert.That(a.Grad!.ToArray(), Is.EqualTo(new[] { 2f, -6f, 8f }));
        Assert.That(a.Grad!.RequiresGrad, Is.EqualTo(secondCreatesGraph), "the gradient is on the tape exactly when the last backward recorded");
        if (firstCreatesGraph && secondCreatesGraph)
        {
            var second = GpuGen.Autograd.Grad([Ops.Sum(a.Grad!)], [a])[0];
            Assert.That(second.ToArray(), Is.EqualTo(new[] { 4f, 4f, 4f }));
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AReplacedGradientIsDisposed(bool createGraph)
    {
        var device = TestSupport.Cpu;
        using var scope = new TensorScope();
        var a = TestSupport.Leaf(device, 0.5f, -1.5f);
        Ops.Sum(Ops.Square(a)).Backward(createGraph: true);
        var first = a.Grad!;
        Ops.Sum(Ops.Square(a)).Backward(createGraph: createGraph);
        Assert.That(first.IsDisposed, Is.True, "the on-tape gradient was replaced by a new sum and freed");
        Assert.That(a.Grad!.IsDisposed, Is.False);
    }

    [Test]
    public void ZeroGradZeroesAPlainGradientInPlaceAndFreesAnOnTapeOne()
    {
        var device = TestSupport.Cpu;
        using var scope = new TensorScope();
        var a = TestSupport.Leaf(device, 0.5f, -1.5f);
        using var sgd = new Sgd([("a", a)], 0.1f);
        Ops.Sum(Ops.Square(a)).Backward();
        var plain = a.Grad!;
        sgd.ZeroGrad();
        Assert.That(a.Grad, Is.SameAs(plain), "the buffer is kept, so a training loop does not allocate");
        Assert.That(plain.ToArray(), Is.EqualTo(new[] { 0f, 0f }));

        Ops.Sum(Ops.Square(a)).Backward(createGraph: true);
        var onTape = a.Grad!;
        sgd.ZeroGrad();
        Assert.That(a.Grad, Is.Null);
        Assert.That(onTape.IsDisposed, Is.True, "overwriting it would change what its graph saw: it is freed instead");
    }

    /// <summary>A gradient-penalty step repeated (create the graph, differentiate the penalty
    /// into the parameters, zero, again): after the first, the allocator holds the same bytes.</summary>
    /// <remarks>mode 0: the penalty's backward plain; 1: with createGraph; 2: alternating.</remarks>
    [Test]
    public void RepeatedPenaltyStepsKeepTheAllocatorFlat([Values("cpu", "ilgpu-cpu")] string deviceName, [Values(0, 1, 2)] int mode)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var w = Tensor.FromArray(TestSupport.RandomArray(12, 5), Shape.Of(3, 4), device);
        w.RequiresGrad = true;
        using var sgd = new Sgd([("w", w)], 0.01f);
        using var x = Tensor.FromArray(TestSupport.RandomArray(8, 6), Shape.Of(2, 4), device);
        var inUse = new List<long>();
        for (int step = 0; step < 6; step++)
        {
            using (new TensorScope())
            {
                sgd.ZeroGrad();
                var xi = x.Detach();
                xi.RequiresGrad = true;
                var critic = Ops.Sum(Ops.Tanh(Ops.MatMul(xi, w, transB: true)));
                var gx = GpuGen.Autograd.Grad([critic], [xi], createGraph: true)[0];
                var penalty = Ops.Mean(Ops.Square(Ops.Sub(Ops.Norm(gx, 1), 1f)));
                penalty.Backward(createGraph: mode == 2 ? step % 2 == 1 : mode == 1); // both modes
                sgd.Step();
            }
            inUse.Add(device.MemoryStats.BytesInUse);
        }
        Assert.That(inUse.Skip(2), Is.All.EqualTo(inUse[1]), string.Join(", ", inUse));
    }
}
