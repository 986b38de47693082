using ILGPU;

namespace GpuGen.Kernels.Gemm;

/// <summary>
/// Split K: a product with too few tiles of C to fill the device (a Linear layer at a small batch, a weight
/// gradient whose K is the batch) runs as <see cref="GemmArgs.KSplit"/> products over consecutive ranges of
/// <see cref="GemmArgs.KChunk"/> k each, every one writing its partial C to a workspace (matrix
/// z = batch·KSplit + split, α = 1, no bias, β = 0); <see cref="Reduce"/> then adds the partials in split order
/// (the same bits run after run: no atomics) and applies the epilogue. Without a split (KSplit ≤ 1) a group
/// takes the whole K of matrix Grid.IdxZ.
/// </summary>
public struct GemmSplit
{
    public int Batch, KBegin, KEnd;

    /// <summary>The matrix of the batch and the K range of the calling group.</summary>
    public static GemmSplit Of(in GemmArgs g)
    {
        int z = Grid.IdxZ;
        if (g.KSplit <= 1) return new GemmSplit { Batch = z, KBegin = 0, KEnd = g.K };
        int batch = z / g.KSplit, begin = (z - batch * g.KSplit) * g.KChunk;
        return new GemmSplit { Batch = batch, KBegin = begin, KEnd = Math.Min(g.K, begin + g.KChunk) };
    }

    /// <summary>
    /// C[b, i, j] = α·Σₛ partial[b·S + s, i, j] (+ bias[j]) (+ β·C), clamped at 0 under Relu: one output per
    /// thread, the S partials (M·N apart) added in order. <paramref name="index"/> runs over Batch·M·N.
    /// </summary>
    public static void Reduce(Index1D index, GemmReduceArgs r)
    {
        long mn = (long)r.M * r.N, flat = index;
        int b = (int)(flat / mn);
        long within = flat - b * mn;
        int row = (int)(within / r.N), col = (int)(within - (long)row * r.N);
        long at = b * r.Splits * mn + within;
        float sum = 0f;
        for (int s = 0; s < r.Splits; s++, at += mn) sum += r.Partials[at];
        long i = b * r.StrideC + (long)row * r.Ldc + col;
        r.C[i] = GemmDevice.Epilogue(sum, r.Alpha, r.HasBias, r.Bias, col, r.Beta, r.C, i, r.Relu);
    }
}

/// <summary>Arguments of <see cref="GemmSplit.Reduce"/>: the partials [Batch·Splits, M, N] and the GEMM's C and epilogue.</summary>
public struct GemmReduceArgs
{
    public ArrayView<float> Partials, C, Bias;
    public int M, N, Ldc, Splits;
    public int HasBias, Relu;
    public float Alpha, Beta;
    public long StrideC;
}
