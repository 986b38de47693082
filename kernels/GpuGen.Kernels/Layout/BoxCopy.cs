using ILGPU;

namespace GpuGen.Kernels.Layout;

/// <summary>
/// A box of up to <see cref="MaxRank"/> dimensions copied between two row-major tensors with
/// strides of their own: Y[YBase + Σ c_k·YStride_k] = X[XBase + Σ c_k·XStride_k] for every
/// coordinate c of the box. One kernel serves every layout op: a permutation (X's strides
/// permuted), a slice along any axis (X's base moved), placing a part into a larger tensor (Y's
/// base moved: concatenation and the slice's backward). Unused dimensions have size 1.
/// </summary>
public struct BoxCopy
{
    public const int MaxRank = 6;

    public int S0, S1, S2, S3, S4, S5;       // the box's sizes, outermost first
    public int X0, X1, X2, X3, X4, X5;       // X's strides (elements)
    public int Y0, Y1, Y2, Y3, Y4, Y5;       // Y's strides (elements)
    public int XBase, YBase;

    /// <summary>The box with its sizes and both tensors' strides, padded on the left with size-1 dimensions.</summary>
    public static BoxCopy Of(ReadOnlySpan<int> sizes, ReadOnlySpan<int> xStrides, ReadOnlySpan<int> yStrides, int xBase, int yBase)
    {
        if (sizes.Length > MaxRank || xStrides.Length != sizes.Length || yStrides.Length != sizes.Length)
            throw new ArgumentException($"box copy: at most {MaxRank} dimensions with a stride each, got {sizes.Length}");
        Span<int> s = stackalloc int[MaxRank], x = stackalloc int[MaxRank], y = stackalloc int[MaxRank];
        s.Fill(1);
        x.Clear();
        y.Clear();
        int pad = MaxRank - sizes.Length;
        sizes.CopyTo(s[pad..]);
        xStrides.CopyTo(x[pad..]);
        yStrides.CopyTo(y[pad..]);
        return new BoxCopy
        {
            S0 = s[0], S1 = s[1], S2 = s[2], S3 = s[3], S4 = s[4], S5 = s[5],
            X0 = x[0], X1 = x[1], X2 = x[2], X3 = x[3], X4 = x[4], X5 = x[5],
            Y0 = y[0], Y1 = y[1], Y2 = y[2], Y3 = y[3], Y4 = y[4], Y5 = y[5],
            XBase = xBase, YBase = yBase,
        };
    }

    public readonly int Count => S0 * S1 * S2 * S3 * S4 * S5;

    /// <summary>The (X, Y) offsets of box element e (row-major over the box).</summary>
    public readonly (int X, int Y) Offsets(int e)
    {
        int c5 = e % S5; e /= S5;
        int c4 = e % S4; e /= S4;
        int c3 = e % S3; e /= S3;
        int c2 = e % S2; e /= S2;
        int c1 = e % S1;
        int c0 = e / S1;
        return (XBase + c0 * X0 + c1 * X1 + c2 * X2 + c3 * X3 + c4 * X4 + c5 * X5,
                YBase + c0 * Y0 + c1 * Y1 + c2 * Y2 + c3 * Y3 + c4 * Y4 + c5 * Y5);
    }
}

public struct BoxCopyArgs
{
    public ArrayView<float> X, Y;
    public BoxCopy Box;
}

/// <summary>The device form: thread e copies box element e (consecutive threads walk the box's
/// last dimension, so reads and writes coalesce where that dimension is contiguous).</summary>
public static class LayoutDevice
{
    public static void Copy(Index1D e, BoxCopyArgs a)
    {
        var (x, y) = a.Box.Offsets(e);
        a.Y[y] = a.X[x];
    }
}

/// <summary>The host form: rows of the box's last dimension split across workers; a row whose
/// both strides are 1 is one span copy, any other an element loop.</summary>
public static class LayoutHost
{
    public static void Copy(ArraySegment<float> x, ArraySegment<float> y, BoxCopy box)
    {
        int rows = box.Count / Math.Max(box.S5, 1);
        if (box.Count == 0) return;
        Host.HostParallel.For(rows, (x, y, box), static (start, count, s) =>
        {
            var (x, y, box) = s;
            for (int row = start; row < start + count; row++)
            {
                var (xo, yo) = box.Offsets(row * box.S5);
                if (box.X5 == 1 && box.Y5 == 1)
                    x.AsSpan(xo, box.S5).CopyTo(y.AsSpan(yo, box.S5));
                else
                    for (int k = 0; k < box.S5; k++) y[yo + k * box.Y5] = x[xo + k * box.X5];
            }
        }, elementsPerItem: box.S5);
    }
}
