using GpuGen;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// The level-1 family on both kinds of kernel against a double-precision reference, on random
/// inputs with poisoned outputs; device kernels on ilgpu-cpu at small sizes, host kernels also
/// at a real size (large enough to take the multi-core path). Then cpu against ilgpu-cpu,
/// bit for bit: both compute each element with the same float operations in the same order.
/// </summary>
public class Blas1ParityTests
{
    private static readonly int[] SmallSizes = [1, 7, 64, 97, 1000];
    private const int RealSize = (1 << 20) + 3;

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (int n in SmallSizes)
            foreach (var device in TestSupport.DeviceNames)
                yield return new TestCaseData(device, n);
        yield return new TestCaseData("cpu", RealSize);
    }

    /// <summary>Relative error allowed against the double reference: a couple of float roundings.</summary>
    private static void AssertClose(float[] got, double[] expected, double relative = 4e-7)
    {
        Assert.That(got, Has.Length.EqualTo(expected.Length));
        for (int i = 0; i < got.Length; i++)
        {
            double tolerance = relative * Math.Max(Math.Abs(expected[i]), 1e-30);
            if (!(Math.Abs(got[i] - expected[i]) <= tolerance))
                Assert.Fail($"element {i}: got {got[i]:R}, expected {expected[i]:R} (tolerance {tolerance:G3})");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Fill(string device, int n)
    {
        using var y = TestSupport.Poisoned(Shape.Of(n), GpuGen.Devices.Get(device));
        Ops.Fill(y, -1.75f);
        AssertClose(y.ToArray(), Enumerable.Repeat(-1.75, n).ToArray(), 0);
    }

    [TestCaseSource(nameof(Cases))]
    public void Ramp(string device, int n)
    {
        using var y = TestSupport.Poisoned(Shape.Of(n), GpuGen.Devices.Get(device));
        Ops.Ramp(y, 0.3f, -0.01f);
        // start + i·step rounded twice in float: within 2 ulp of the exact value, relative to the largest term
        var expected = Enumerable.Range(0, n).Select(i => 0.3 + i * -0.01).ToArray();
        var got = y.ToArray();
        for (int i = 0; i < n; i++)
            Assert.That(got[i], Is.EqualTo(expected[i]).Within(2.5e-7 * (0.3 + i * 0.01)), $"element {i}");
    }

    [TestCaseSource(nameof(Cases))]
    public void Copy(string device, int n)
    {
        var d = GpuGen.Devices.Get(device);
        var x = TestSupport.RandomArray(n, n);
        using var xt = Tensor.FromArray(x, Shape.Of(n), d);
        using var y = TestSupport.Poisoned(Shape.Of(n), d);
        Ops.Copy(xt, y);
        AssertClose(y.ToArray(), x.Select(v => (double)v).ToArray(), 0);
    }

    [TestCaseSource(nameof(Cases))]
    public void Scale(string device, int n)
    {
        var y0 = TestSupport.RandomArray(n, n + 1);
        using var y = Tensor.FromArray(y0, Shape.Of(n), GpuGen.Devices.Get(device));
        Ops.Scale(y, -3.3f);
        AssertClose(y.ToArray(), y0.Select(v => -3.3 * v).ToArray());
    }

    [TestCaseSource(nameof(Cases))]
    public void Axpy(string device, int n)
    {
        var d = GpuGen.Devices.Get(device);
        var x = TestSupport.RandomArray(n, n + 2);
        var y0 = TestSupport.RandomArray(n, n + 3);
        using var xt = Tensor.FromArray(x, Shape.Of(n), d);
        using var y = Tensor.FromArray(y0, Shape.Of(n), d);
        Ops.Axpy(0.7f, xt, y);
        // α·x rounds once, the sum once: the error is relative to |α·x| + |y|, not to the (possibly cancelled) result
        var expected = x.Zip(y0, (a, b) => 0.7 * a + b).ToArray();
        var got = y.ToArray();
        for (int i = 0; i < n; i++)
        {
            double scale = Math.Abs(0.7 * x[i]) + Math.Abs(y0[i]);
            Assert.That(got[i], Is.EqualTo(expected[i]).Within(2.5e-7 * scale), $"element {i}");
        }
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.SimulatedGpus))]
    public void CpuAndIlgpuCpuAgreeBitForBit(string simulated)
    {
        const int n = 1001;
        var x = TestSupport.RandomArray(n, 42);
        var y = TestSupport.RandomArray(n, 43);
        float[] Run(Device d)
        {
            using var scope = new TensorScope();
            var xt = Tensor.FromArray(x, Shape.Of(n), d);
            var yt = Tensor.FromArray(y, Shape.Of(n), d);
            Ops.Axpy(0.37f, xt, yt);
            Ops.Scale(yt, 1.1f);
            var ramp = Ops.Ramp(Tensor.Empty(Shape.Of(n), d), -1.3f, 0.013f);
            Ops.Axpy(-2.1f, ramp, yt);
            return yt.ToArray();
        }
        var host = Run(TestSupport.Cpu);
        var device = Run(GpuGen.Devices.Get(simulated));
        Assert.That(device.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(host.Select(BitConverter.SingleToInt32Bits)));
    }

    [Test]
    public void EmptyTensorsLaunchNothing()
    {
        foreach (var name in TestSupport.DeviceNames)
        {
            var d = GpuGen.Devices.Get(name);
            using var e = Tensor.Zeros(Shape.Of(0, 5), d);
            Ops.Axpy(2f, e, e);
            Assert.That(e.ToArray(), Is.Empty);
        }
    }
}
