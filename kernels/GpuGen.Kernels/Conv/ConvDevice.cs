using ILGPU;

namespace GpuGen.Kernels.Conv;

public struct Im2ColArgs
{
    public ArrayView<float> X, Cols;
    public ConvGeometry G;
    public float PadValue;

    /// <summary>Unused: ends the struct on an 8-byte boundary, which OpenCL needs (KernelArgsLayoutTests).</summary>
    public long Align8;
}

public struct Col2ImArgs
{
    public ArrayView<float> Cols, X;
    public ConvGeometry G;
}

/// <summary>[A, B, R] → [B, A, R], plus Bias[a] when HasBias (a convolution's per-channel bias, fused).</summary>
public struct SwapArgs
{
    public ArrayView<float> X, Y, Bias;
    public int A, B, R, HasBias;
}

/// <summary>
/// The device kernels of the convolution family. Thread → data: one thread per element of the
/// output (a cols entry, an image pixel, a swapped element). Col2Im gathers: each image pixel
/// sums, in (i, j) order, the cols entries whose window covers it, so there are no atomics
/// and the result is deterministic.
/// </summary>
public static class ConvDevice
{
    public static void Im2Col(Index1D e, Im2ColArgs a)
    {
        var g = a.G;
        int column = e % g.Columns, row = e / g.Columns;
        int j = row % g.KW, i = row / g.KW % g.KH, c = row / (g.KW * g.KH);
        int ow = column % g.OW, oh = column / g.OW % g.OH, n = column / (g.OW * g.OH);
        int h = oh * g.SH - g.PH + i * g.DH, w = ow * g.SW - g.PW + j * g.DW;
        a.Cols[e] = h >= 0 && h < g.H && w >= 0 && w < g.W ? a.X[((n * g.C + c) * g.H + h) * g.W + w] : a.PadValue;
    }

    public static void Col2Im(Index1D e, Col2ImArgs a)
    {
        var g = a.G;
        int w = e % g.W, h = e / g.W % g.H, c = e / (g.W * g.H) % g.C, n = e / (g.W * g.H * g.C);
        float sum = 0f;
        for (int i = 0; i < g.KH; i++)
        {
            int ph = h + g.PH - i * g.DH; // = oh·SH when this window row covers h
            if (ph < 0 || ph % g.SH != 0 || ph / g.SH >= g.OH) continue;
            int oh = ph / g.SH;
            for (int j = 0; j < g.KW; j++)
            {
                int pw = w + g.PW - j * g.DW;
                if (pw < 0 || pw % g.SW != 0 || pw / g.SW >= g.OW) continue;
                int row = (c * g.KH + i) * g.KW + j, column = (n * g.OH + oh) * g.OW + pw / g.SW;
                sum += a.Cols[(long)row * g.Columns + column];
            }
        }
        a.X[e] = sum;
    }

    public static void SwapAxes01(Index1D e, SwapArgs a)
    {
        int r = e % a.R, rest = e / a.R;
        int aIndex = rest % a.A, b = rest / a.A; // e indexes the output [B, A, R]
        float v = a.X[((long)aIndex * a.B + b) * a.R + r];
        a.Y[e] = a.HasBias != 0 ? v + a.Bias[aIndex] : v;
    }
}
