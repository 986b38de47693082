using GpuGen.Kernels.Conv;

namespace GpuGen.Tests.Conv;

/// <summary>The direct host convolution (ConvHostDirect) against the per-image GEMMs it stands in for,
/// at stride 1 and 2, odd sizes, channels that do not fill its 8-channel tiles, kernels 2 to 7, and
/// outputs poisoned with NaN first.</summary>
public class ConvHostDirectTests
{
    [TestCase(3, 5, 9, 7, 3, 1, 1)]
    [TestCase(2, 3, 8, 12, 4, 2, 1)]
    [TestCase(1, 4, 11, 5, 2, 2, 0)]
    [TestCase(2, 6, 7, 9, 7, 1, 3)]
    [TestCase(4, 16, 14, 24, 4, 2, 1)]
    public unsafe void MatchesTheGemmPath(int n, int c, int size, int o, int k, int stride, int pad)
    {
        Assume.That(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, "the direct kernel needs AVX-512");
        var g = ConvGeometry.Create(n, c, size, size, k, k, stride, stride, pad, pad, 1, 1);
        Assert.That(ConvHostDirect.Supports(g, 1), Is.True);
        var x = TestSupport.RandomArray(n * c * size * size, 61);
        var w = TestSupport.RandomArray(o * c * k * k, 62);
        var b = TestSupport.RandomArray(o, 63);
        int outputs = n * o * g.OH * g.OW;
        var expected = new float[outputs];
        var got = Enumerable.Repeat(float.NaN, outputs).ToArray();
        fixed (float* xp = x, wp = w, bp = b, ep = expected, gp = got)
        {
            ConvHostGemm.ForwardViaGemm(xp, wp, bp, ep, g, o, 1);
            ConvHostDirect.Forward(xp, wp, bp, gp, g, o);
        }
        for (int i = 0; i < outputs; i++)
            Assert.That(got[i], Is.EqualTo(expected[i]).Within(2e-5f * (1 + Math.Abs(expected[i]))), $"output {i}");
    }
}
