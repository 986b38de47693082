using System.Runtime.Intrinsics;

using GpuGen.Kernels.Host;

namespace GpuGen.Kernels.Conv;

/// <summary>
/// Direct host convolutions (no im2col) on <see cref="ConvDirectTile"/>: vectorised over 16 output
/// channels, one accumulator per output position, the input read straight from a zero-padded copy
/// of the image.
/// <para><b>Forward</b>, y[o, oh, ow] = Σ_c Σ_(i,j) W[o, c, i, j] · xp[c, oh·S + i, ow·S + j] over the
/// padded input xp: one pass, taps at offsets i·Wp + j, rows S·Wp apart, positions S apart.</para>
/// <para><b>Data gradient</b> (the transposed convolution), gx[c, ih, iw] = Σ_o Σ_(i,j) W[o, c, i, j] ·
/// gy[o, oh, ow] over oh·S − P + i = ih: split by output phase (a, b) = (ih mod S, iw mod S). Within
/// a phase, ih = a + S·r, and tap i contributes only when S divides a + P − i, from row
/// oh = r + (a + P − i)/S: a stride-1 convolution of the padded gy with the phase's ⌈K/S⌉² taps,
/// written to every S-th row and column. S² phases of K²/S² taps: the same multiply-adds as the
/// forward, none on the zeros a dilated input would hold.</para>
/// Workers take whole images. Used where <see cref="Applies"/> / <see cref="AppliesToDataGrad"/> say
/// (the tile shapes cover output rows of 7, 14 and 28: MNIST's sizes); the per-image GEMMs of
/// <see cref="ConvHostGemm"/> otherwise.
/// </summary>
public static unsafe class ConvHostDirect
{
    private const int Lanes = ConvDirectTile.Lanes;

    /// <summary>Whether <see cref="Forward"/> takes this convolution: AVX-512, one group, no dilation,
    /// stride 1 or 2 in both directions; with 4 or more input channels, output rows of 7, 14 or 28 and
    /// at least 16 output channels (a block's lanes); with fewer (an image's first layer), where a
    /// tile's transpose would outweigh its multiply-adds, rows of at least 8 and 8 output channels,
    /// computed a row at a time (<see cref="ConvDirectTile.RowRun"/>).</summary>
    public static bool Applies(in ConvGeometry g, int outChannels, int groups) =>
        Supported(g, groups) && g.OH > 0 && (g.C >= 4
            ? TileCols(g.OW) && outChannels >= Lanes
            : g.OW >= 8 && outChannels >= 8); // fewer input channels: by rows (ForwardByRows)

    /// <summary>Whether <see cref="DataGrad"/> takes it: as <see cref="Applies"/> with the roles swapped
    /// (at least 16 input channels, 4 output channels), every phase's rows 7, 14 or 28 long, and at
    /// least half of the phases' multiply-adds real: a transposed convolution from a 1 × 1 image
    /// (a generator's first layer) would spend them on padding.</summary>
    public static bool AppliesToDataGrad(in ConvGeometry g, int outChannels, int groups)
    {
        if (!Supported(g, groups) || g.C < Lanes || outChannels < 4 || g.W % g.SW != 0 || g.H % g.SH != 0) return false;
        return TileCols(g.W / g.SW) && 2L * g.OH * g.OW * g.SH * g.SW >= (long)g.H * g.W;
    }

    /// <summary>Whether <see cref="WeightGrad"/> takes it: kernels 3 or 4 wide (the tiles' columns) and at
    /// least 8 output channels.</summary>
    public static bool AppliesToWeightGrad(in ConvGeometry g, int outChannels, int groups) =>
        Supported(g, groups) && g.KW is 3 or 4 && outChannels >= 8;

    private static bool Supported(in ConvGeometry g, int groups) =>
        Vector512.IsHardwareAccelerated && groups == 1 && g.DH == 1 && g.DW == 1 && g.SH == g.SW && g.SH is 1 or 2 && g.N > 0;

    private static bool TileCols(int cols) => cols is 7 or 14 or 28;

    /// <summary>y [N, O, OH, OW] = conv(x [N, C, H, W], w [O, C, KH, KW]) + bias (bias may be null).</summary>
    public static void Forward(float* x, float* w, float* bias, float* y, ConvGeometry g, int outChannels)
    {
        int taps = g.KH * g.KW, blocks = (outChannels + Lanes - 1) / Lanes;
        int wp = g.W + 2 * g.PW, hp = g.H + 2 * g.PH;
        // weights [block][c][tap][16], zero past O, then the bias by blocks, in the calling thread's
        // second buffer (the workers, this thread among them, use their first)
        long weightFloats = (long)blocks * g.C * taps * Lanes;
        float* packed = ConvScratch.Gathered(weightFloats + blocks * Lanes);
        // each block's 16 rows of w [o][c·tap], transposed (a serial scalar loop here took 0.2 of D2's 4.5 ms)
        int perChannel = g.C * taps;
        HostParallel.For(blocks, (w: (nint)w, packed: (nint)packed, perChannel, outChannels), static (start, count, s) =>
        {
            for (int block = start; block < start + count; block++)
                ToLanes((float*)s.w + (long)block * Lanes * s.perChannel, s.perChannel, Math.Min(Lanes, s.outChannels - block * Lanes),
                    s.perChannel, (float*)s.packed + (long)block * s.perChannel * Lanes);
        }, elementsPerItem: (long)perChannel * Lanes);
        if (g.C < 4)
        {
            for (int o = 0; o < blocks * Lanes; o++) packed[weightFloats + o] = bias != null && o < outChannels ? bias[o] : 0f;
            ForwardByRows(x, packed, packed + weightFloats, y, g, outChannels);
            return;
        }
        var offsets = new int[taps];
        for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++) offsets[i * g.KW + j] = i * wp + j;
        var pass = new Pass
        {
            Weights = packed, Blocks = blocks, Channels = g.C, Offsets = offsets,
            Rows = g.OH, Cols = g.OW, Step = g.SW, RowStride = (long)g.SH * wp,
            RowStep = 1, ColStep = 1,
        };
        var image = new Padding(g.C, g.H, g.W, g.PH, g.PW, hp, wp);
        RunImages(x, g.N, image, [pass], new Output(y, outChannels, g.OH, g.OW, bias));
    }

    /// <summary>
    /// The forward a row at a time, for few input channels: the padded image split into S column
    /// phases (xq[c, b, r, u] = xp[c, r, S·u + b]), so that the 16 positions ow0… of output row oh read
    /// tap (i, j) at the consecutive xq[c, j mod S, oh·S + i, ow0 + j div S + 0..15].
    /// </summary>
    private static void ForwardByRows(float* x, float* packed, float* packedBias, float* y, ConvGeometry g, int outChannels)
    {
        int s = g.SW, taps = g.KH * g.KW, blocks = (outChannels + Lanes - 1) / Lanes;
        int wp = g.W + 2 * g.PW, hp = g.H + 2 * g.PH, wq = (wp + s - 1) / s;
        long channelStride = (long)s * hp * wq, planes = g.C * channelStride;
        var offsets = new int[taps];
        for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++) offsets[i * g.KW + j] = (int)((j % s) * (long)hp * wq + i * wq + j / s);
        nint xs = (nint)x, ys = (nint)y, ws = (nint)packed, bs = (nint)packedBias;
        HostParallel.RunRanges(g.N, Math.Min(HostParallel.WorkerCount, g.N), (_, start, end) =>
        {
            float* buffer = ConvScratch.Cols(planes + 2 * Lanes); // the last row's masked lanes read past the end
            new Span<float>(buffer, (int)(planes + 2 * Lanes)).Clear(); // the borders; each image writes only the interior
            fixed (int* tapOffsets = offsets)
                for (int n = start; n < end; n++)
                {
                    SplitColumnPhases((float*)xs + (long)n * g.C * g.H * g.W, buffer, g, channelStride, hp, wq);
                    for (int block = 0; block < blocks; block++)
                    {
                        float* weights = (float*)ws + (long)block * g.C * taps * Lanes;
                        int channels = Math.Min(Lanes, outChannels - block * Lanes);
                        for (int oh = 0; oh < g.OH; oh++)
                            for (int ow0 = 0; ow0 < g.OW; ow0 += Lanes)
                            {
                                var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(g.OW - ow0)).AsSingle();
                                float* output = (float*)ys + (((long)n * outChannels + block * Lanes) * g.OH + oh) * g.OW + ow0;
                                ConvDirectTile.RowRun(buffer + (long)oh * s * wq + ow0, channelStride, g.C, tapOffsets, taps, weights,
                                    (float*)bs + block * Lanes, output, (long)g.OH * g.OW, channels, mask);
                            }
                    }
                }
        });
    }

    /// <summary>
    /// An image [C, H, W] into the zero-padded column phases of <see cref="ForwardByRows"/>,
    /// xq[c, b, r, u] = xp[c, r, S·u + b] (padded column S·u + b is input column S·u + b − PW), a row at
    /// a time: a contiguous copy at stride 1. (With a division and a remainder per element, as it
    /// had been, this took a quarter of D1's forward.)
    /// </summary>
    private static void SplitColumnPhases(float* image, float* buffer, in ConvGeometry g, long channelStride, int hp, int wq)
    {
        int s = g.SW;
        for (int c = 0; c < g.C; c++)
            for (int h = 0; h < g.H; h++)
            {
                float* row = image + ((long)c * g.H + h) * g.W, planes = buffer + c * channelStride + (long)(h + g.PH) * wq;
                if (s == 1)
                {
                    Buffer.MemoryCopy(row, planes + g.PW, g.W * 4L, g.W * 4L);
                    continue;
                }
                for (int b = 0; b < s; b++)
                {
                    float* phase = planes + (long)b * hp * wq;
                    for (int u = Math.Max(0, (g.PW - b + s - 1) / s), wi = s * u + b - g.PW; wi < g.W; u++, wi += s) phase[u] = row[wi];
                }
            }
    }

    /// <summary>gx [N, C, H, W] = the adjoint of <see cref="Forward"/> in x applied to gy [N, O, OH, OW]
    /// (the transposed convolution of gy with w), by phases.</summary>
    public static void DataGrad(float* gy, float* w, float* gx, ConvGeometry g, int outChannels)
    {
        int s = g.SH, taps = g.KH * g.KW, blocks = (g.C + Lanes - 1) / Lanes;
        int rows = g.H / s, cols = g.W / s;
        // each phase's taps, and the rows (columns) of gy they start from: oh = r + d
        var tapsOf = new List<(int I, int J, int DI, int DJ)>[s * s];
        int top = 0, left = 0, bottom = 0, right = 0;
        for (int a = 0; a < s; a++)
            for (int b = 0; b < s; b++)
            {
                tapsOf[a * s + b] = [];
                for (int i = 0; i < g.KH; i++)
                    for (int j = 0; j < g.KW; j++)
                    {
                        if ((a + g.PH - i) % s != 0 || (b + g.PW - j) % s != 0) continue;
                        int di = (a + g.PH - i) / s, dj = (b + g.PW - j) / s;
                        tapsOf[a * s + b].Add((i, j, di, dj));
                        top = Math.Max(top, -di); left = Math.Max(left, -dj);
                        bottom = Math.Max(bottom, rows - 1 + di - (g.OH - 1)); right = Math.Max(right, cols - 1 + dj - (g.OW - 1));
                    }
            }
        int hp = top + g.OH + bottom, wp = left + g.OW + right;
        // weights per phase [block][o][tap of the phase][16 input channels], zero past C
        long weightFloats = (long)blocks * outChannels * taps * Lanes;
        float* packed = ConvScratch.Gathered(weightFloats);
        // where each tap (i, j) goes: its phase's weights start at phaseStart, the tap is the index-th
        // of the phase's count; [block][o] steps are count·16 floats apart
        var phaseStart = new long[s * s];
        for (int phase = 1; phase < s * s; phase++) phaseStart[phase] = phaseStart[phase - 1] + (long)blocks * outChannels * tapsOf[phase - 1].Count * Lanes;
        var tapStart = new long[taps];
        var tapStride = new long[taps];
        for (int phase = 0; phase < s * s; phase++)
            for (int t = 0; t < tapsOf[phase].Count; t++)
            {
                int tap = tapsOf[phase][t].I * g.KW + tapsOf[phase][t].J;
                (tapStart[tap], tapStride[tap]) = (phaseStart[phase] + (long)t * Lanes, (long)tapsOf[phase].Count * Lanes);
            }
        // per (o, block of 16 c): w[o, c, 0..taps) transposed to [tap][16 c], each tap's vector to its
        // phase (a serial element-by-element loop here took 0.6 of D2's 5 ms data gradient)
        fixed (long* starts = tapStart, strides = tapStride)
            HostParallel.For(outChannels, (w: (nint)w, packed: (nint)packed, starts: (nint)starts, strides: (nint)strides, g.C, outChannels, taps, blocks),
                static (start, count, s) =>
                {
                    float* lanes = stackalloc float[s.taps * Lanes];
                    for (int o = start; o < start + count; o++)
                        for (int block = 0; block < s.blocks; block++)
                        {
                            ToLanes((float*)s.w + ((long)o * s.C + block * Lanes) * s.taps, s.taps, Math.Min(Lanes, s.C - block * Lanes), s.taps, lanes);
                            long unit = (long)block * s.outChannels + o;
                            for (int t = 0; t < s.taps; t++)
                                Vector512.Load(lanes + t * Lanes).Store((float*)s.packed + ((long*)s.starts)[t] + unit * ((long*)s.strides)[t]);
                        }
                }, elementsPerItem: (long)g.C * taps);
        var passes = new Pass[s * s];
        for (int phase = 0; phase < s * s; phase++)
        {
            var list = tapsOf[phase];
            float* weights = packed + phaseStart[phase];
            passes[phase] = new Pass
            {
                Weights = weights, Blocks = blocks, Channels = outChannels,
                Offsets = list.Select(t => (t.DI + top) * wp + t.DJ + left).ToArray(),
                Rows = rows, Cols = cols, Step = 1, RowStride = wp,
                RowStep = s, ColStep = s, FirstPosition = (phase / s) * g.W + phase % s,
            };
        }
        var image = new Padding(outChannels, g.OH, g.OW, top, left, hp, wp);
        RunImages(gy, g.N, image, passes, new Output(gx, g.C, g.H, g.W, null));
    }

    /// <summary>gw [O, C, KH, KW] = Σₙ Σ_(oh, ow) gy[n, o, oh, ow] · xp[n, c, oh·S + i, ow·S + j]: the adjoint of
    /// <see cref="Forward"/> in w. Each worker sums its images into its own partial, laid out
    /// [block of 16 o][tile of (c, i) rows][row][j][16]; the partials are added in worker order at the
    /// end (the same sums for the same worker count). Per image: the padded input, gy transposed to
    /// [block][position][16], then every (block, tile) over all positions.</summary>
    public static void WeightGrad(float* x, float* gy, float* gw, ConvGeometry g, int outChannels)
    {
        // tiles of 7 × 4 or 9 × 3 accumulators; one input channel's 4 × 4 or 3 × 3 taps make one tile
        int pairs = g.C * g.KH, rowsPerTile = pairs == g.KW ? g.KW : g.KW == 4 ? 7 : 9, tiles = (pairs + rowsPerTile - 1) / rowsPerTile;
        int blocks = (outChannels + Lanes - 1) / Lanes, positions = g.OH * g.OW;
        int wp = g.W + 2 * g.PW, hp = g.H + 2 * g.PH;
        long plane = (long)hp * wp, tileFloats = (long)rowsPerTile * g.KW * Lanes, partialFloats = blocks * tiles * tileFloats;
        // each tile row's offset into the padded image: channel c, kernel row i (rows past the last
        // pair read the first one's and are never summed)
        var offsets = new int[tiles * rowsPerTile];
        for (int m = 0; m < offsets.Length; m++) offsets[m] = m < pairs ? (int)(m / g.KH * plane + m % g.KH * wp) : 0;
        var padding = new Padding(g.C, g.H, g.W, g.PH, g.PW, hp, wp);
        int workers = Math.Min(HostParallel.WorkerCount, g.N);
        // the partials belong to this thread (a pool thread may run two workers one after the other)
        var partials = new nint[workers];
        for (int k = 0; k < workers; k++) partials[k] = (nint)ConvScratch.Partial(k, partialFloats);
        nint xs = (nint)x, gys = (nint)gy;
        // images a tile sums over before it adds into the partial: ~256 positions (a 7 × 7 output would
        // otherwise spend a tenth of each tile's time loading and storing its 28 accumulators)
        int chunk = Math.Clamp((256 + positions - 1) / positions, 1, 16);
        HostParallel.RunRanges(g.N, workers, (worker, start, end) =>
        {
            long gradientFloats = (long)chunk * positions * Lanes; // one block's [image][position][16]
            float* planes = ConvScratch.Cols(chunk * padding.Floats + blocks * gradientFloats);
            float* transposed = planes + chunk * padding.Floats, partial = (float*)partials[worker];
            new Span<float>(planes, (int)(chunk * padding.Floats)).Clear(); // the borders; Pad writes only the interiors
            new Span<float>(partial, (int)partialFloats).Clear();
            fixed (int* rowOffsets = offsets)
                for (int n0 = start; n0 < end; n0 += chunk)
                {
                    int images = Math.Min(chunk, end - n0);
                    for (int i = 0; i < images; i++)
                    {
                        Pad((float*)xs + (long)(n0 + i) * g.C * g.H * g.W, planes + i * padding.Floats, padding);
                        TransposeGradient((float*)gys + (long)(n0 + i) * outChannels * positions, transposed + (long)i * positions * Lanes,
                            gradientFloats, outChannels, blocks, positions);
                    }
                    for (int block = 0; block < blocks; block++)
                        for (int tile = 0; tile < tiles; tile++)
                            WeightTile(rowsPerTile, g.KW, g.SW, planes, padding.Floats, images, rowOffsets + tile * rowsPerTile, g.OH, g.OW, (long)g.SH * wp,
                                transposed + block * gradientFloats, partial + (block * tiles + tile) * tileFloats);
                }
        });
        // the partials [block][(c, i, j)][16], summed in worker order → gw [O, C·KH·KW], a block at a time
        // on the workers (a serial element-by-element loop here took 0.9 of D2's 5.5 ms)
        int perOutput = pairs * g.KW;
        fixed (nint* partialsPointer = partials)
            HostParallel.For(blocks, (partials: (nint)partialsPointer, workers, gw: (nint)gw, blockFloats: tiles * tileFloats, perOutput, outChannels),
                static (start, count, s) =>
                {
                    var sources = (nint*)s.partials;
                    for (int block = start; block < start + count; block++)
                    {
                        float* sum = (float*)sources[0] + block * s.blockFloats;
                        for (int k = 1; k < s.workers; k++)
                        {
                            float* more = (float*)sources[k] + block * s.blockFloats;
                            for (long e = 0; e < (long)s.perOutput * Lanes; e += Lanes)
                                (Vector512.Load(sum + e) + Vector512.Load(more + e)).Store(sum + e);
                        }
                        FromLanes(sum, s.perOutput, Math.Min(Lanes, s.outChannels - block * Lanes), (float*)s.gw + (long)block * Lanes * s.perOutput, s.perOutput);
                    }
                }, elementsPerItem: (long)perOutput * Lanes * workers);
    }

    /// <summary>target[q·16 + l] = rows[l·rowStride + q] for q &lt; length, l &lt; 16 (zero for l ≥ rowCount):
    /// rows of a matrix to the tiles' 16-lane layout, by 16 × 16 register transposes where whole.</summary>
    private static void ToLanes(float* rows, long rowStride, int rowCount, int length, float* target)
    {
        int q = 0;
        if (rowCount == Lanes)
            for (; q + Lanes <= length; q += Lanes) ConvDirectTile.Transpose16x16(rows + q, rowStride, target + (long)q * Lanes, Lanes);
        for (; q < length; q++)
            for (int l = 0; l < Lanes; l++) target[(long)q * Lanes + l] = l < rowCount ? rows[l * rowStride + q] : 0f;
    }

    /// <summary>The inverse of <see cref="ToLanes"/> for the first rowCount lanes: rows[l·rowStride + q] = lanes[q·16 + l].</summary>
    private static void FromLanes(float* lanes, int length, int rowCount, float* rows, long rowStride)
    {
        int q = 0;
        if (rowCount == Lanes)
            for (; q + Lanes <= length; q += Lanes) ConvDirectTile.Transpose16x16(lanes + (long)q * Lanes, Lanes, rows + q, rowStride);
        for (; q < length; q++)
            for (int l = 0; l < rowCount; l++) rows[l * rowStride + q] = lanes[(long)q * Lanes + l];
    }

    /// <summary>gy of one image [O, P] → [block][P][16 channels] (blocks blockStride apart), zero past O.</summary>
    private static void TransposeGradient(float* image, float* transposed, long blockStride, int outChannels, int blocks, int positions)
    {
        for (int block = 0; block < blocks; block++)
            ToLanes(image + (long)block * Lanes * positions, positions, Math.Min(Lanes, outChannels - block * Lanes), positions, transposed + block * blockStride);
    }

    private static void WeightTile(int rows, int kw, int step, float* input, long imageStride, int images, int* rowOffsets, int outRows, int outCols, long rowStride, float* gradients, float* partial)
    {
        switch ((rows == kw ? 16 : 0) + kw)
        {
            case 16 + 4: WeightTile<Tile4x4>(step, input, imageStride, images, rowOffsets, outRows, outCols, rowStride, gradients, partial); break;
            case 16 + 3: WeightTile<Tile3x3>(step, input, imageStride, images, rowOffsets, outRows, outCols, rowStride, gradients, partial); break;
            case 4: WeightTile<Tile7x4>(step, input, imageStride, images, rowOffsets, outRows, outCols, rowStride, gradients, partial); break;
            case 3: WeightTile<Tile9x3>(step, input, imageStride, images, rowOffsets, outRows, outCols, rowStride, gradients, partial); break;
            default: throw new InvalidOperationException($"no direct weight-gradient tile for kernels {kw} wide");
        }
    }

    private static void WeightTile<TShape>(int step, float* input, long imageStride, int images, int* rowOffsets, int outRows, int outCols, long rowStride, float* gradients, float* partial)
        where TShape : struct, ITileShape
    {
        if (step == 1) ConvDirectTile.WeightGradRun<TShape, Step1>(input, imageStride, images, rowOffsets, outRows, outCols, rowStride, gradients, partial);
        else ConvDirectTile.WeightGradRun<TShape, Step2>(input, imageStride, images, rowOffsets, outRows, outCols, rowStride, gradients, partial);
    }

    /// <summary>How an image is copied into the zero-padded planes the tiles read.</summary>
    private readonly record struct Padding(int Channels, int H, int W, int Top, int Left, int PaddedH, int PaddedW)
    {
        public long Floats => (long)Channels * PaddedH * PaddedW;
    }

    /// <summary>One stride-1-in-the-tile convolution over the padded image, written to every
    /// RowStep-th row and ColStep-th column of the output planes from FirstPosition on (a phase), or to
    /// all of them (the forward).</summary>
    private struct Pass
    {
        public float* Weights;                   // [block][channel][tap][16]
        public int Blocks, Channels;              // blocks of 16 output channels; input channels summed
        public int[] Offsets;                    // each tap's offset into a channel's padded plane
        public int Rows, Cols, Step;             // output rows and columns of the pass; input step between columns
        public long RowStride;                   // input floats between output rows
        public int RowStep, ColStep;             // the pass's rows and columns among the output's
        public int FirstPosition;                // the pass's first row and column within an output plane
    }

    /// <summary>Where the passes of one convolution write: Channels planes of H × W per image, plus the
    /// bias of each channel (or none).</summary>
    private readonly struct Output(float* target, int channels, int h, int w, float* bias)
    {
        public readonly float* Target = target, Bias = bias;
        public readonly int Channels = channels, W = w;
        public readonly long Plane = (long)h * w;
    }

    /// <summary>
    /// Every pass over every image, a block of 16 output channels at a time: the tiles leave their
    /// sums in the block's staging planes [position][16 channels] (whole vectors, at the pass's rows
    /// and columns), which then go to the output planes by 16 × 16 transposes once all passes have
    /// filled them. (Element by element from each tile, the write-out took ~1 ns a value: 10% of
    /// a data gradient, whose four phases write a quarter of the positions each.)
    /// </summary>
    private static void RunImages(float* input, int images, Padding padding, Pass[] passes, Output output)
    {
        nint source = (nint)input;
        int blocks = passes[0].Blocks;
        HostParallel.RunRanges(images, Math.Min(HostParallel.WorkerCount, images), (_, start, end) =>
        {
            float* planes = ConvScratch.Cols(padding.Floats + output.Plane * Lanes + Lanes);
            float* staging = planes + padding.Floats, shift = staging + output.Plane * Lanes;
            new Span<float>(planes, (int)padding.Floats).Clear(); // the borders; Pad writes only the interior
            for (int n = start; n < end; n++)
            {
                Pad((float*)source + (long)n * padding.Channels * padding.H * padding.W, planes, padding);
                for (int block = 0; block < blocks; block++)
                {
                    int lanes = Math.Min(Lanes, output.Channels - block * Lanes);
                    for (int l = 0; l < Lanes; l++) shift[l] = output.Bias != null && l < lanes ? output.Bias[block * Lanes + l] : 0f;
                    foreach (var pass in passes) RunPass(pass, block, planes, padding, staging, output.W, shift);
                    FromLanes(staging, (int)output.Plane, lanes, output.Target + ((long)n * output.Channels + block * Lanes) * output.Plane, output.Plane);
                }
            }
        });
    }

    /// <summary>Copies an image into the interior of its padded planes; the borders stay as they are
    /// (the caller zeroes them once per buffer: nothing else writes there, and clearing the whole
    /// buffer per image cost 1–2% of a convolution).</summary>
    private static void Pad(float* image, float* planes, in Padding p)
    {
        for (int c = 0; c < p.Channels; c++)
            for (int h = 0; h < p.H; h++)
                Buffer.MemoryCopy(image + ((long)c * p.H + h) * p.W, planes + ((long)c * p.PaddedH + h + p.Top) * p.PaddedW + p.Left, p.W * 4L, p.W * 4L);
    }

    /// <summary>One pass's tiles for one block of output channels, into the block's staging planes.</summary>
    private static void RunPass(in Pass pass, int block, float* planes, in Padding padding, float* staging, int stagingW, float* shift)
    {
        long plane = (long)padding.PaddedH * padding.PaddedW, rowStride = (long)pass.RowStep * stagingW * Lanes;
        int perTile = pass.Cols == 28 ? 1 : pass.Cols == 14 ? 2 : 4;
        float* weights = pass.Weights + (long)block * pass.Channels * pass.Offsets.Length * Lanes;
        fixed (int* offsets = pass.Offsets)
            for (int r0 = 0; r0 < pass.Rows; r0 += perTile)
            {
                var output = new TileOutput(staging + pass.FirstPosition * Lanes + r0 * rowStride, rowStride, pass.ColStep * Lanes, shift);
                Tile(Math.Min(perTile, pass.Rows - r0), pass.Cols, pass.Step, planes + r0 * pass.RowStride, plane, pass.Channels, offsets, pass.Offsets.Length,
                    pass.RowStride, weights, output);
            }
    }

    /// <summary>The tile for <paramref name="rows"/> rows of <paramref name="cols"/> positions at input
    /// step <paramref name="step"/>: the JIT compiles one kernel per shape.</summary>
    private static void Tile(int rows, int cols, int step, float* input, long channelStride, int channels, int* offsets, int taps, long rowStride, float* weights, in TileOutput output)
    {
        switch (cols * 8 + rows)
        {
            case 28 * 8 + 1: Tile<Tile1x28>(step, input, channelStride, channels, offsets, taps, rowStride, weights, output); break;
            case 14 * 8 + 2: Tile<Tile2x14>(step, input, channelStride, channels, offsets, taps, rowStride, weights, output); break;
            case 14 * 8 + 1: Tile<Tile1x14>(step, input, channelStride, channels, offsets, taps, rowStride, weights, output); break;
            case 7 * 8 + 4: Tile<Tile4x7>(step, input, channelStride, channels, offsets, taps, rowStride, weights, output); break;
            case 7 * 8 + 3: Tile<Tile3x7>(step, input, channelStride, channels, offsets, taps, rowStride, weights, output); break;
            case 7 * 8 + 2: Tile<Tile2x7>(step, input, channelStride, channels, offsets, taps, rowStride, weights, output); break;
            case 7 * 8 + 1: Tile<Tile1x7>(step, input, channelStride, channels, offsets, taps, rowStride, weights, output); break;
            default: throw new InvalidOperationException($"no direct convolution tile for {rows} × {cols}");
        }
    }

    private static void Tile<TShape>(int step, float* input, long channelStride, int channels, int* offsets, int taps, long rowStride, float* weights, in TileOutput output)
        where TShape : struct, ITileShape
    {
        if (step == 1) ConvDirectTile.Run<TShape, Step1>(input, channelStride, channels, offsets, taps, rowStride, weights, output);
        else ConvDirectTile.Run<TShape, Step2>(input, channelStride, channels, offsets, taps, rowStride, weights, output);
    }
}
