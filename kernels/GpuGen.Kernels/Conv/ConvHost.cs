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

    /// <summary>Rows [start, start + count) of the im2col matrix of x, on the calling thread. The
    /// geometry is read into locals once: through the <c>in</c> reference the JIT must reload it
    /// after every store to the (possibly aliasing) output.</summary>
    public static unsafe void Im2ColRows(float* xBase, float* colsBase, in ConvGeometry g, float padValue, int start, int count)
    {
        int images = g.N, channels = g.C, height = g.H, width = g.W, kw = g.KW, kh = g.KH;
        int sh = g.SH, sw = g.SW, ph = g.PH, pw = g.PW, dh = g.DH, dw = g.DW, oh0 = g.OH, ow0 = g.OW;
        long columns = g.Columns;
        for (int row = start; row < start + count; row++)
        {
            int j = row % kw, i = row / kw % kh, c = row / (kw * kh);
            // ow range whose w = ow·SW + offset lands inside [0, W); outside it, the pad value
            int offset = j * dw - pw;
            int first = offset >= 0 ? 0 : Math.Min(ow0, (-offset + sw - 1) / sw);
            int last = width - 1 - offset < 0 ? 0 : Math.Min(ow0, (width - 1 - offset) / sw + 1);
            if (first > last) first = last;
            float* line = colsBase + row * columns;
            for (int n = 0; n < images; n++)
            {
                float* plane = xBase + (long)(n * channels + c) * height * width;
                for (int oh = 0; oh < oh0; oh++, line += ow0)
                {
                    int h = oh * sh - ph + i * dh;
                    if (h < 0 || h >= height)
                    {
                        for (int ow = 0; ow < ow0; ow++) line[ow] = padValue;
                        continue;
                    }
                    float* source = plane + h * width + offset;
                    for (int ow = 0; ow < first; ow++) line[ow] = padValue;
                    if (sw == 1) for (int ow = first; ow < last; ow++) line[ow] = source[ow];
                    else for (int ow = first; ow < last; ow++) line[ow] = source[ow * sw];
                    for (int ow = last; ow < ow0; ow++) line[ow] = padValue;
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
        int channels = g.C, height = g.H, width = g.W, kw = g.KW, kh = g.KH;
        int sh = g.SH, sw = g.SW, ph = g.PH, pw = g.PW, dh = g.DH, dw = g.DW, oh0 = g.OH, ow0 = g.OW;
        long columns = g.Columns;
        for (int plane = start; plane < start + count; plane++)
        {
            int c = plane % channels, n = plane / channels;
            float* image = xBase + (long)plane * height * width;
            new Span<float>(image, height * width).Clear();
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                {
                    float* source = colsBase + ((c * kh + i) * kw + j) * columns + (long)n * oh0 * ow0;
                    int offset = j * dw - pw;
                    int first = offset >= 0 ? 0 : Math.Min(ow0, (-offset + sw - 1) / sw);
                    int last = width - 1 - offset < 0 ? 0 : Math.Min(ow0, (width - 1 - offset) / sw + 1);
                    for (int oh = 0; oh < oh0; oh++)
                    {
                        int h = oh * sh - ph + i * dh;
                        if (h < 0 || h >= height) continue;
                        float* line = image + h * width + offset;
                        float* values = source + oh * ow0;
                        if (sw == 1) for (int ow = first; ow < last; ow++) line[ow] += values[ow];
                        else for (int ow = first; ow < last; ow++) line[ow * sw] += values[ow];
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
