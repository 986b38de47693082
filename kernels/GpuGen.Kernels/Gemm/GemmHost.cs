using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using GpuGen.Kernels.Host;

namespace GpuGen.Kernels.Gemm;

/// <summary>Which micro-kernel the host GEMM uses.</summary>
public enum GemmIsa { Auto, Vector512, Vector256, Scalar }

/// <summary>
/// The host GEMM (Goto/BLIS structure). For each worker's share of C:
/// <code>
/// for jc over its columns, NC at a time:
///   for pc over K, KC at a time:           pack op(B)[pc.., jc..] → Bp (KC × NC, L2/L3)
///     for ic over its rows, MC at a time:  pack op(A)[ic.., pc..] → Ap (MC × KC, L2), but see below
///       for jr over NC, NR at a time:      one Bp micro-panel (KC × NR) stays in L1
///         for ir over MC, MR at a time:    micro-kernel: C[ir.., jr..] (MR × NR) in registers
/// </code>
/// The first K block applies β to C, later ones accumulate, the last adds the bias. Workers
/// (one per core) each take whole matrices of a batch, or else a range of C's columns (or
/// rows, for narrow C), and pack their own panels: nothing is shared and nothing waits, and
/// the duplicated packing of the other operand costs M·K (or K·N) against 2·M·N·K/workers.
/// <para>The AVX-512 micro-kernel reads op(A) where it lies instead (all but a ragged last panel):
/// it broadcasts A one element at a time anyway, so a panel needs no particular layout: six
/// consecutive floats per k for a transposed A, six row streams otherwise. Packing A cost about as
/// much as it saved: both workers of a 256³ product packed all of A (a sixth of the samples in
/// the WGAN-GP toy iteration's GEMMs); in place, 256³ products took 164 against 174 µs, and
/// 193 against 204–220 µs when each consumed the last one's output.</para>
/// </summary>
public static unsafe class GemmHost
{
    private const int MaxMR = 8; // rows of a micro-tile: 8 for the AVX-512 kernel, 6 for the others
    private const int KC = 256; // K block: a 256 × 32 Bp micro-panel is 32 KiB, L1-sized (Zen 4: 32 KiB; Zen 5: 48 KiB)
    private const int MC = 120; // M block: Ap is 120 × 256 × 4 = 120 KiB, well inside a 1 MiB L2
    private const int NC = 2048; // N block: Bp is at most 256 × 2048 × 4 = 2 MiB
    private const double ParallelFlops = 4e6; // below this one core finishes before a fork/join pays off

    /// <summary>The micro-kernel in use; tests force the narrower ones to check them on an AVX-512 machine.</summary>
    public static GemmIsa Isa { get; set; } = GemmIsa.Auto;

    private static GemmIsa Resolved => Isa != GemmIsa.Auto ? Isa
        : Vector512.IsHardwareAccelerated ? GemmIsa.Vector512
        : Vector256.IsHardwareAccelerated ? GemmIsa.Vector256 : GemmIsa.Scalar;

    /// <summary>
    /// Runs <paramref name="p"/> on pinned host memory. The caller has checked that every
    /// operand holds <see cref="GemmProblem.Extents"/> elements; <paramref name="bias"/> (N
    /// values) may be null. <paramref name="serial"/> keeps it on the calling thread (a caller
    /// that already runs one GEMM per core, such as the convolution's per-image products).
    /// </summary>
    public static void Run(GemmProblem p, float* a, float* b, float* c, float* bias, bool serial = false)
    {
        if (p.M == 0 || p.N == 0 || p.Batch == 0) return;
        if (GemmHostSkinny.Applies(p))
        {
            // a side of at most 4 (a first layer's inputs, a last layer's outputs): tiles of 8 × 32
            // would be mostly padding
            GemmHostSkinny.Run(p, a, b, c, bias, serial);
            return;
        }
        var isa = Resolved;
        int nr = isa == GemmIsa.Vector512 ? 32 : 16, mr = isa == GemmIsa.Vector512 ? 8 : 6;
        int workers = serial || p.Flops < ParallelFlops ? 1 : HostParallel.WorkerCount;
        var job = new Job(p, (nint)a, (nint)b, (nint)c, (nint)bias, isa, mr, nr);

        if (workers == 1)
        {
            for (int m = 0; m < p.Batch; m++) job.RunMatrix(m, 0, p.M, 0, p.N);
        }
        else if (p.Batch >= workers)
        {
            int m = p.M, n = p.N;
            HostParallel.Run(p.Batch, matrix => job.RunMatrix(matrix, 0, m, 0, n));
        }
        else
        {
            // Split each matrix into column ranges (whole NR panels), or row ranges (whole MR
            // panels) when C is too narrow to give every worker two panels. Workers get
            // ⌊panels/parts⌋ panels and the last ones one more, so the ragged final panel
            // lands on a worker that carries an extra one (100 × 400: 6 | 6.5 panels, not 7 | 5.5).
            int colPanels = (p.N + nr - 1) / nr, rowPanels = (p.M + mr - 1) / mr;
            bool byColumns = colPanels >= 2 * workers || colPanels >= rowPanels;
            int panels = byColumns ? colPanels : rowPanels, width = byColumns ? nr : mr;
            int parts = Math.Min(workers, panels), extent = byColumns ? p.N : p.M;
            int rowCount = p.M, colCount = p.N;
            for (int m = 0; m < p.Batch; m++)
            {
                int matrix = m;
                HostParallel.Run(parts, part =>
                {
                    int lo = PanelStart(part, panels, parts) * width, hi = Math.Min(extent, PanelStart(part + 1, panels, parts) * width);
                    if (lo >= hi) return;
                    if (byColumns) job.RunMatrix(matrix, 0, rowCount, lo, hi);
                    else job.RunMatrix(matrix, lo, hi, 0, colCount);
                });
            }
        }
    }

    private readonly struct Job(GemmProblem p, nint a, nint b, nint c, nint bias, GemmIsa isa, int mr, int nr)
    {
        /// <summary>C[m0..m1, n0..n1] of matrix <paramref name="matrix"/> of the batch.</summary>
        public void RunMatrix(int matrix, int m0, int m1, int n0, int n1)
        {
            float* A = (float*)a + matrix * p.StrideA;
            float* B = (float*)b + matrix * p.StrideB;
            float* C = (float*)c + matrix * p.StrideC;
            if (p.K == 0 || p.Alpha == 0f)
            {
                ScaleOnly(C, m0, m1, n0, n1); // BLAS semantics: A and B are not read
                return;
            }
            var buffers = PackBuffers.ForThisThread(MC * KC, KC * Math.Min(NC, RoundUp(n1 - n0, nr)));
            float* tile = stackalloc float[MaxMR * 32];
            for (int jc = n0; jc < n1; jc += NC)
            {
                int nc = Math.Min(NC, n1 - jc);
                // K in equal blocks of at most KC (784 = 4 × 196, not 3 × 256 + 16: a thin last
                // block would sweep all of C for little work).
                int blockK = (p.K + (p.K + KC - 1) / KC - 1) / ((p.K + KC - 1) / KC);
                for (int pc = 0; pc < p.K; pc += blockK)
                {
                    int kc = Math.Min(blockK, p.K - pc);
                    GemmHostPacking.PackB(p, B, pc, kc, jc, nc, buffers.B, nr);
                    float beta = pc == 0 ? p.Beta : 1f;
                    bool lastBlock = pc + kc >= p.K;
                    float* passBias = lastBlock && bias != 0 ? (float*)bias + jc : null;
                    for (int ic = m0; ic < m1; ic += MC)
                    {
                        int mc = Math.Min(MC, m1 - ic);
                        // the AVX-512 kernel reads A's whole 8-row panels in place; the rest are packed
                        int inPlace = isa == GemmIsa.Vector512 ? mc / mr * mr : 0;
                        if (inPlace < mc) GemmHostPacking.PackA(p, A, ic + inPlace, mc - inPlace, pc, kc, buffers.A, mr);
                        var source = new ASource(A + p.AIndex(ic, pc), p.TransA ? 1 : p.Lda, p.TransA ? p.Lda : 1, inPlace, buffers.A);
                        Block(kc, mc, nc, source, buffers.B, C + (long)ic * p.Ldc + jc, beta, passBias, tile, lastBlock && p.Relu);
                    }
                }
            }
        }

        /// <summary>Where a block's panels of op(A) are: its first InPlace rows read where they lie
        /// (op(A)[i, k] at First + i·Row + k·Step), the rest packed (Packed, panels of mr × kc).</summary>
        private readonly struct ASource(float* first, long row, long step, int inPlace, float* packed)
        {
            public readonly float* First = first, Packed = packed;
            public readonly long Row = row, Step = step;
            public readonly int InPlace = inPlace;
        }

        /// <summary>The two inner loops over one block of A and one packed B block.</summary>
        private void Block(int kc, int mc, int nc, in ASource a, float* bp, float* c, float beta, float* passBias, float* tile, bool relu)
        {
            for (int jr = 0; jr < nc; jr += nr)
            {
                int cols = Math.Min(nr, nc - jr);
                float* bPanel = bp + (long)jr * kc;
                float* biasPanel = passBias == null ? null : passBias + jr;
                for (int ir = 0; ir < mc; ir += mr)
                {
                    int rows = Math.Min(mr, mc - ir);
                    bool inPlace = ir < a.InPlace;
                    float* aPanel = inPlace ? a.First + ir * a.Row : a.Packed + (long)(ir - a.InPlace) * kc;
                    long aRow = inPlace ? a.Row : 1, aStep = inPlace ? a.Step : mr;
                    float* cTile = c + (long)ir * p.Ldc + jr;
                    if (rows == mr && cols == nr)
                    {
                        MicroKernel(kc, aPanel, aRow, aStep, bPanel, cTile, p.Ldc, p.Alpha, beta, biasPanel, relu);
                    }
                    else
                    {
                        // A ragged edge: compute the whole tile into scratch, then merge what exists.
                        MicroKernel(kc, aPanel, aRow, aStep, bPanel, tile, nr, 1f, 0f, null, relu: false);
                        MergeEdge(tile, cTile, rows, cols, beta, biasPanel);
                        if (relu) GemmRelu.Clamp(cTile, rows, cols, p.Ldc);
                    }
                }
            }
        }

        /// <summary>One full tile; with <paramref name="relu"/> clamped, by the AVX-512 kernel in its
        /// registers, by the others on the tile just stored (still in L1).</summary>
        private void MicroKernel(int kc, float* ap, long aRow, long aStep, float* bp, float* c, long ldc, float alpha, float beta, float* bias, bool relu)
        {
            switch (isa)
            {
                case GemmIsa.Vector512: GemmHostMicroKernels.Kernel8x32(kc, ap, aRow, aStep, bp, c, ldc, alpha, beta, bias, relu); return;
                case GemmIsa.Vector256: GemmHostMicroKernels.Kernel6x16(kc, ap, bp, c, ldc, alpha, beta, bias); break;
                default: GemmHostMicroKernels.KernelScalar(kc, ap, bp, c, ldc, alpha, beta, bias); break;
            }
            if (relu) GemmRelu.Clamp(c, mr, nr, ldc);
        }

        private void MergeEdge(float* tile, float* c, int rows, int cols, float beta, float* bias)
        {
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < cols; j++)
                {
                    float v = MathF.FusedMultiplyAdd(p.Alpha, tile[r * nr + j], bias == null ? 0f : bias[j]);
                    float* target = c + (long)r * p.Ldc + j;
                    *target = beta != 0f ? MathF.FusedMultiplyAdd(beta, *target, v) : v;
                }
        }

        /// <summary>C = β·C + bias, for K = 0 or α = 0.</summary>
        private void ScaleOnly(float* C, int m0, int m1, int n0, int n1)
        {
            for (int i = m0; i < m1; i++)
                for (int j = n0; j < n1; j++)
                {
                    float* target = C + (long)i * p.Ldc + j;
                    float v = bias == 0 ? 0f : ((float*)bias)[j];
                    *target = p.Beta != 0f ? MathF.FusedMultiplyAdd(p.Beta, *target, v) : v;
                }
            if (p.Relu)
                for (int i = m0; i < m1; i++) GemmRelu.Clamp(C + (long)i * p.Ldc + n0, 1, n1 - n0, p.Ldc);
        }
    }

    /// <summary>First panel of worker <paramref name="part"/>: the first parts get ⌊panels/parts⌋, the last (panels mod parts) one more.</summary>
    private static int PanelStart(int part, int panels, int parts)
    {
        int size = panels / parts, extra = panels % parts, plain = parts - extra;
        return part <= plain ? part * size : plain * size + (part - plain) * (size + 1);
    }

    private static int RoundUp(int n, int multiple) => (n + multiple - 1) / multiple * multiple;

    /// <summary>Each thread's packing buffers, 64-byte aligned, grown on demand and kept for the
    /// thread's life (a few MiB at most), so that a GEMM allocates nothing in steady state.</summary>
    private sealed class PackBuffers
    {
        [ThreadStatic] private static PackBuffers? _mine;
        private nuint _aCapacity, _bCapacity;
        public float* A { get; private set; }
        public float* B { get; private set; }

        public static PackBuffers ForThisThread(int aFloats, int bFloats)
        {
            var buffers = _mine ??= new PackBuffers();
            buffers.Ensure(aFloats, bFloats);
            return buffers;
        }

        private void Ensure(int aFloats, int bFloats)
        {
            if ((nuint)aFloats > _aCapacity)
            {
                NativeMemory.AlignedFree(A);
                A = (float*)NativeMemory.AlignedAlloc((nuint)aFloats * sizeof(float), 64);
                _aCapacity = (nuint)aFloats;
            }
            if ((nuint)bFloats > _bCapacity)
            {
                NativeMemory.AlignedFree(B);
                B = (float*)NativeMemory.AlignedAlloc((nuint)bFloats * sizeof(float), 64);
                _bCapacity = (nuint)bFloats;
            }
        }

        ~PackBuffers()
        {
            NativeMemory.AlignedFree(A);
            NativeMemory.AlignedFree(B);
        }
    }
}

/// <summary>The ReLU epilogue (<see cref="GemmProblem.Relu"/>) on a block of C just written, while the
/// block is still in cache: the ReLU kernel's own formula (<see cref="Elementwise.Relu"/>: NaN passes).</summary>
internal static unsafe class GemmRelu
{
    public static void Clamp(float* c, int rows, int cols, long ldc)
    {
        for (int r = 0; r < rows; r++)
        {
            float* row = c + r * ldc;
            int j = 0;
            for (; j <= cols - 16; j += 16) Apply(Vector512.Load(row + j)).Store(row + j);
            for (; j < cols; j++) row[j] = Apply(row[j]);
        }
    }

    public static Vector512<float> Apply(Vector512<float> v) => default(Elementwise.Relu).Apply(v);
    public static float Apply(float v) => default(Elementwise.Relu).Apply(v);
}
