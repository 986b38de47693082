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

    /// <summary>Unused: ends the struct on an 8-byte boundary, which OpenCL needs (KernelArgsLayoutTests).</summary>
    public long Align8;
}

/// <summary>Softmax (Log = 0) or log-softmax (Log = 1) along the middle axis of [Outer, Length, Inner],
/// given the per-[Outer, Inner] max M and Σexp(x − M) S.</summary>
public struct NormalizeArgs
{
    public ArrayView<float> X, Y, Max, SumExp;
    public int Length, Inner, Log;

    /// <summary>Unused: ends the struct on an 8-byte boundary, which OpenCL needs (KernelArgsLayoutTests).</summary>
    public long Align8;
}

/// <summary>Index of the largest element along the middle axis of [Outer, Length, Inner].</summary>
public struct ArgMaxArgs
{
    public ArrayView<float> X, Y;
    public int Length, Inner;
}

/// <summary>
/// Reduction kernels. Each partial is folded in a fixed order (no atomics), and chunks are
/// combined by the next level in a fixed order, so results are bit-identical run after run.
/// Two thread mappings, chosen by the layout:
/// <list type="bullet">
/// <item>Inner = 1 (a contiguous row: a row sum, a softmax's max, a norm):
/// <see cref="ContiguousChunks{TOp}"/>, one group per partial and a tree in shared memory, so a
/// [100, 784] row sum keeps 100 groups of 256 threads busy instead of 100 threads.</item>
/// <item>Inner &gt; 1 (a column: a batch sum of a [N, D] gradient): <see cref="Chunks{TOp}"/>,
/// one thread per partial, neighbouring threads on neighbouring inner elements (coalesced).</item>
/// </list>
/// </summary>
public static class ReduceDevice
{
    /// <summary>The most threads a <see cref="ContiguousChunks"/> group may have: its tree's static shared block
    /// (static, not dynamic shared memory, which Mesa's rusticl 22.3 cannot take: it panics building the kernel).</summary>
    public const int MaxGroup = 256;

    /// <summary>
    /// Inner = 1. Group g → partial g = (o, chunk) of the output [Outer, Chunks]; its Group.DimX
    /// threads (a power of two) fold the chunk's elements start + tid, start + tid + G, … (in
    /// order, so neighbouring threads read neighbouring elements), then halve in shared memory:
    /// s[t] = s[t] ⊕ s[t + h] for h = G/2, G/4, …, 1. The tree's shape depends only on G, so a
    /// device gives the same bits on every run. Shared memory: G floats, requested dynamically.
    /// </summary>
    public static void ContiguousChunks<TOp>(ReduceArgs<TOp> a) where TOp : struct, IReduceOp
    {
        int g = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX;
        int chunk = g % a.Chunks, o = g / a.Chunks;
        int start = chunk * a.Chunk, end = XMathMin(start + a.Chunk, a.Length);
        float center = a.HasCenter != 0 ? a.Center[o] : 0f;
        float acc = a.Op.Identity;
        long row = (long)o * a.Length;
        for (int l = start + tid; l < end; l += threads)
        {
            float v = a.X[row + l];
            acc = a.Op.Combine(acc, a.MapInput != 0 ? a.Op.Map(v, center) : v);
        }
        var shared = SharedMemory.Allocate<float>(MaxGroup);
        shared[tid] = acc;
        Group.Barrier();
        for (int half = threads / 2; half > 0; half /= 2)
        {
            if (tid < half) shared[tid] = a.Op.Combine(shared[tid], shared[tid + half]);
            Group.Barrier();
        }
        if (tid == 0) a.Y[g] = a.Finish != 0 ? a.Op.Finish(shared[0], center) : shared[0];
    }

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
