using GpuGen.Kernels.Gemm;

namespace GpuGen;

// Matrix products: one GEMM kernel family behind three ops.
public static partial class Ops
{
    /// <summary>
    /// In place on <paramref name="c"/>: C = α·op(A)·op(B) + β·C (+ <paramref name="bias"/>, N
    /// values, added to every row), op = transpose when asked. A is [M, K] ([K, M] if transposed),
    /// B is [K, N] ([N, K] if transposed), C is [M, N]. Any operand may carry a leading batch
    /// dimension; a 2-D (or batch-1) A or B is shared by every matrix of the batch. β = 0
    /// overwrites C without reading it.
    /// </summary>
    public static Tensor Gemm(Tensor a, Tensor b, Tensor c, float alpha = 1f, float beta = 0f,
        bool transA = false, bool transB = false, Tensor? bias = null)
    {
        Check.NotRecordingInPlace("gemm", c, a, b, bias);
        return GemmInto(a, b, c, alpha, beta, transA, transB, bias);
    }

    /// <summary><see cref="Gemm"/> without the autograd guard: MatMul and Linear record themselves.</summary>
    private static Tensor GemmInto(Tensor a, Tensor b, Tensor c, float alpha, float beta, bool transA, bool transB, Tensor? bias, bool relu = false)
    {
        const string op = "gemm";
        var problem = PlanGemm(op, a, b, transA, transB, alpha, beta, out int batch);
        problem.Relu = relu;
        var expected = batch > 1 || c.Rank == 3 ? Shape.Of(batch, problem.M, problem.N) : Shape.Of(problem.M, problem.N);
        Check.Alive(op, "c", c);
        Check.SameDevice(op, "a", a, "c", c);
        if (c.Shape != expected)
            throw new ShapeMismatchException($"{op}: c has shape {c.Shape} but a {a.Shape}{T(transA)} times b {b.Shape}{T(transB)} is {expected}");
        if (c.Overlaps(a) || c.Overlaps(b))
            throw new GpuGenException($"{op}: c overlaps an input; the product cannot be written over its own operands");
        if (bias is not null)
        {
            Check.Alive(op, "bias", bias);
            Check.SameDevice(op, "bias", bias, "c", c);
            if (bias.Shape != Shape.Of(problem.N))
                throw new ShapeMismatchException($"{op}: bias has shape {bias.Shape} but the product has {problem.N} columns");
        }
        c.Device.Backend.Gemm.Gemm(problem, a, b, c, bias);
        return c;
    }

    /// <summary>
    /// op(A)·op(B) as a new tensor (see <see cref="Gemm"/> for shapes and batching). Derivatives
    /// for C = op(A)·op(B): with X = op(A), Y = op(B), dX = g·Yᵀ and dY = Xᵀ·g, transposed back
    /// into A's and B's layouts; a matrix shared across a batch gets the sum over the batch.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        if (a.Rank > 3 || b.Rank > 3) return BroadcastMatMul(a, b, transA, transB);
        var problem = PlanGemm("matmul", a, b, transA, transB, 1f, 0f, out int batch);
        var shape = batch > 1 || a.Rank == 3 || b.Rank == 3 ? Shape.Of(batch, problem.M, problem.N) : Shape.Of(problem.M, problem.N);
        var y = GemmInto(a, b, Tensor.Empty(shape, a.Device), 1f, 0f, transA, transB, null);
        return Autograd.Record("matmul", y, [a, b], (g, needs) =>
        [
            needs[0] ? SumTo(transA ? (transB ? MatMul(b, g, true, true) : MatMul(b, g, false, true))
                                    : (transB ? MatMul(g, b) : MatMul(g, b, false, true)), a.Shape) : null,
            needs[1] ? SumTo(transB ? (transA ? MatMul(g, a, true, true) : MatMul(g, a, true, false))
                                    : (transA ? MatMul(a, g) : MatMul(a, g, true, false)), b.Shape) : null,
        ]);
    }

    /// <summary>
    /// torch.matmul's batching for operands of any rank ≥ 2: the axes before the last two broadcast
    /// against each other (right-aligned, equal or 1), and the product runs as one batched GEMM over
    /// their product. An operand whose batch axes are all 1 is one matrix shared by every product
    /// (no copy); one that needs broadcasting is expanded first (a recorded Expand, whose gradient
    /// sums back). The result has shape [broadcast batch axes…, M, N].
    /// </summary>
    private static Tensor BroadcastMatMul(Tensor a, Tensor b, bool transA, bool transB)
    {
        const string op = "matmul";
        Check.Alive(op, "a", a);
        Check.Alive(op, "b", b);
        if (a.Rank < 2 || b.Rank < 2)
            throw new ShapeMismatchException($"{op}: a has shape {a.Shape} and b has shape {b.Shape}; both need at least two axes");
        int[] leadA = a.Shape.ToArray()[..^2], leadB = b.Shape.ToArray()[..^2];
        int rank = Math.Max(leadA.Length, leadB.Length);
        var lead = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - leadA.Length ? 1 : leadA[i - (rank - leadA.Length)];
            int db = i < rank - leadB.Length ? 1 : leadB[i - (rank - leadB.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ShapeMismatchException($"{op}: a has shape {a.Shape} and b has shape {b.Shape}: batch axes do not broadcast ({da} against {db})");
            lead[i] = Math.Max(da, db);
        }
        int count = lead.Aggregate(1, (p, d) => p * d);
        Tensor Batched(Tensor x, int[] own)
        {
            int rows = x.Shape[-2], cols = x.Shape[-1];
            if (own.Aggregate(1, (p, d) => p * d) == 1) return x.Reshape(rows, cols);            // shared by every product
            var padded = Enumerable.Repeat(1, rank - own.Length).Concat(own).ToArray();
            if (padded.SequenceEqual(lead)) return x.Reshape(count, rows, cols);
            return Expand(x.Reshape([.. padded, rows, cols]), new Shape([.. lead, rows, cols])).Reshape(count, rows, cols);
        }
        var product = MatMul(Batched(a, leadA), Batched(b, leadB), transA, transB);               // [count, M, N] or [M, N]
        return product.Reshape([.. lead, product.Shape[-2], product.Shape[-1]]);
    }

    /// <summary>
    /// A fully connected layer: y = x·Wᵀ + b for x [batch, in], weight [out, in] (PyTorch's
    /// layout) and bias [out] or null; the bias is added in the GEMM's epilogue.
    /// dx = g·W, dW = gᵀ·x, db = Σ_batch g.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) => Linear("linear", x, weight, bias, relu: false);

    /// <summary>
    /// relu(x·Wᵀ + b) in one GEMM, the clamp in its epilogue (no pass over y of its own, no
    /// pre-activation kept). Backward: the gate of ReLU's derivative from the output (y &gt; 0
    /// exactly where x·Wᵀ + b &gt; 0), then Linear's rules: gz = g·[y &gt; 0], dx = gz·W,
    /// dW = gzᵀ·x, db = Σ_batch gz; differentiable again, as both parts are.
    /// </summary>
    public static Tensor LinearRelu(Tensor x, Tensor weight, Tensor? bias = null) => Linear("linearRelu", x, weight, bias, relu: true);

    private static Tensor Linear(string op, Tensor x, Tensor weight, Tensor? bias, bool relu)
    {
        Check.Alive(op, "x", x);
        Check.Alive(op, "weight", weight);
        if (x.Rank != 2 || weight.Rank != 2 || x.Shape[1] != weight.Shape[1])
            throw new ShapeMismatchException($"{op}: x has shape {x.Shape} but weight has shape {weight.Shape}; expected x [batch, in] and weight [out, in]");
        var y = Tensor.Empty(Shape.Of(x.Shape[0], weight.Shape[0]), x.Device);
        try
        {
            GemmInto(x, weight, y, 1f, 0f, transA: false, transB: true, bias, relu);
        }
        catch
        {
            y.Dispose();
            throw;
        }
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Autograd.Record(op, y, inputs, (g, needs) =>
        {
            var gz = relu ? PositiveGate(g, y, 0f) : g;
            return
            [
                needs[0] ? MatMul(gz, weight) : null,
                needs[1] ? MatMul(gz, x, transA: true) : null,
                .. bias is null ? Array.Empty<Tensor?>() : [needs[2] ? Sum(gz, 0) : null],
            ];
        });
    }

    /// <summary>Checks A and B and turns their shapes into a <see cref="GemmProblem"/>.</summary>
    private static GemmProblem PlanGemm(string op, Tensor a, Tensor b, bool transA, bool transB, float alpha, float beta, out int batch)
    {
        Check.Alive(op, "a", a);
        Check.Alive(op, "b", b);
        Check.SameDevice(op, "a", a, "b", b);
        if (a.Rank is not (2 or 3) || b.Rank is not (2 or 3))
            throw new ShapeMismatchException($"{op}: a has shape {a.Shape} and b has shape {b.Shape}; both must be matrices or batches of matrices");
        int aRows = a.Shape[-2], aCols = a.Shape[-1], bRows = b.Shape[-2], bCols = b.Shape[-1];
        int m = transA ? aCols : aRows, k = transA ? aRows : aCols;
        int kb = transB ? bCols : bRows, n = transB ? bRows : bCols;
        if (k != kb)
            throw new ShapeMismatchException($"{op}: a has shape {a.Shape}{T(transA)} and b has shape {b.Shape}{T(transB)}: inner dimensions {k} and {kb} differ");
        int batchA = a.Rank == 3 ? a.Shape[0] : 1, batchB = b.Rank == 3 ? b.Shape[0] : 1;
        if (batchA != batchB && batchA != 1 && batchB != 1)
            throw new ShapeMismatchException($"{op}: a has shape {a.Shape} and b has shape {b.Shape}: batch sizes {batchA} and {batchB} differ");
        batch = Math.Max(batchA, batchB);
        var p = GemmProblem.Dense(m, n, k, transA, transB, alpha, beta);
        p.Batch = batch;
        p.StrideA = batchA == 1 ? 0 : (long)m * k; // a single matrix is shared across the batch
        p.StrideB = batchB == 1 ? 0 : (long)k * n;
        return p;
    }

    private static string T(bool transposed) => transposed ? " (transposed)" : "";
}
