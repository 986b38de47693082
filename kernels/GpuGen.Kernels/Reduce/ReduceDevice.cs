using ILGPU;

namespace GpuGen.Kernels.Reduce;

/// <summary>
/// One level of a chunked reduction. The input is viewed as [Outer, Length, Inner] and reduced
/// along Length in chunks of Chunk elements; the output is [Outer, Chunks, Inner], one partial
/// per chunk (Chunks = 1 on the last level). Level 0 maps the inputs (MapInput = 1); the last
/// level finishes (Finish = 1). Center, when HasCenter = 1, holds one value per [Outer, Inner].
/// </summary>
public struct ReduceArgs<TOp> where TOp : struct, IReduceOp
{
    public ArrayView<float> X, Y, Center;
    public TOp Op;
    public int Outer, Length, Inner, Chunk, Chunks;
    public int MapInput, Finish, HasCenter;
}

/// <summary>Softmax (Log = 0) or log-softmax (Log = 1) along the middle axis of [Outer, Length, Inner],
/// given the per-[Outer, Inner] max M and Σexp(x − M) S.</summary>
public struct NormalizeArgs
{
    public ArrayView<float> X, Y, Max, SumExp;
    public int Length, Inner, Log;
}

/// <summary>Index of the largest element along the middle axis of [Outer, Length, Inner].</summary>
public struct ArgMaxArgs
{
    public ArrayView<float> X, Y;
    public int Length, Inner;
}

/// <summary>
/// Reduction kernels. Every output element is folded by one thread in a fixed order (its chunk,
/// first to last), and chunks are combined by the next level in a fixed order, so results are
/// bit-identical run after run and for any launch shape: no atomics.
/// </summary>
public static class ReduceDevice
{
    /// <summary>Thread t → (o, chunk, i) with i fastest, so neighbouring threads read neighbouring inner elements.</summary>
    public static void Chunks<TOp>(Index1D t, ReduceArgs<TOp> a) where TOp : struct, IReduceOp
    {
        int i = t % a.Inner, rest = t / a.Inner;
        int chunk = rest % a.Chunks, o = rest / a.Chunks;
        int start = chunk * a.Chunk, end = XMathMin(start + a.Chunk, a.Length);
        float center = a.HasCenter != 0 ? a.Center[o * a.Inner + i] : 0f;
        float acc = a.Op.Identity;
        long index = ((long)o * a.Length + start) * a.Inner + i;
        for (int l = start; l < end; l++, index += a.Inner)
        {
            float v = a.X[index];
            acc = a.Op.Combine(acc, a.MapInput != 0 ? a.Op.Map(v, center) : v);
        }
        a.Y[t] = a.Finish != 0 ? a.Op.Finish(acc, center) : acc;
    }

    /// <summary>Thread e → element e of [Outer, Length, Inner].</summary>
    public static void Normalize(Index1D e, NormalizeArgs a)
    {
        int i = e % a.Inner, o = e / (a.Length * a.Inner);
        int oi = o * a.Inner + i;
        float shifted = a.X[e] - a.Max[oi];
        a.Y[e] = a.Log != 0 ? shifted - MathF.Log(a.SumExp[oi]) : MathF.Exp(shifted) / a.SumExp[oi];
    }

    /// <summary>Thread t → output (o, i): <see cref="ArgMaxScan.Find{TRow}"/> along the axis.</summary>
    public static void ArgMax(Index1D t, ArgMaxArgs a)
    {
        int i = t % a.Inner, o = t / a.Inner;
        a.Y[t] = ArgMaxScan.Find(new ViewRow(a.X, (long)o * a.Length * a.Inner + i, a.Inner), a.Length);
    }

    private static int XMathMin(int a, int b) => a < b ? a : b;
}
