namespace GpuGen.Kernels.Reduce;

/// <summary>
/// A float sum with Kahan's compensation: each addition's lost low bits are carried into the next,
/// so the error stays O(ε) instead of O(nε). What device kernels use where a host kernel sums in
/// double: no device kernel touches float64 (an OpenCL device may lack it, Mesa's llvmpipe does, and
/// most GPUs run it at 1/32 to 1/64 of the FP32 rate; PtxCompilationTests checks).
/// </summary>
public struct KahanSum
{
    public float Sum;
    private float _lost;

    public void Add(float x)
    {
        float y = x - _lost, t = Sum + y;
        _lost = float.IsFinite(t) ? (t - Sum) - y : 0f; // ∞ − ∞ would make the carry NaN and poison the sum
        Sum = t;
    }
}
