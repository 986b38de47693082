using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GpuGen.Kernels.Host;

namespace GpuGen.Kernels.Gemm;

/// <summary>
/// Host GEMMs with a dimension of at most <see cref="Limit"/>: a first layer's K = 2 inputs, a
/// last layer's N = 1 or 2 outputs, its weight gradient's M = 2 rows. Packing into 8 × 32 tiles
/// would pad that dimension to 6 or 32 (16× the work for N = 2) and the packing itself would cost
/// more than the product; these are memory-bound, so each path reads the large operand once, in
/// its storage order, and splits the output over the host workers when it is large.
/// <code>
///   N ≤ 4: C[i, j] = Σ_k op(A)[i, k]·Bc[j][k]     Bc: op(B)'s columns, gathered contiguous
///   K ≤ 4: C[i, :] = Σ_k op(A)[i, k]·Br[k][:]     Br: op(B)'s rows (gathered if B is transposed)
///   M ≤ 4: C[i, :] = Σ_k op(A)[i, k]·op(B)[k, :]  B's rows streamed once for every i together,
///                                                 or, B transposed, dot products with B's rows
/// </code>
/// then C = α·acc + bias (+ β·C), clamped at 0 under Relu, as the tiled path does.
/// </summary>
internal static unsafe class GemmHostSkinny
{
    public const int Limit = 4;
    private const int GatherLimit = 16384; // floats of a gathered operand kept on the stack (64 KiB)
    private const int ColumnBlock = 512;   // columns of C accumulated at once in the M ≤ 4 path

    /// <summary>Whether one of M, N, K is at most <see cref="Limit"/> and the gathered operand fits.</summary>
    public static bool Applies(in GemmProblem p)
    {
        if (p.K == 0 || p.Alpha == 0f) return false; // the tiled path's β-only scaling
        if (p.N <= Limit) return (long)p.N * p.K <= GatherLimit;
        if (p.K <= Limit) return !p.TransB || (long)p.K * p.N <= GatherLimit;
        if (p.M <= Limit) return !p.TransB || (long)p.M * p.K <= GatherLimit;
        return false;
    }

    public static void Run(in GemmProblem p, float* a, float* b, float* c, float* bias, bool serial)
    {
        if (!serial && p.Batch >= HostParallel.WorkerCount)
        {
            // a batch of at least one matrix per worker: whole matrices per worker, each on its thread
            var problem = p;
            nint pa = (nint)a, pb = (nint)b, pc = (nint)c, pbias = (nint)bias;
            HostParallel.Run(p.Batch, m => RunMatrix(problem, m, (float*)pa, (float*)pb, (float*)pc, (float*)pbias, serial: true));
            return;
        }
        for (int m = 0; m < p.Batch; m++) RunMatrix(p, m, a, b, c, bias, serial);
    }

    private static void RunMatrix(in GemmProblem p, int m, float* a, float* b, float* c, float* bias, bool serial)
    {
        var job = new Job(p, a + m * p.StrideA, b + m * p.StrideB, c + m * p.StrideC, bias);
        if (p.N <= Limit) Split(p.M, (long)p.K * p.N, job, serial, static (start, count, j) => j.ByColumns(start, start + count));
        else if (p.K <= Limit) Split(p.M, (long)p.K * p.N, job, serial, static (start, count, j) => j.ByOuterProducts(start, start + count));
        else Split(p.N, (long)p.M * p.K, job, serial, static (start, count, j) => j.ByRows(start, start + count));
    }

    /// <summary>Over [0, length) on the workers, unless serial or too small to be worth it.</summary>
    private static void Split(int length, long elementsPerItem, Job job, bool serial, Action<int, int, Job> body)
    {
        if (serial) body(0, length, job);
        else HostParallel.For(length, job, body, elementsPerItem);
    }

    private readonly struct Job(GemmProblem p, float* a, float* b, float* c, float* bias)
    {
        /// <summary>N ≤ 4, rows [i0, i1) of C: op(B)'s columns gathered, then either dot products with
        /// A's rows or, A transposed (stored K × M), A's rows added up into N column sums.</summary>
        public void ByColumns(int i0, int i1)
        {
            int n = p.N, k = p.K;
            float* columns = stackalloc float[n * k];
            for (int j = 0; j < n; j++)
                for (int kk = 0; kk < k; kk++) columns[j * k + kk] = b[p.BIndex(kk, j)];
            float* sums = stackalloc float[Limit];
            if (!p.TransA)
            {
                for (int i = i0; i < i1; i++)
                {
                    Dots(a + (long)i * p.Lda, columns, k, n, sums);
                    Finish(c + (long)i * p.Ldc, sums, 0, n);
                }
                return;
            }
            const int block = 1024;
            float* acc = stackalloc float[Limit * block];
            for (int r0 = i0; r0 < i1; r0 += block)
            {
                int rows = Math.Min(block, i1 - r0);
                new Span<float>(acc, n * block).Clear();
                for (int kk = 0; kk < k; kk++)
                {
                    float* row = a + (long)kk * p.Lda + r0; // op(A)[r0.., kk]
                    for (int j = 0; j < n; j++) Axpy(columns[j * k + kk], row, acc + j * block, rows);
                }
                for (int r = 0; r < rows; r++)
                {
                    for (int j = 0; j < n; j++) sums[j] = acc[j * block + r];
                    Finish(c + (long)(r0 + r) * p.Ldc, sums, 0, n);
                }
            }
        }

        /// <summary>K ≤ 4, rows [i0, i1) of C: each a combination of op(B)'s K rows.</summary>
        public void ByOuterProducts(int i0, int i1)
        {
            int n = p.N, k = p.K;
            float** rows = stackalloc float*[Limit];
            float* gathered = stackalloc float[p.TransB ? k * n : 0];
            for (int kk = 0; kk < k; kk++)
            {
                if (!p.TransB) rows[kk] = b + (long)kk * p.Ldb;
                else
                {
                    rows[kk] = gathered + kk * n;
                    for (int j = 0; j < n; j++) rows[kk][j] = b[(long)j * p.Ldb + kk];
                }
            }
            float* weights = stackalloc float[Limit];
            for (int i = i0; i < i1; i++)
            {
                for (int kk = 0; kk < k; kk++) weights[kk] = p.Alpha * a[p.AIndex(i, kk)];
                float* target = c + (long)i * p.Ldc;
                int j = 0;
                for (; j <= n - 16; j += 16)
                {
                    var v = bias == null ? Vector512<float>.Zero : Vector512.Load(bias + j);
                    for (int kk = 0; kk < k; kk++) v = Vector512.FusedMultiplyAdd(Vector512.Create(weights[kk]), Vector512.Load(rows[kk] + j), v);
                    if (p.Beta != 0f) v = Vector512.FusedMultiplyAdd(Vector512.Create(p.Beta), Vector512.Load(target + j), v);
                    if (p.Relu) v = GemmRelu.Apply(v);
                    v.Store(target + j);
                }
                for (; j < n; j++)
                {
                    float v = bias == null ? 0f : bias[j];
                    for (int kk = 0; kk < k; kk++) v = MathF.FusedMultiplyAdd(weights[kk], rows[kk][j], v);
                    v = p.Beta != 0f ? MathF.FusedMultiplyAdd(p.Beta, target[j], v) : v;
                    target[j] = p.Relu ? GemmRelu.Apply(v) : v;
                }
            }
        }

        /// <summary>M ≤ 4, columns [j0, j1) of C: B's rows streamed once, each added into every row
        /// of C's block; or, B transposed (stored N × K), dot products of B's rows with op(A)'s rows.</summary>
        public void ByRows(int j0, int j1)
        {
            int m = p.M, k = p.K;
            float* sums = stackalloc float[Limit];
            if (p.TransB)
            {
                float* aRows = stackalloc float[m * k];
                for (int i = 0; i < m; i++)
                    for (int kk = 0; kk < k; kk++) aRows[i * k + kk] = a[p.AIndex(i, kk)];
                for (int j = j0; j < j1; j++)
                {
                    Dots(b + (long)j * p.Ldb, aRows, k, m, sums);
                    for (int i = 0; i < m; i++) Store(c + (long)i * p.Ldc + j, sums[i], j);
                }
                return;
            }
            float* acc = stackalloc float[Limit * ColumnBlock];
            float* weights = stackalloc float[Limit];
            for (int c0 = j0; c0 < j1; c0 += ColumnBlock)
            {
                int cols = Math.Min(ColumnBlock, j1 - c0);
                new Span<float>(acc, m * ColumnBlock).Clear();
                for (int kk = 0; kk < k; kk++)
                {
                    for (int i = 0; i < m; i++) weights[i] = a[p.AIndex(i, kk)];
                    float* row = b + (long)kk * p.Ldb + c0;
                    for (int i = 0; i < m; i++) Axpy(weights[i], row, acc + i * ColumnBlock, cols);
                }
                for (int i = 0; i < m; i++) Finish(c + (long)i * p.Ldc, acc + i * ColumnBlock - c0, c0, c0 + cols);
            }
        }

        /// <summary>C row [j0, j1) = α·sums[j] + bias[j] (+ β·C).</summary>
        private void Finish(float* row, float* sums, int j0, int j1)
        {
            for (int j = j0; j < j1; j++) Store(row + j, sums[j], j);
        }

        /// <summary>C(i, j) at <paramref name="target"/> = α·sum + bias[j] (+ β·C(i, j)).</summary>
        private void Store(float* target, float sum, int j)
        {
            float v = MathF.FusedMultiplyAdd(p.Alpha, sum, bias == null ? 0f : bias[j]);
            v = p.Beta != 0f ? MathF.FusedMultiplyAdd(p.Beta, *target, v) : v;
            *target = p.Relu ? GemmRelu.Apply(v) : v;
        }
    }

    /// <summary>sums[j] = x · ys[j] over length for count (≤ 4) vectors ys laid out one after another: x read once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dots(float* x, float* ys, int length, int count, float* sums)
    {
        var s0 = Vector512<float>.Zero; var s1 = s0; var s2 = s0; var s3 = s0;
        float* y0 = ys, y1 = ys + length, y2 = ys + 2 * length, y3 = ys + 3 * length;
        int k = 0;
        for (; k <= length - 16; k += 16)
        {
            var v = Vector512.Load(x + k);
            s0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(y0 + k), s0);
            if (count > 1) s1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(y1 + k), s1);
            if (count > 2) s2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(y2 + k), s2);
            if (count > 3) s3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(y3 + k), s3);
        }
        float t0 = Vector512.Sum(s0), t1 = Vector512.Sum(s1), t2 = Vector512.Sum(s2), t3 = Vector512.Sum(s3);
        for (; k < length; k++)
        {
            float v = x[k];
            t0 += v * y0[k];
            if (count > 1) t1 += v * y1[k];
            if (count > 2) t2 += v * y2[k];
            if (count > 3) t3 += v * y3[k];
        }
        sums[0] = t0;
        if (count > 1) sums[1] = t1;
        if (count > 2) sums[2] = t2;
        if (count > 3) sums[3] = t3;
    }

    /// <summary>y[0..n) += α·x[0..n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Axpy(float alpha, float* x, float* y, int n)
    {
        var va = Vector512.Create(alpha);
        int i = 0;
        for (; i <= n - 16; i += 16) Vector512.FusedMultiplyAdd(va, Vector512.Load(x + i), Vector512.Load(y + i)).Store(y + i);
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(alpha, x[i], y[i]);
    }
}
