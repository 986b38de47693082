namespace GpuGen.Kernels.Conv;

/// <summary>
/// The sliding-window geometry shared by convolution, transposed convolution and pooling:
/// images [N, C, H, W] (NCHW), a KH × KW window with stride, zero padding and dilation, and
/// the output size OH = ⌊(H + 2·PH − DH·(KH − 1) − 1)/SH⌋ + 1 (likewise OW).
///
/// The im2col matrix it defines has one row per (c, i, j) — channel and window offset — and one
/// column per (n, oh, ow): cols[(c·KH + i)·KW + j, (n·OH + oh)·OW + ow] =
/// x[n, c, oh·SH − PH + i·DH, ow·SW − PW + j·DW] (the pad value outside the image).
/// </summary>
public struct ConvGeometry
{
    public int N, C, H, W;
    public int KH, KW, SH, SW, PH, PW, DH, DW;
    public int OH, OW;

    public static ConvGeometry Create(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) => new()
    {
        N = n, C = c, H = h, W = w, KH = kh, KW = kw, SH = sh, SW = sw, PH = ph, PW = pw, DH = dh, DW = dw,
        OH = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1,
        OW = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1,
    };

    public readonly int Rows => C * KH * KW;
    public readonly int Columns => N * OH * OW;
    public readonly int ImageElements => N * C * H * W;
}
