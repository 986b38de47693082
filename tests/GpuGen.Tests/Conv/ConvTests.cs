using GpuGen;

namespace GpuGen.Tests.Conv;

/// <summary>
/// Convolution, transposed convolution, pooling and upsampling on cpu and ilgpu-cpu against
/// <see cref="ConvReference"/> on random inputs: odd sizes, stride 2, padding 0 and 1,
/// dilation 2, groups 2. Outputs start as NaN (the test assembly poisons every new tensor).
/// Sums of K products hold to (K + 2)·2⁻²⁴·Σ|terms| (the GEMM bound).
/// </summary>
public class ConvTests
{
    public static IEnumerable<TestCaseData> ConvCases()
    {
        // (N, C, H, W, O, K, stride, pad, dilation, groups)
        int[][] cases =
        [
            [2, 3, 7, 5, 4, 3, 1, 1, 1, 1],
            [2, 4, 9, 8, 6, 3, 2, 0, 1, 2],
            [1, 2, 9, 7, 3, 3, 1, 1, 2, 1],
            [3, 4, 6, 6, 4, 1, 1, 0, 1, 4],
            [2, 1, 5, 5, 2, 2, 2, 1, 1, 1],
            [5, 8, 14, 14, 40, 4, 2, 1, 1, 1], // a DCGAN layer's shape: per-image GEMMs past one micro-tile, an odd batch over the workers
        ];
        foreach (var device in TestSupport.DeviceNames)
            foreach (var c in cases)
                yield return new TestCaseData(device, c).SetArgDisplayNames(device, $"N{c[0]} C{c[1]} {c[2]}x{c[3]} O{c[4]} k{c[5]} s{c[6]} p{c[7]} d{c[8]} g{c[9]}");
    }

    [TestCaseSource(nameof(ConvCases))]
    public void Conv2dMatchesTheReference(string device, int[] c)
    {
        var d = GpuGen.Devices.Get(device);
        int[] xs = [c[0], c[1], c[2], c[3]], ws = [c[4], c[1] / c[9], c[5], c[5]];
        var x = TestSupport.RandomArray(xs.Aggregate(1, (p, v) => p * v), 1);
        var w = TestSupport.RandomArray(ws.Aggregate(1, (p, v) => p * v), 2);
        var b = TestSupport.RandomArray(c[4], 3);
        using var scope = new TensorScope();
        var y = Ops.Conv2d(Tensor.FromArray(x, new Shape(xs), d), Tensor.FromArray(w, new Shape(ws), d), Tensor.FromArray(b, d),
            stride: c[6], padding: c[7], dilation: c[8], groups: c[9]);
        var expected = ConvReference.Conv2d(x, xs, w, ws, b, c[6], c[7], c[8], c[9], out var ys);
        Assert.That(y.Shape, Is.EqualTo(new Shape(ys)));
        AssertClose(y.ToArray(), expected, terms: ws[1] * c[5] * c[5], scale: 4);
    }

    [TestCaseSource(nameof(ConvCases))]
    public void ConvTranspose2dMatchesTheReference(string device, int[] c)
    {
        var d = GpuGen.Devices.Get(device);
        int stride = c[6], outputPadding = stride > 1 ? 1 : 0;
        int[] xs = [c[0], c[1], c[2], c[3]], ws = [c[1], c[4] / c[9], c[5], c[5]];
        Assert.That(c[4] % c[9], Is.Zero, "every case's channels divide into its groups");
        var x = TestSupport.RandomArray(xs.Aggregate(1, (p, v) => p * v), 4);
        var w = TestSupport.RandomArray(ws.Aggregate(1, (p, v) => p * v), 5);
        using var scope = new TensorScope();
        var y = Ops.ConvTranspose2d(Tensor.FromArray(x, new Shape(xs), d), Tensor.FromArray(w, new Shape(ws), d),
            stride: stride, padding: c[7], outputPadding: outputPadding, dilation: c[8], groups: c[9]);
        var expected = ConvReference.ConvTranspose2d(x, xs, w, ws, stride, c[7], outputPadding, c[8], c[9], out var ys);
        Assert.That(y.Shape, Is.EqualTo(new Shape(ys)));
        AssertClose(y.ToArray(), expected, terms: c[1] / c[9] * c[5] * c[5], scale: 4);
    }

    [TestCase("cpu", 3, 2, 1)]
    [TestCase("cpu", 2, 2, 0)]
    [TestCase("ilgpu-cpu", 3, 2, 1)]
    [TestCase("cpu", 3, 1, 1)]
    public void PoolingMatchesTheReference(string device, int k, int s, int p)
    {
        var d = GpuGen.Devices.Get(device);
        int[] xs = [2, 3, 7, 6];
        var x = TestSupport.RandomArray(2 * 3 * 7 * 6, 6);
        using var scope = new TensorScope();
        var xt = Tensor.FromArray(x, new Shape(xs), d);
        var max = Ops.MaxPool2d(xt, k, s, p);
        var expectedMax = ConvReference.Pool(x, xs, k, s, p, max: true, out var ys);
        Assert.That(max.Shape, Is.EqualTo(new Shape(ys)));
        Assert.That(max.ToArray().Select(v => (double)v), Is.EqualTo(expectedMax), "max is exact");
        var avg = Ops.AvgPool2d(xt, k, s, p);
        AssertClose(avg.ToArray(), ConvReference.Pool(x, xs, k, s, p, max: false, out _), terms: k * k, scale: 2);
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void UpsamplingMatchesTheReference(string device)
    {
        var d = GpuGen.Devices.Get(device);
        int[] xs = [2, 2, 3, 4];
        var x = TestSupport.RandomArray(48, 7);
        using var scope = new TensorScope();
        var xt = Tensor.FromArray(x, new Shape(xs), d);
        var nearest = Ops.UpsampleNearest(xt, 2).ToArray();
        for (int b = 0; b < 4; b++)
            for (int r = 0; r < 6; r++)
                for (int q = 0; q < 8; q++)
                    Assert.That(nearest[(b * 6 + r) * 8 + q], Is.EqualTo(x[(b * 3 + r / 2) * 4 + q / 2]));
        var bilinear = Ops.UpsampleBilinear(xt, 3);
        Assert.That(bilinear.Shape, Is.EqualTo(Shape.Of(2, 2, 9, 12)));
        AssertClose(bilinear.ToArray(), ConvReference.Bilinear(x, xs, 3), terms: 4, scale: 2);
    }

    /// <summary>
    /// The three products of a convolution (forward, ∂x, ∂W) and the transposed convolution, at
    /// DCGAN layers' shapes with odd batches (5 images over the workers, and 1 alone): the cpu
    /// device's products (ConvHostGemm, ConvHostDirect) against ilgpu-cpu's composed Im2Col, GEMM and
    /// SwapAxes01. The loss Σ y ⊙ r with random r makes every gradient element count.
    /// </summary>
    [TestCase(5, 8, 14, 40, 4, 2, 1)]
    [TestCase(1, 6, 7, 12, 4, 2, 1)]
    [TestCase(3, 3, 9, 5, 3, 1, 1)]
    [TestCase(5, 6, 7, 9, 7, 1, 0)]   // the window covers the image: each product one GEMM over the batch
    [TestCase(4, 20, 14, 32, 3, 1, 1)] // the direct kernels (ConvHostDirect) through the op
    [TestCase(3, 1, 28, 16, 4, 2, 1)]
    public void TheHostProductsMatchTheComposedKernels(int n, int c, int size, int o, int k, int stride, int pad)
    {
        (float[] Y, float[] Dx, float[] Dw, float[] Db, float[] T, float[] DxT) On(Device d)
        {
            using var scope = new TensorScope();
            var x = Tensor.FromArray(TestSupport.RandomArray(n * c * size * size, 11), Shape.Of(n, c, size, size), d);
            var w = Tensor.FromArray(TestSupport.RandomArray(o * c * k * k, 12), Shape.Of(o, c, k, k), d);
            var b = Tensor.FromArray(TestSupport.RandomArray(o, 13), d);
            foreach (var t in new[] { x, w, b }) t.RequiresGrad = true;
            var y = Ops.Conv2d(x, w, b, stride: stride, padding: pad);
            var r = Tensor.FromArray(TestSupport.RandomArray(y.Length, 14), y.Shape, d);
            Ops.Sum(Ops.Mul(y, r)).Backward();
            var (yv, dx, dw, db) = (y.ToArray(), x.Grad!.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray());
            x.ClearGrad();
            var yt = Tensor.FromArray(yv, y.Shape, d);
            yt.RequiresGrad = true;
            var t2 = Ops.ConvTranspose2d(yt, w, stride: stride, padding: pad, outputPadding: (size + 2 * pad - k) % stride);
            Ops.Sum(Ops.Square(t2)).Backward();
            return (yv, dx, dw, db, t2.ToArray(), yt.Grad!.ToArray());
        }
        var host = On(TestSupport.Cpu);
        var composed = On(TestSupport.IlgpuCpu);
        foreach (var (name, a, e) in new[] { ("y", host.Y, composed.Y), ("∂x", host.Dx, composed.Dx), ("∂W", host.Dw, composed.Dw),
                     ("∂b", host.Db, composed.Db), ("convTranspose", host.T, composed.T), ("∂ of convTranspose", host.DxT, composed.DxT) })
        {
            double scale = e.Max(v => Math.Abs((double)v));
            Assert.That(scale, Is.GreaterThan(0.1), $"{name}: not trivially zero");
            for (int i = 0; i < a.Length; i++)
                if (!(Math.Abs(a[i] - e[i]) <= 2e-5 * scale)) Assert.Fail($"{name}[{i}]: host {a[i]:R}, composed {e[i]:R}");
        }
    }

    [Test]
    public void BadShapesAreClearErrors()
    {
        using var scope = new TensorScope();
        var x = Tensor.Ones(Shape.Of(1, 4, 5, 5), TestSupport.Cpu);
        var w = Tensor.Ones(Shape.Of(6, 3, 3, 3), TestSupport.Cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Conv2d(x, w))!.Message, Does.StartWith("conv2d: x has shape [1, 4, 5, 5] and weight [6, 3, 3, 3]"));
        var big = Tensor.Ones(Shape.Of(6, 4, 7, 7), TestSupport.Cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Conv2d(x, big))!.Message, Does.Contain("does not fit"));
        Assert.Throws<ArgumentException>(() => Ops.MaxPool2d(x, 2, 2, 2));
        Assert.Throws<ShapeMismatchException>(() => Ops.UpsampleNearest(Tensor.Ones(Shape.Of(3, 3), TestSupport.Cpu), 2));
    }

    private static void AssertClose(float[] got, double[] expected, int terms, double scale)
    {
        Assert.That(got, Has.Length.EqualTo(expected.Length));
        double tolerance = (terms + 2) * 5.96e-8 * scale * terms; // |x|, |w| ≤ 2: Σ|terms| ≤ 4·K
        for (int i = 0; i < got.Length; i++)
            if (!(Math.Abs(got[i] - expected[i]) <= tolerance + 1e-6 * Math.Abs(expected[i])))
                Assert.Fail($"element {i}: got {got[i]:R}, expected {expected[i]:R} ± {tolerance:G3}");
    }
}
