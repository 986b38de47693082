namespace GpuGen.Kernels.Gemm;

/// <summary>
/// One GEMM, row-major: C = α·op(A)·op(B) + β·C (+ bias[n] on every row), where op(A) is
/// M×K and op(B) is K×N. A is stored M×K (lda ≥ K) or, transposed, K×M (lda ≥ M); B is stored
/// K×N (ldb ≥ N) or, transposed, N×K (ldb ≥ K); C is M×N (ldc ≥ N). A batch runs
/// <see cref="Batch"/> such products, matrix b starting at b·stride in each operand (a stride
/// of 0 shares one matrix across the batch). β = 0 means C is written, never read, so C may
/// hold anything (NaN) beforehand. With <see cref="Relu"/> the epilogue then clamps at zero,
/// C = max(α·op(A)·op(B) + β·C + bias, 0): a Linear layer followed by ReLU in one pass over C.
/// </summary>
public struct GemmProblem
{
    public int M, N, K;
    public bool TransA, TransB;
    public int Lda, Ldb, Ldc;
    public float Alpha, Beta;
    public int Batch;
    public long StrideA, StrideB, StrideC;
    public bool Relu;

    /// <summary>A plain (not batched) problem with dense leading dimensions.</summary>
    public static GemmProblem Dense(int m, int n, int k, bool transA = false, bool transB = false, float alpha = 1f, float beta = 0f) => new()
    {
        M = m, N = n, K = k, TransA = transA, TransB = transB,
        Lda = transA ? m : k, Ldb = transB ? k : n, Ldc = n,
        Alpha = alpha, Beta = beta, Batch = 1,
        StrideA = (long)m * k, StrideB = (long)k * n, StrideC = (long)m * n,
    };

    /// <summary>Floating-point operations: 2·M·N·K per matrix (multiply and add).</summary>
    public readonly double Flops => 2.0 * M * N * K * Batch;

    /// <summary>op(A)[i, k].</summary>
    public readonly long AIndex(int i, int k) => TransA ? (long)k * Lda + i : (long)i * Lda + k;

    /// <summary>op(B)[k, j].</summary>
    public readonly long BIndex(int k, int j) => TransB ? (long)j * Ldb + k : (long)k * Ldb + j;

    /// <summary>Elements each operand must hold for the whole batch (for bounds checks before a launch).</summary>
    public readonly (long A, long B, long C) Extents()
    {
        long lastA = TransA ? (long)(K - 1) * Lda + M : (long)(M - 1) * Lda + K;
        long lastB = TransB ? (long)(N - 1) * Ldb + K : (long)(K - 1) * Ldb + N;
        long lastC = (long)(M - 1) * Ldc + N;
        long b = Batch - 1;
        return M == 0 || N == 0 || Batch == 0 ? (0, 0, 0)
            : (K == 0 ? 0 : b * StrideA + lastA, K == 0 ? 0 : b * StrideB + lastB, b * StrideC + lastC);
    }
}
