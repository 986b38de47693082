namespace GpuGen.Tests.Conv;

/// <summary>Double-precision references for the convolution family, written as the definitions' loops.</summary>
public static class ConvReference
{
    /// <summary>y[n, o, oh, ow] = b[o] + Σ_{c in o's group, i, j} x[n, c, oh·s − p + i·d, ow·s − p + j·d]·w[o, c − group start, i, j].</summary>
    public static double[] Conv2d(float[] x, int[] xs, float[] w, int[] ws, float[]? bias, int s, int p, int d, int groups, out int[] ys)
    {
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3], o = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
        int oh = (h + 2 * p - d * (kh - 1) - 1) / s + 1, ow = (wd + 2 * p - d * (kw - 1) - 1) / s + 1;
        ys = [n, o, oh, ow];
        var y = new double[n * o * oh * ow];
        int og = o / groups;
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int r = 0; r < oh; r++)
                    for (int q = 0; q < ow; q++)
                    {
                        double sum = bias?[oc] ?? 0;
                        int g = oc / og;
                        for (int ci = 0; ci < cg; ci++)
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++)
                                {
                                    int hh = r * s - p + i * d, ww = q * s - p + j * d;
                                    if (hh < 0 || hh >= h || ww < 0 || ww >= wd) continue;
                                    sum += (double)x[((b * c + g * cg + ci) * h + hh) * wd + ww] * w[((oc * cg + ci) * kh + i) * kw + j];
                                }
                        y[((b * o + oc) * oh + r) * ow + q] = sum;
                    }
        return y;
    }

    /// <summary>The transposed convolution by its scatter definition: each input pixel adds x·w into the output window it maps to.</summary>
    public static double[] ConvTranspose2d(float[] x, int[] xs, float[] w, int[] ws, int s, int p, int outputPadding, int d, int groups, out int[] ys)
    {
        int n = xs[0], cin = xs[1], h = xs[2], wd = xs[3], cg = ws[1], kh = ws[2], kw = ws[3];
        int cout = cg * groups, ing = cin / groups;
        int oh = (h - 1) * s - 2 * p + d * (kh - 1) + outputPadding + 1, ow = (wd - 1) * s - 2 * p + d * (kw - 1) + outputPadding + 1;
        ys = [n, cout, oh, ow];
        var y = new double[n * cout * oh * ow];
        for (int b = 0; b < n; b++)
            for (int ic = 0; ic < cin; ic++)
                for (int r = 0; r < h; r++)
                    for (int q = 0; q < wd; q++)
                    {
                        int g = ic / ing;
                        for (int oc = 0; oc < cg; oc++)
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++)
                                {
                                    int hh = r * s - p + i * d, ww = q * s - p + j * d;
                                    if (hh < 0 || hh >= oh || ww < 0 || ww >= ow) continue;
                                    y[((b * cout + g * cg + oc) * oh + hh) * ow + ww] +=
                                        (double)x[((b * cin + ic) * h + r) * wd + q] * w[((ic * cg + oc) * kh + i) * kw + j];
                                }
                    }
        return y;
    }

    /// <summary>Max (or mean, padding counted as 0) over each k × k window.</summary>
    public static double[] Pool(float[] x, int[] xs, int k, int s, int p, bool max, out int[] ys)
    {
        int n = xs[0], c = xs[1], h = xs[2], w = xs[3];
        int oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
        ys = [n, c, oh, ow];
        var y = new double[n * c * oh * ow];
        for (int b = 0; b < n * c; b++)
            for (int r = 0; r < oh; r++)
                for (int q = 0; q < ow; q++)
                {
                    double acc = max ? double.NegativeInfinity : 0;
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++)
                        {
                            int hh = r * s - p + i, ww = q * s - p + j;
                            double v = hh < 0 || hh >= h || ww < 0 || ww >= w ? (max ? double.NegativeInfinity : 0) : x[(b * h + hh) * w + ww];
                            acc = max ? Math.Max(acc, v) : acc + v;
                        }
                    y[(b * oh + r) * ow + q] = max ? acc : acc / (k * k);
                }
        return y;
    }

    /// <summary>Bilinear upsampling, align_corners=False, by PyTorch's formula.</summary>
    public static double[] Bilinear(float[] x, int[] xs, int scale)
    {
        int nc = xs[0] * xs[1], h = xs[2], w = xs[3], oh = h * scale, ow = w * scale;
        var y = new double[nc * oh * ow];
        (int, int, double) Source(int o, int size)
        {
            double src = Math.Max(0, (o + 0.5) / scale - 0.5);
            int i0 = Math.Min((int)src, size - 1);
            return (i0, Math.Min(i0 + 1, size - 1), src - i0);
        }
        for (int b = 0; b < nc; b++)
            for (int r = 0; r < oh; r++)
                for (int q = 0; q < ow; q++)
                {
                    var (h0, h1, th) = Source(r, h);
                    var (w0, w1, tw) = Source(q, w);
                    double At(int hh, int ww) => x[(b * h + hh) * w + ww];
                    y[(b * oh + r) * ow + q] = (1 - th) * ((1 - tw) * At(h0, w0) + tw * At(h0, w1)) + th * ((1 - tw) * At(h1, w0) + tw * At(h1, w1));
                }
        return y;
    }
}
