using ILGPU;

namespace GpuGen.Kernels.Layout;

/// <summary>
/// Rows by index and their adjoints. Indices are floats holding whole numbers (as labels are),
/// checked by the op before any launch. X is [rows of X, Width], Y [count, Width].
/// </summary>
public struct IndexRowsArgs
{
    public ArrayView<float> X, Indices, Y;
    public int Width, Count;
}

/// <summary>Per row b of X [B, C]: the element at column index[b], or its adjoint.</summary>
public struct GatherColumnArgs
{
    public ArrayView<float> X, Indices, Y;
    public int Columns;

    /// <summary>Unused: ends the struct on an 8-byte boundary, which OpenCL needs (KernelArgsLayoutTests).</summary>
    public long Align8;
}

public static class IndexDevice
{
    /// <summary>IndexSelect: thread e → Y[i, k] = X[index[i], k] (i = e / Width).</summary>
    public static void SelectRows(Index1D e, IndexRowsArgs a)
    {
        int i = e / a.Width, k = e % a.Width;
        a.Y[e] = a.X[(int)a.Indices[i] * a.Width + k];
    }

    /// <summary>IndexAdd, the adjoint of SelectRows: thread e → (r, k) of the output (X here is the
    /// gradient [Count, Width], Y the result [rows, Width]): Σ_i [index[i] = r]·X[i, k], summed in
    /// the order of i, so the result is the same on every run (no atomics).</summary>
    public static void AddRows(Index1D e, IndexRowsArgs a)
    {
        int r = e / a.Width, k = e % a.Width;
        float sum = 0f;
        for (int i = 0; i < a.Count; i++)
            if ((int)a.Indices[i] == r) sum += a.X[i * a.Width + k];
        a.Y[e] = sum;
    }

    /// <summary>Gather along the last axis: thread b → Y[b] = X[b, index[b]].</summary>
    public static void GatherColumn(Index1D b, GatherColumnArgs a) => a.Y[b] = a.X[b * a.Columns + (int)a.Indices[b]];

    /// <summary>Its adjoint: thread e → (b, c): Y[b, c] = X[b] where c = index[b], else 0.</summary>
    public static void ScatterColumn(Index1D e, GatherColumnArgs a)
    {
        int b = e / a.Columns, c = e % a.Columns;
        a.Y[e] = (int)a.Indices[b] == c ? a.X[b] : 0f;
    }
}

/// <summary>The host forms, with the same arithmetic order as the device kernels.</summary>
public static class IndexHost
{
    public static void SelectRows(ArraySegment<float> x, ArraySegment<float> indices, ArraySegment<float> y, int width)
    {
        for (int i = 0; i < indices.Count; i++)
            x.AsSpan((int)indices[i] * width, width).CopyTo(y.AsSpan(i * width, width));
    }

    public static void AddRows(ArraySegment<float> g, ArraySegment<float> indices, ArraySegment<float> y, int width)
    {
        y.AsSpan().Clear();
        for (int i = 0; i < indices.Count; i++)
        {
            var target = y.AsSpan((int)indices[i] * width, width);
            var source = g.AsSpan(i * width, width);
            for (int k = 0; k < width; k++) target[k] += source[k]; // i in order, as the device kernel
        }
    }

    public static void GatherColumn(ArraySegment<float> x, ArraySegment<float> indices, ArraySegment<float> y, int columns)
    {
        for (int b = 0; b < indices.Count; b++) y[b] = x[b * columns + (int)indices[b]];
    }

    public static void ScatterColumn(ArraySegment<float> g, ArraySegment<float> indices, ArraySegment<float> y, int columns)
    {
        y.AsSpan().Clear();
        for (int b = 0; b < indices.Count; b++) y[b * columns + (int)indices[b]] = g[b];
    }
}
