using GpuGen.Kernels.Elementwise;
using GpuGen.Kernels.Host;

namespace GpuGen.Kernels.Conv;

/// <summary>
/// Host forms of <see cref="ConvDevice"/>'s kernels, organised for contiguous memory: Im2Col
/// fills each cols row a window row at a time (a straight copy when the stride is 1), Col2Im
/// gives each (n, c) plane to one worker, which adds the cols rows of every window offset into
/// it in (i, j) order (the device kernel's order: the same sums, no races), and SwapAxes01
/// copies rows of R.
/// </summary>
public static class ConvHost
{
    public static unsafe void Im2Col(ArraySegment<float> x, ArraySegment<float> cols, ConvGeometry g, float padValue) =>
        HostParallel.For(g.Rows, (x, cols, g, padValue), static (start, count, s) =>
        {
            if (count == 0 || s.x.Count == 0 || s.cols.Count == 0) return;
            fixed (float* xBase = &s.x.Array![s.x.Offset], colsBase = &s.cols.Array![s.cols.Offset])
                Im2ColRows(xBase, colsBase, s.g, s.padValue, start, count);
        }, elementsPerItem: g.Columns);

    /// <summary>Rows [start, start + count) of the im2col matrix of x, on the calling thread.</summary>
    public static unsafe void Im2ColRows(float* xBase, float* colsBase, in ConvGeometry g, float padValue, int start, int count)
    {
        for (int row = start; row < start + count; row++)
        {
            int j = row % g.KW, i = row / g.KW % g.KH, c = row / (g.KW * g.KH);
            // ow range whose w = ow·SW + offset lands inside [0, W); outside it, the pad value
            int offset = j * g.DW - g.PW;
            int first = offset >= 0 ? 0 : Math.Min(g.OW, (-offset + g.SW - 1) / g.SW);
            int last = g.W - 1 - offset < 0 ? 0 : Math.Min(g.OW, (g.W - 1 - offset) / g.SW + 1);
            if (first > last) first = last;
            float* line = colsBase + (long)row * g.Columns;
            for (int n = 0; n < g.N; n++)
            {
                float* plane = xBase + (long)(n * g.C + c) * g.H * g.W;
                for (int oh = 0; oh < g.OH; oh++, line += g.OW)
                {
                    int h = oh * g.SH - g.PH + i * g.DH;
                    if (h < 0 || h >= g.H)
                    {
                        for (int ow = 0; ow < g.OW; ow++) line[ow] = padValue;
                        continue;
                    }
                    float* source = plane + h * g.W + offset;
                    for (int ow = 0; ow < first; ow++) line[ow] = padValue;
                    if (g.SW == 1) Buffer.MemoryCopy(source + first, line + first, (last - first) * 4L, (last - first) * 4L);
                    else for (int ow = first; ow < last; ow++) line[ow] = source[ow * g.SW];
                    for (int ow = last; ow < g.OW; ow++) line[ow] = padValue;
                }
            }
        }
    }

    public static unsafe void Col2Im(ArraySegment<float> cols, ArraySegment<float> x, ConvGeometry g) =>
        HostParallel.For(g.N * g.C, (cols, x, g), static (start, count, s) =>
        {
            if (count == 0 || s.x.Count == 0 || s.cols.Count == 0) return;
            fixed (float* colsBase = &s.cols.Array![s.cols.Offset], xBase = &s.x.Array![s.x.Offset])
                Col2ImPlanes(colsBase, xBase, s.g, start, count);
        }, elementsPerItem: g.H * g.W * g.KH * g.KW);

    /// <summary>Image planes (n, c) = [start, start + count) of Col2Im, on the calling thread: each
    /// plane cleared, then the cols rows of every window offset added in (i, j) order.</summary>
    public static unsafe void Col2ImPlanes(float* colsBase, float* xBase, in ConvGeometry g, int start, int count)
    {
        for (int plane = start; plane < start + count; plane++)
        {
            int c = plane % g.C, n = plane / g.C;
            float* image = xBase + (long)plane * g.H * g.W;
            new Span<float>(image, g.H * g.W).Clear();
            for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++)
                {
                    float* source = colsBase + (long)((c * g.KH + i) * g.KW + j) * g.Columns + n * g.OH * g.OW;
                    int offset = j * g.DW - g.PW;
                    int first = offset >= 0 ? 0 : Math.Min(g.OW, (-offset + g.SW - 1) / g.SW);
                    int last = g.W - 1 - offset < 0 ? 0 : Math.Min(g.OW, (g.W - 1 - offset) / g.SW + 1);
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        int h = oh * g.SH - g.PH + i * g.DH;
                        if (h < 0 || h >= g.H) continue;
                        float* line = image + h * g.W + offset;
                        float* values = source + oh * g.OW;
                        if (g.SW == 1) for (int ow = first; ow < last; ow++) line[ow] += values[ow];
                        else for (int ow = first; ow < last; ow++) line[ow * g.SW] += values[ow];
                    }
                }
        }
    }

    /// <summary>[A, B, R] → [B, A, R], adding bias[a] to every element of row a when a bias is given (a
    /// convolution's per-channel bias, fused into the pass that reorders its output).</summary>
    public static void SwapAxes01(ArraySegment<float> x, ArraySegment<float> y, ArraySegment<float> bias, bool hasBias, int a, int b, int r) =>
        HostParallel.For(b, (x, y, bias, hasBias, a, b, r), static (start, count, s) =>
        {
            for (int bi = start; bi < start + count; bi++)
                for (int ai = 0; ai < s.a; ai++)
                {
                    var source = s.x.AsSpan((ai * s.b + bi) * s.r, s.r);
                    var target = s.y.AsSpan((bi * s.a + ai) * s.r, s.r);
                    if (s.hasBias) ElementwiseHost.UnarySpan(new WithScalar<Add>(new Add(), s.bias[ai], scalarFirst: false), source, target);
                    else source.CopyTo(target);
                }
        }, elementsPerItem: (long)a * r);
}
