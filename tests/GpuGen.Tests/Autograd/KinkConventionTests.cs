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
}
