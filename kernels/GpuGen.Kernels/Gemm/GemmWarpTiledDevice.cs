using ILGPU;
using ILGPU.Util;

namespace GpuGen.Kernels.Gemm;

/// <summary>
/// The device GEMM for large products on a GPU: 128 × 128 tiles of C per group of 256 threads, 8 × 8 outputs
/// per thread, warp tiling, float4 fragments from shared memory and a double-buffered k loop. The same problem
/// as <see cref="GemmDevice.Tiled"/> (<see cref="GemmProblem"/>, the same <see cref="GemmArgs"/>, a K range per
/// split from <see cref="GemmSplit"/>), for products big enough to fill the device with 128 × 128 tiles.
///
/// Thread → data. Warp w (8 of them) owns a 32 × 64 block of the tile: rows 32·(w ≫ 1), columns 64·(w &amp; 1).
/// Lane l owns 2 × 2 sub-blocks of 4 × 4 inside it: rows 4·(l ≫ 3) + {0, 16} + i, columns 4·(l &amp; 7) + {0, 32} + j.
/// Per k a thread reads two float4 of A (a warp reads 4 distinct addresses, broadcast) and two float4 of B (8
/// distinct, 32 consecutive floats: every bank once) and does 64 FMAs: 16 FMAs per shared load, where the 4 × 4
/// kernel does 2. Reading a thread's columns as two float4 32 apart (not 8 consecutive) keeps a warp's B reads
/// one 128-byte row, conflict-free.
///
/// Shared memory: two stages (double buffering) of op(A) and op(B) slices TileK deep, k-major, each k-row
/// <see cref="RowStride"/> = 132 floats apart: a multiple of 4 (float4 reads stay 16-byte aligned) and 4 mod 32
/// banks, so the transposing stores (row-major A, Bᵀ: four k of one row per thread) fall on distinct banks.
/// While the group computes on one stage, each thread's loads of the next slice (one float4 of A and one of B,
/// or four scalars each where a layout is not aligned) are in flight in registers; they are stored into the other
/// stage after the compute, and one barrier per slice separates the stages' readers from their next writers.
/// Works for any M, N, K (zero outside the matrix), any transposes and alignment, batches and split K.
/// </summary>
public static class GemmWarpTiledDevice
{
    public const int TileM = 128, TileN = 128, TileK = 8, Threads = 256;

    /// <summary>Floats between two k-rows of a staged slice (see the class comment).</summary>
    public const int RowStride = TileM + 4;

    private const int SliceFloats = TileK * RowStride; // one operand's slice
    private const int StageFloats = 2 * SliceFloats; // A's slice, then B's
    public const int SharedFloats = 2 * StageFloats; // two stages: 16.5 KiB

    public static void Tiled(GemmArgs g)
    {
        int tid = Group.IdxX;
        int row0 = Grid.IdxY * TileM, col0 = Grid.IdxX * TileN;
        var range = GemmSplit.Of(g);
        long offA = range.Batch * g.StrideA, offB = range.Batch * g.StrideB, offC = Grid.IdxZ * g.StrideC;

        // Floats, read as float4 through a cast view: ILGPU still aligns the block to 16 bytes (the PTX test checks
        // it). Allocated as Float4 and stored to through a float view instead, rusticl 22.3 read back zeros.
        var shared = SharedMemory.Allocate<float>(SharedFloats);
        var shared4 = shared.Cast<Float4>();

        int warp = tid >> 5, lane = tid & 31;
        int tm = (warp >> 1) * 32 + (lane >> 3) * 4; // the thread's first row in the tile (the second block: +16)
        int tn = (warp & 1) * 64 + (lane & 7) * 4; // its first column (the second block: +32)

        var c00 = default(Tile4x4); // rows tm.., columns tn..
        var c01 = default(Tile4x4); // rows tm.., columns tn + 32..
        var c10 = default(Tile4x4); // rows tm + 16.., columns tn..
        var c11 = default(Tile4x4); // rows tm + 16.., columns tn + 32..

        int k0 = range.KBegin;
        var nextA = LoadA(g, tid, offA, row0, k0, range.KEnd);
        var nextB = LoadB(g, tid, offB, col0, k0, range.KEnd);
        StoreA(g, shared, shared4, 0, tid, nextA);
        StoreB(g, shared, shared4, SliceFloats, tid, nextB);
        Group.Barrier();

        int stage = 0;
        for (; k0 < range.KEnd; k0 += TileK)
        {
            bool more = k0 + TileK < range.KEnd;
            if (more) // issue the next slice's global loads before computing on this one
            {
                nextA = LoadA(g, tid, offA, row0, k0 + TileK, range.KEnd);
                nextB = LoadB(g, tid, offB, col0, k0 + TileK, range.KEnd);
            }

            int a4 = (stage + tm) / 4, b4 = (stage + SliceFloats + tn) / 4; // float4 indices of the fragments at k = 0
            for (int k = 0; k < TileK; k++)
            {
                var a0 = shared4[a4]; var a1 = shared4[a4 + 4]; // rows tm.., tm + 16..
                var b0 = shared4[b4]; var b1 = shared4[b4 + 8]; // columns tn.., tn + 32..
                c00 = Tile4x4.Fma(c00, a0, b0);
                c01 = Tile4x4.Fma(c01, a0, b1);
                c10 = Tile4x4.Fma(c10, a1, b0);
                c11 = Tile4x4.Fma(c11, a1, b1);
                a4 += RowStride / 4;
                b4 += RowStride / 4;
            }

            stage = StageFloats - stage;
            if (more)
            {
                StoreA(g, shared, shared4, stage, tid, nextA);
                StoreB(g, shared, shared4, stage + SliceFloats, tid, nextB);
            }
            Group.Barrier(); // this stage's readers are done before the next iteration overwrites it
        }

        int r = row0 + tm, c = col0 + tn;
        StoreTile(g, offC, r, c, c00);
        StoreTile(g, offC, r, c + 32, c01);
        StoreTile(g, offC, r + 16, c, c10);
        StoreTile(g, offC, r + 16, c + 32, c11);
    }

    /// <summary>
    /// This thread's share of op(A)'s slice [row0, row0 + 128) × [k0, k0 + 8): one float4 along A's contiguous
    /// axis where aligned (row-major: rows tid ≫ 1, k 4·(tid &amp; 1); transposed: k tid ≫ 5, rows 4·(tid &amp; 31)),
    /// else the four scalars tid + 256·i in the order of the contiguous axis. Zero outside the matrix or K range.
    /// </summary>
    private static Float4 LoadA(in GemmArgs g, int tid, long offA, int row0, int k0, int kEnd)
    {
        if (g.VectorA != 0)
        {
            var a4 = g.A.Cast<Float4>();
            int r = g.TransA == 0 ? row0 + (tid >> 1) : row0 + (tid & 31) * 4;
            int k = g.TransA == 0 ? k0 + (tid & 1) * 4 : k0 + (tid >> 5);
            if (r >= g.M || k >= kEnd) return default; // a quad lies wholly inside or outside (its axis is a multiple of 4)
            return a4[(offA + (g.TransA == 0 ? (long)r * g.Lda + k : (long)k * g.Lda + r)) / 4];
        }
        return new Float4(
            AElement(g, tid, offA, row0, k0, kEnd), AElement(g, tid + Threads, offA, row0, k0, kEnd),
            AElement(g, tid + 2 * Threads, offA, row0, k0, kEnd), AElement(g, tid + 3 * Threads, offA, row0, k0, kEnd));
    }

    private static float AElement(in GemmArgs g, int e, long offA, int row0, int k0, int kEnd)
    {
        int r = row0 + (g.TransA != 0 ? e % TileM : e / TileK);
        int k = k0 + (g.TransA != 0 ? e / TileM : e % TileK);
        if (r >= g.M || k >= kEnd) return 0f;
        return g.A[offA + (g.TransA != 0 ? (long)k * g.Lda + r : (long)r * g.Lda + k)];
    }

    /// <summary>Stores what <see cref="LoadA"/> loaded at its place in the k-major slice starting at float <paramref name="at"/>.</summary>
    private static void StoreA(in GemmArgs g, ArrayView<float> s, ArrayView<Float4> s4, int at, int tid, Float4 v)
    {
        if (g.VectorA != 0)
        {
            if (g.TransA != 0)
            {
                s4[(at + (tid >> 5) * RowStride + (tid & 31) * 4) / 4] = v; // already along the rows
                return;
            }
            StoreAlongK(s, at + (tid & 1) * 4 * RowStride + (tid >> 1), v);
            return;
        }
        for (int i = 0; i < 4; i++)
        {
            int e = tid + i * Threads;
            int r = g.TransA != 0 ? e % TileM : e / TileK, k = g.TransA != 0 ? e / TileM : e % TileK;
            s[at + k * RowStride + r] = Component(v, i);
        }
    }

    /// <summary>op(B)'s slice [k0, k0 + 8) × [col0, col0 + 128), as <see cref="LoadA"/>: row-major B is contiguous
    /// along the columns (k tid ≫ 5, columns 4·(tid &amp; 31)), Bᵀ along k (columns tid ≫ 1, k 4·(tid &amp; 1)).</summary>
    private static Float4 LoadB(in GemmArgs g, int tid, long offB, int col0, int k0, int kEnd)
    {
        if (g.VectorB != 0)
        {
            var b4 = g.B.Cast<Float4>();
            int c = g.TransB == 0 ? col0 + (tid & 31) * 4 : col0 + (tid >> 1);
            int k = g.TransB == 0 ? k0 + (tid >> 5) : k0 + (tid & 1) * 4;
            if (c >= g.N || k >= kEnd) return default;
            return b4[(offB + (g.TransB == 0 ? (long)k * g.Ldb + c : (long)c * g.Ldb + k)) / 4];
        }
        return new Float4(
            BElement(g, tid, offB, col0, k0, kEnd), BElement(g, tid + Threads, offB, col0, k0, kEnd),
            BElement(g, tid + 2 * Threads, offB, col0, k0, kEnd), BElement(g, tid + 3 * Threads, offB, col0, k0, kEnd));
    }

    private static float BElement(in GemmArgs g, int e, long offB, int col0, int k0, int kEnd)
    {
        int c = col0 + (g.TransB != 0 ? e / TileK : e % TileN);
        int k = k0 + (g.TransB != 0 ? e % TileK : e / TileN);
        if (c >= g.N || k >= kEnd) return 0f;
        return g.B[offB + (g.TransB != 0 ? (long)c * g.Ldb + k : (long)k * g.Ldb + c)];
    }

    private static void StoreB(in GemmArgs g, ArrayView<float> s, ArrayView<Float4> s4, int at, int tid, Float4 v)
    {
        if (g.VectorB != 0)
        {
            if (g.TransB == 0)
            {
                s4[(at + (tid >> 5) * RowStride + (tid & 31) * 4) / 4] = v;
                return;
            }
            StoreAlongK(s, at + (tid & 1) * 4 * RowStride + (tid >> 1), v);
            return;
        }
        for (int i = 0; i < 4; i++)
        {
            int e = tid + i * Threads;
            int c = g.TransB != 0 ? e / TileK : e % TileN, k = g.TransB != 0 ? e % TileK : e / TileN;
            s[at + k * RowStride + c] = Component(v, i);
        }
    }

    /// <summary>Four consecutive k of one row or column into the k-major slice: one float per k-row.</summary>
    private static void StoreAlongK(ArrayView<float> s, int at, Float4 v)
    {
        s[at] = v.X;
        s[at + RowStride] = v.Y;
        s[at + 2 * RowStride] = v.Z;
        s[at + 3 * RowStride] = v.W;
    }

    private static float Component(Float4 v, int i) => i == 0 ? v.X : i == 1 ? v.Y : i == 2 ? v.Z : v.W;

    private static void StoreTile(in GemmArgs g, long offC, int row, int col, Tile4x4 t)
    {
        StoreRow(g, offC, row, col, t.R0);
        StoreRow(g, offC, row + 1, col, t.R1);
        StoreRow(g, offC, row + 2, col, t.R2);
        StoreRow(g, offC, row + 3, col, t.R3);
    }

    private static void StoreRow(in GemmArgs g, long offC, int row, int col, Float4 v)
    {
        if (row >= g.M) return;
        GemmDevice.StoreOne(g, offC, row, col, v.X);
        GemmDevice.StoreOne(g, offC, row, col + 1, v.Y);
        GemmDevice.StoreOne(g, offC, row, col + 2, v.Z);
        GemmDevice.StoreOne(g, offC, row, col + 3, v.W);
    }
}

/// <summary>A thread's 4 × 4 block of accumulators, a row per float4.</summary>
public struct Tile4x4
{
    public Float4 R0, R1, R2, R3;

    /// <summary>t + a·bᵀ: row i gains a[i]·b (16 FMAs). By value, so that ILGPU keeps the tile in registers.</summary>
    public static Tile4x4 Fma(Tile4x4 t, Float4 a, Float4 b) => new()
    {
        R0 = Row(t.R0, a.X, b),
        R1 = Row(t.R1, a.Y, b),
        R2 = Row(t.R2, a.Z, b),
        R3 = Row(t.R3, a.W, b),
    };

    private static Float4 Row(Float4 r, float a, Float4 b) => new(r.X + a * b.X, r.Y + a * b.Y, r.Z + a * b.Z, r.W + a * b.W);
}
