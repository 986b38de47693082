using GpuGen;

namespace GpuGen.Tests.Autograd;

/// <summary>
/// Derivatives at kinks and ties follow PyTorch's choices (its derivatives.yaml), so a model
/// ported from PyTorch trains the same: finite differences cannot check these points, so the
/// values are written out. relu and leaky ReLU: 1 only where x &gt; 0 (at exactly 0, 0 and the
/// slope); maximum and minimum of two tensors: a tie gives each operand half; the scalar forms
/// (clamp_min, clamp_max) pass the gradient where x ≥ b (≤ b), tie included.
/// </summary>
public class KinkConventionTests
{
    private static float[] Gradient(Func<Tensor, Tensor> f, float[] x, Device device)
    {
        using var scope = new TensorScope();
        var t = Tensor.FromArray(x, Shape.Of(x.Length), device);
        t.RequiresGrad = true;
        Ops.Sum(f(t)).Backward();
        return t.Grad!.ToArray();
    }

    private static readonly float[] AroundZero = [-1f, 0f, 2f];

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void ReluAndLeakyReluAreFlatAtZero(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        Assert.That(Gradient(Ops.Relu, AroundZero, device), Is.EqualTo(new[] { 0f, 0f, 1f }));
        Assert.That(Gradient(x => Ops.LeakyRelu(x, 0.2f), AroundZero, device), Is.EqualTo(new[] { 0.2f, 0.2f, 1f }));
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void MaximumAndMinimumSplitATieInHalf(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        float[] av = [1f, 2f, 3f], bv = [3f, 2f, 1f];
        foreach (var (name, op, aWins) in new (string, Func<Tensor, Tensor, Tensor>, float[])[]
                 { ("maximum", Ops.Maximum, [0f, 0.5f, 1f]), ("minimum", Ops.Minimum, [1f, 0.5f, 0f]) })
        {
            var a = Tensor.FromArray(av, Shape.Of(3), device);
            var b = Tensor.FromArray(bv, Shape.Of(3), device);
            a.RequiresGrad = b.RequiresGrad = true;
            Ops.Sum(Ops.Mul(op(a, b), 4f)).Backward();
            Assert.That(a.Grad!.ToArray(), Is.EqualTo(aWins.Select(w => 4 * w).ToArray()), $"{name}: ∂/∂a");
            Assert.That(b.Grad!.ToArray(), Is.EqualTo(aWins.Select(w => 4 * (1 - w)).ToArray()), $"{name}: ∂/∂b");
        }
    }

    [Test]
    public void TheScalarFormsAreClampsThatPassATie()
    {
        var device = TestSupport.Cpu;
        Assert.That(Gradient(x => Ops.Maximum(x, 0f), AroundZero, device), Is.EqualTo(new[] { 0f, 1f, 1f }), "clamp_min");
        Assert.That(Gradient(x => Ops.Minimum(x, 0f), AroundZero, device), Is.EqualTo(new[] { 1f, 1f, 0f }), "clamp_max");
    }
    /// <summary>The fused gate behind both backward rules: g where x &gt; 0 and slope·g elsewhere,
    /// against the formula on random values (zeros included), on every device; its own
    /// gradient is the same gate of the incoming gradient, and x gets none.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void PositiveGateIsTheActivationsDerivative(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var gv = TestSupport.RandomArray(300, 5);
        var xv = TestSupport.RandomArray(300, 6);
        for (int i = 0; i < xv.Length; i += 7) xv[i] = 0f;
        var g = Tensor.FromArray(gv, Shape.Of(3, 100), device);
        var x = Tensor.FromArray(xv, Shape.Of(3, 100), device);
        g.RequiresGrad = x.RequiresGrad = true;
        var y = Ops.PositiveGate(g, x, 0.2f);
        Assert.That(y.ToArray(), Is.EqualTo(gv.Select((v, i) => xv[i] > 0 ? v : 0.2f * v).ToArray()));
        var upstream = TestSupport.RandomArray(300, 7);
        var d = global::GpuGen.Autograd.Grad([y], [g, x], [Tensor.FromArray(upstream, Shape.Of(3, 100), device)], allowUnused: true);
        var (dg, dx) = (d[0], d[1]);
        Assert.That(dg.ToArray(), Is.EqualTo(upstream.Select((v, i) => xv[i] > 0 ? v : 0.2f * v).ToArray()));
        Assert.That(dx.ToArray(), Is.All.EqualTo(0f), "piecewise constant in x");
        Assert.Throws<ShapeMismatchException>(() => Ops.PositiveGate(g, Tensor.Zeros(Shape.Of(300), device), 0f));
    }
}
