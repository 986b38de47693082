using GpuGen.Kernels.Conv;

namespace GpuGen.Tests.Conv;

/// <summary>The direct host convolutions (ConvHostDirect) against the per-image GEMMs they stand in
/// for: the forward at strides 1 and 2 on every tile shape (rows of 7, 14 and 28; 7 rows as 4 + 3),
/// channel counts that do not fill a 16-channel block, kernels 2 to 5, and by rows for 1–3 input
/// channels (rows that end inside a vector); the data gradient by phases,
/// including a 1 × 1 stride-2 kernel whose odd phases have no taps; the weight gradient for
/// kernels 3 and 4 wide, with (channel, row) pairs that leave the last tile part-filled; outputs poisoned with NaN first.
/// The ops' own tests (ConvTests) check both against double-precision references.</summary>
public class ConvHostDirectTests
{
    [TestCase(3, 5, 14, 20, 3, 1, 1)]
    [TestCase(2, 4, 30, 16, 3, 1, 0)]
    [TestCase(2, 5, 7, 17, 3, 1, 1)]
    [TestCase(2, 6, 28, 18, 2, 2, 0)]
    [TestCase(1, 9, 14, 16, 5, 1, 2)]
    [TestCase(3, 16, 14, 33, 4, 2, 1)]
    [TestCase(2, 1, 28, 64, 4, 2, 1)]
    [TestCase(3, 1, 28, 32, 3, 1, 1)]
    [TestCase(2, 3, 19, 20, 3, 2, 1)]
    [TestCase(1, 2, 9, 8, 2, 1, 0)]
    public unsafe void TheForwardMatchesTheGemmPath(int n, int c, int size, int o, int k, int stride, int pad)
    {
        Assume.That(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, "the direct kernels need AVX-512");
        var g = ConvGeometry.Create(n, c, size, size, k, k, stride, stride, pad, pad, 1, 1);
        Assert.That(ConvHostDirect.Applies(g, o, 1), Is.True);
        var b = TestSupport.RandomArray(o, 63);
        Compare(TestSupport.RandomArray(n * c * size * size, 61), TestSupport.RandomArray(o * c * k * k, 62), n * o * g.OH * g.OW,
            (x, w, y) => { fixed (float* bp = b) ConvHostGemm.ForwardViaGemm(x, w, bp, y, g, o, 1); },
            (x, w, y) => { fixed (float* bp = b) ConvHostDirect.Forward(x, w, bp, y, g, o); });
    }

    [TestCase(2, 16, 14, 5, 4, 2, 1)]
    [TestCase(2, 20, 14, 9, 3, 1, 1)]
    [TestCase(3, 17, 28, 6, 3, 2, 1)]
    [TestCase(1, 16, 7, 4, 5, 1, 2)]
    [TestCase(2, 18, 14, 7, 3, 2, 0)]
    [TestCase(1, 16, 14, 8, 1, 2, 0)]
    [TestCase(2, 33, 14, 12, 4, 2, 1)]
    public unsafe void TheDataGradientMatchesTheGemmPath(int n, int c, int size, int o, int k, int stride, int pad)
    {
        Assume.That(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, "the direct kernels need AVX-512");
        var g = ConvGeometry.Create(n, c, size, size, k, k, stride, stride, pad, pad, 1, 1);
        Assert.That(ConvHostDirect.AppliesToDataGrad(g, o, 1), Is.True);
        Compare(TestSupport.RandomArray(n * o * g.OH * g.OW, 64), TestSupport.RandomArray(o * c * k * k, 65), n * c * size * size,
            (gy, w, gx) => ConvHostGemm.DataGradViaGemm(gy, w, gx, g, o, 1),
            (gy, w, gx) => ConvHostDirect.DataGrad(gy, w, gx, g, o));
    }

    [TestCase(2, 4, 14, 16, 4, 2, 1)]
    [TestCase(3, 6, 14, 20, 3, 1, 1)]
    [TestCase(2, 9, 13, 8, 3, 2, 0)]
    [TestCase(1, 6, 28, 33, 4, 1, 2)]
    [TestCase(4, 16, 14, 24, 4, 2, 1)]
    [TestCase(2, 1, 28, 64, 4, 2, 1)]
    [TestCase(3, 1, 28, 32, 3, 1, 1)]
    [TestCase(15, 5, 14, 17, 4, 2, 1)] // 7 × 7 outputs: tiles sum over chunks of 6 images, the last one short
    public unsafe void TheWeightGradientMatchesTheGemmPath(int n, int c, int size, int o, int k, int stride, int pad)
    {
        Assume.That(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, "the direct kernels need AVX-512");
        var g = ConvGeometry.Create(n, c, size, size, k, k, stride, stride, pad, pad, 1, 1);
        Assert.That(ConvHostDirect.AppliesToWeightGrad(g, o, 1), Is.True);
        // each weight sums n·OH·OW products of terms in [−1, 1], in another order than the GEMM's
        Compare(TestSupport.RandomArray(n * c * size * size, 66), TestSupport.RandomArray(n * o * g.OH * g.OW, 67), o * c * k * k,
            (x, gy, gw) => ConvHostGemm.WeightGradViaGemm(x, gy, gw, g, o, 1),
            (x, gy, gw) => ConvHostDirect.WeightGrad(x, gy, gw, g, o), terms: n * g.OH * g.OW);
    }

    [Test]
    public void ATransposedConvolutionFromOnePixelStaysOnTheGemms()
    {
        // the DCGAN generator's first layer: 100 → 128 channels, 1 × 1 → 7 × 7 (a data gradient
        // whose phases would multiply padding 48 times in 49)
        var g = ConvGeometry.Create(64, 128, 7, 7, 7, 7, 1, 1, 0, 0, 1, 1);
        Assert.That(ConvHostDirect.AppliesToDataGrad(g, 100, 1), Is.False);
    }

    private unsafe delegate void Product(float* a, float* b, float* result);

    /// <summary>Runs both paths on the same inputs, the direct one into an output poisoned with NaN.</summary>
    private static unsafe void Compare(float[] a, float[] b, int resultLength, Product viaGemm, Product direct, int terms = 0)
    {
        var expected = new float[resultLength];
        var got = Enumerable.Repeat(float.NaN, resultLength).ToArray();
        fixed (float* ap = a, bp = b, ep = expected, gp = got)
        {
            viaGemm(ap, bp, ep);
            direct(ap, bp, gp);
        }
        AssertClose(got, expected, terms);
    }

    private static void AssertClose(float[] got, float[] expected, int terms = 0)
    {
        for (int i = 0; i < got.Length; i++)
            Assert.That(got[i], Is.EqualTo(expected[i]).Within(2e-5f * (1 + Math.Abs(expected[i])) + 1e-6f * terms), $"element {i}");
    }
}
