using System.Numerics;
using GpuGen.Kernels.Host;
using GpuGen.Kernels.Reduce;
using ILGPU;

namespace GpuGen.Kernels.Norm;

/// <summary>Training-mode batch normalisation of x [N, C, S], forward.</summary>
public struct BatchNormArgs
{
    public ArrayView<float> X, Gamma, Beta, Mean, Variance, InvStd, Y;
    public int Batch, Channels, Positions;
    public float Eps;
}

/// <summary>Its backward: the per-channel sums, then the input gradient.</summary>
public struct BatchNormBackwardArgs
{
    public ArrayView<float> X, Upstream, Gamma, Mean, InvStd, SumUpstream, SumUpstreamXhat, Result;
    public int Batch, Channels, Positions;

    /// <summary>Unused: ends the struct on an 8-byte boundary, which OpenCL needs (KernelArgsLayoutTests).</summary>
    public long Align8;
}

/// <summary>
/// Batch normalisation in training mode (Ioffe &amp; Szegedy 2015) as fused kernels over x viewed as
/// [N, C, S] (S the positions of an image, 1 for features), per channel c over its M = N·S values;
/// device and host forms side by side, sharing the per-element formulas:
/// <code>
/// Moments         μ_c = mean(x), σ²_c = mean((x − μ_c)²) (biased; two passes, host in double, device in compensated float), r_c = 1/√(σ²_c + ε)
/// Normalize       y = γ_c·(x − μ_c)·r_c + β_c
/// Sums            Σu and Σu·x̂ per channel, x̂ = (x − μ_c)·r_c   (= ∂L/∂β and ∂L/∂γ)
/// InputGradient   ∂L/∂x = γ_c·r_c·(u − (Σu + x̂·Σu·x̂)/M)
/// </code>
/// replacing about ten elementwise ops and reductions forward and twenty backward. Device: the
/// per-channel passes one thread per channel (C is tens to hundreds; a GPU wants a tree per
/// channel, issue 12), the elementwise ones a thread per element. Host: channels or rows over
/// the cores, rows of S summed in float vectors and added up in double.
/// </summary>
public static class BatchNormKernels
{
    public static float Normalize(float x, float mean, float invStd, float gamma, float beta) => gamma * ((x - mean) * invStd) + beta;

    public static float InputGradient(float u, float x, float mean, float invStd, float gamma, float sumU, float sumUXhat, float count) =>
        gamma * invStd * (u - (sumU + (x - mean) * invStd * sumUXhat) / count);

    // ---- device

    // Device sums are KahanSum (compensated float) where the host sums in double: no float64 on a device.
    public static void MomentsDevice(Index1D c, BatchNormArgs a)
    {
        var sum = new KahanSum();
        for (int n = 0; n < a.Batch; n++)
        {
            long start = ((long)n * a.Channels + c) * a.Positions;
            for (int s = 0; s < a.Positions; s++) sum.Add(a.X[start + s]);
        }
        float count = (float)a.Batch * a.Positions, mean = sum.Sum / count;
        var squares = new KahanSum();
        for (int n = 0; n < a.Batch; n++)
        {
            long start = ((long)n * a.Channels + c) * a.Positions;
            for (int s = 0; s < a.Positions; s++)
            {
                float d = a.X[start + s] - mean;
                squares.Add(d * d);
            }
        }
        float variance = squares.Sum / count;
        a.Mean[c] = mean;
        a.Variance[c] = variance;
        a.InvStd[c] = 1f / MathF.Sqrt(variance + a.Eps);
    }

    public static void NormalizeDevice(Index1D i, BatchNormArgs a)
    {
        int c = (int)((long)(int)i / a.Positions % a.Channels);
        a.Y[i] = Normalize(a.X[i], a.Mean[c], a.InvStd[c], a.Gamma[c], a.Beta[c]);
    }

    public static void SumsDevice(Index1D c, BatchNormBackwardArgs a)
    {
        var sumU = new KahanSum();
        var sumUXhat = new KahanSum();
        float mean = a.Mean[c], invStd = a.InvStd[c];
        for (int n = 0; n < a.Batch; n++)
        {
            long start = ((long)n * a.Channels + c) * a.Positions;
            for (int s = 0; s < a.Positions; s++)
            {
                float u = a.Upstream[start + s];
                sumU.Add(u);
                sumUXhat.Add(u * ((a.X[start + s] - mean) * invStd));
            }
        }
        a.SumUpstream[c] = sumU.Sum;
        a.SumUpstreamXhat[c] = sumUXhat.Sum;
    }

    public static void InputGradientDevice(Index1D i, BatchNormBackwardArgs a)
    {
        int c = (int)((long)(int)i / a.Positions % a.Channels);
        a.Result[i] = InputGradient(a.Upstream[i], a.X[i], a.Mean[c], a.InvStd[c], a.Gamma[c], a.SumUpstream[c], a.SumUpstreamXhat[c], (float)a.Batch * a.Positions);
    }

    // ---- host

    public static void MomentsHost(ArraySegment<float> x, ArraySegment<float> mean, ArraySegment<float> variance, ArraySegment<float> invStd,
        int batch, int channels, int positions, float eps)
    {
        if (positions == 1) FeatureMomentsHost(x, mean, variance, invStd, batch, channels, eps);
        else HostParallel.For(channels, (x, mean, variance, invStd, batch, channels, positions, eps), static (first, count, s) =>
        {
            for (int c = first; c < first + count; c++) ChannelMoments(s.x, s.mean, s.variance, s.invStd, c, s.batch, s.channels, s.positions, s.eps);
        }, elementsPerItem: (long)batch * positions);
    }

    /// <summary>Channel c's μ, σ² and r over its N rows of S values, in double (the feature path's scalar tail too).</summary>
    private static void ChannelMoments(ArraySegment<float> x, ArraySegment<float> mean, ArraySegment<float> variance, ArraySegment<float> invStd,
        int c, int batch, int channels, int positions, float eps)
    {
        double m = (double)batch * positions;
        double sum = 0;
        for (int n = 0; n < batch; n++) sum += RowSum(x.AsSpan((n * channels + c) * positions, positions));
        double mu = sum / m, squares = 0;
        for (int n = 0; n < batch; n++) squares += RowSquares(x.AsSpan((n * channels + c) * positions, positions), (float)mu);
        double v = squares / m;
        mean[c] = (float)mu;
        variance[c] = (float)v;
        invStd[c] = (float)(1.0 / Math.Sqrt(v + eps));
    }

    public static void NormalizeHost(ArraySegment<float> x, ArraySegment<float> gamma, ArraySegment<float> beta, ArraySegment<float> mean,
        ArraySegment<float> invStd, ArraySegment<float> y, int channels, int positions)
    {
        if (positions == 1) FeatureNormalizeHost(x, gamma, beta, mean, invStd, y, channels);
        else HostParallel.For(x.Count / Math.Max(positions, 1), (x, gamma, beta, mean, invStd, y, channels, positions), static (first, count, s) =>
        {
            for (int row = first; row < first + count; row++)
            {
                int c = row % s.channels;
                // y = a·x + b with a = γ·r, b = β − μ·a
                float a = s.gamma[c] * s.invStd[c], b = s.beta[c] - s.mean[c] * a;
                Affine(s.x.AsSpan(row * s.positions, s.positions), s.y.AsSpan(row * s.positions, s.positions), a, b);
            }
        }, elementsPerItem: positions);
    }

    public static void SumsHost(ArraySegment<float> x, ArraySegment<float> upstream, ArraySegment<float> mean, ArraySegment<float> invStd,
        ArraySegment<float> sumU, ArraySegment<float> sumUXhat, int batch, int channels, int positions)
    {
        if (positions == 1) FeatureSumsHost(x, upstream, mean, invStd, sumU, sumUXhat, batch, channels);
        else HostParallel.For(channels, (x, upstream, mean, invStd, sumU, sumUXhat, batch, channels, positions), static (first, count, s) =>
        {
            for (int c = first; c < first + count; c++)
            {
                double su = 0, sux = 0;
                for (int n = 0; n < s.batch; n++)
                {
                    long start = ((long)n * s.channels + c) * s.positions;
                    var u = s.upstream.AsSpan((int)start, s.positions);
                    su += RowSum(u);
                    sux += RowDot(u, s.x.AsSpan((int)start, s.positions), s.mean[c]);
                }
                s.sumU[c] = (float)su;
                s.sumUXhat[c] = (float)(sux * s.invStd[c]);
            }
        }, elementsPerItem: (long)batch * positions);
    }

    public static void InputGradientHost(ArraySegment<float> x, ArraySegment<float> upstream, ArraySegment<float> gamma, ArraySegment<float> mean,
        ArraySegment<float> invStd, ArraySegment<float> sumU, ArraySegment<float> sumUXhat, ArraySegment<float> result, int batch, int channels, int positions)
    {
        if (positions == 1) FeatureInputGradientHost(x, upstream, gamma, mean, invStd, sumU, sumUXhat, result, batch, channels);
        else HostParallel.For(x.Count / Math.Max(positions, 1), (x, upstream, gamma, mean, invStd, sumU, sumUXhat, result, count: (float)batch * positions, channels, positions), static (first, rows, s) =>
        {
            for (int row = first; row < first + rows; row++)
            {
                int c = row % s.channels;
                // γr(u − (Σu + x̂Σux̂)/M) = k·u + p·x + q with k = γr, p = −k·r·Σux̂/M, q = −k·Σu/M − p·μ
                float k = s.gamma[c] * s.invStd[c], p = -k * s.invStd[c] * s.sumUXhat[c] / s.count, q = -k * s.sumU[c] / s.count - p * s.mean[c];
                var u = s.upstream.AsSpan(row * s.positions, s.positions);
                var xs = s.x.AsSpan(row * s.positions, s.positions);
                var r = s.result.AsSpan(row * s.positions, s.positions);
                int i = 0;
                for (; i <= r.Length - Vector<float>.Count; i += Vector<float>.Count)
                    (new Vector<float>(u[i..]) * k + new Vector<float>(xs[i..]) * p + new Vector<float>(q)).CopyTo(r[i..]);
                for (; i < r.Length; i++) r[i] = k * u[i] + p * xs[i] + q;
            }
        }, elementsPerItem: positions);
    }

    // ---- host, features (S = 1: x is [N, C], a BatchNorm1d after a Linear)
    // The [N, C, S] loops above walk one channel's rows of S values; with S = 1 that is one scalar
    // per row at a stride of C, so here the vectors run along the channels instead: the per-channel
    // sums take W channels at a time down the N rows (accumulated in double, as above), and the
    // elementwise passes go row by row with W channels per vector.

    private static readonly int W = Vector<float>.Count;

    /// <summary>μ, σ² and r per channel of [N, C]: each worker takes a range of channels, W at a time down the rows, then a scalar tail.</summary>
    private static void FeatureMomentsHost(ArraySegment<float> x, ArraySegment<float> mean, ArraySegment<float> variance, ArraySegment<float> invStd,
        int batch, int channels, float eps) =>
        HostParallel.For(channels, (x, mean, variance, invStd, batch, channels, eps), static (first, count, s) =>
        {
            var xs = s.x.AsSpan();
            double m = s.batch;
            int c = first, end = first + count;
            for (; c <= end - W; c += W)
            {
                var (sumLo, sumHi) = (Vector<double>.Zero, Vector<double>.Zero);
                for (int n = 0; n < s.batch; n++)
                {
                    Vector.Widen(new Vector<float>(xs[(n * s.channels + c)..]), out var lo, out var hi);
                    sumLo += lo;
                    sumHi += hi;
                }
                var (muLo, muHi) = (sumLo / m, sumHi / m);
                var mu = Vector.Narrow(muLo, muHi);
                var (sqLo, sqHi) = (Vector<double>.Zero, Vector<double>.Zero);
                for (int n = 0; n < s.batch; n++)
                {
                    Vector.Widen(new Vector<float>(xs[(n * s.channels + c)..]) - mu, out var lo, out var hi);
                    sqLo += lo * lo;
                    sqHi += hi * hi;
                }
                var (vLo, vHi) = (sqLo / m, sqHi / m);
                Vector.Narrow(muLo, muHi).CopyTo(s.mean.AsSpan(c));
                Vector.Narrow(vLo, vHi).CopyTo(s.variance.AsSpan(c));
                var e = new Vector<double>(s.eps);
                Vector.Narrow(Vector<double>.One / Vector.SquareRoot(vLo + e), Vector<double>.One / Vector.SquareRoot(vHi + e)).CopyTo(s.invStd.AsSpan(c));
            }
            for (; c < end; c++) ChannelMoments(s.x, s.mean, s.variance, s.invStd, c, s.batch, s.channels, 1, s.eps); // the same sums as the lanes'
        }, elementsPerItem: batch);

    private static void FeatureNormalizeHost(ArraySegment<float> x, ArraySegment<float> gamma, ArraySegment<float> beta, ArraySegment<float> mean,
        ArraySegment<float> invStd, ArraySegment<float> y, int channels) =>
        HostParallel.For(x.Count / Math.Max(channels, 1), (x, gamma, beta, mean, invStd, y, channels), static (first, rows, s) =>
        {
            Span<float> g = s.gamma, b = s.beta, mu = s.mean, r = s.invStd;
            for (int row = first; row < first + rows; row++)
            {
                var xs = s.x.AsSpan(row * s.channels, s.channels);
                var ys = s.y.AsSpan(row * s.channels, s.channels);
                int c = 0;
                for (; c <= s.channels - W; c += W)
                {
                    // y = a·x + b with a = γ·r, b = β − μ·a, per channel
                    var a = new Vector<float>(g[c..]) * new Vector<float>(r[c..]);
                    (a * new Vector<float>(xs[c..]) + new Vector<float>(b[c..]) - new Vector<float>(mu[c..]) * a).CopyTo(ys[c..]);
                }
                for (; c < s.channels; c++) // the lanes' formula, so a channel's bits do not depend on the vector width
                {
                    float a = g[c] * r[c];
                    ys[c] = a * xs[c] + b[c] - mu[c] * a;
                }
            }
        }, elementsPerItem: channels);

    private static void FeatureSumsHost(ArraySegment<float> x, ArraySegment<float> upstream, ArraySegment<float> mean, ArraySegment<float> invStd,
        ArraySegment<float> sumU, ArraySegment<float> sumUXhat, int batch, int channels) =>
        HostParallel.For(channels, (x, upstream, mean, invStd, sumU, sumUXhat, batch, channels), static (first, count, s) =>
        {
            Span<float> xs = s.x, us = s.upstream;
            int c = first, end = first + count;
            for (; c <= end - W; c += W)
            {
                var mu = new Vector<float>(s.mean.AsSpan(c));
                var (suLo, suHi, sxLo, sxHi) = (Vector<double>.Zero, Vector<double>.Zero, Vector<double>.Zero, Vector<double>.Zero);
                for (int n = 0; n < s.batch; n++)
                {
                    var u = new Vector<float>(us[(n * s.channels + c)..]);
                    Vector.Widen(u, out var uLo, out var uHi);
                    Vector.Widen(u * (new Vector<float>(xs[(n * s.channels + c)..]) - mu), out var pLo, out var pHi);
                    suLo += uLo; suHi += uHi; sxLo += pLo; sxHi += pHi;
                }
                Vector.Widen(new Vector<float>(s.invStd.AsSpan(c)), out var rLo, out var rHi);
                Vector.Narrow(suLo, suHi).CopyTo(s.sumU.AsSpan(c));
                Vector.Narrow(sxLo * rLo, sxHi * rHi).CopyTo(s.sumUXhat.AsSpan(c));
            }
            for (; c < end; c++)
            {
                double su = 0, sux = 0;
                for (int n = 0; n < s.batch; n++)
                {
                    float u = us[n * s.channels + c];
                    su += u;
                    sux += u * (xs[n * s.channels + c] - s.mean[c]);
                }
                s.sumU[c] = (float)su;
                s.sumUXhat[c] = (float)(sux * s.invStd[c]);
            }
        }, elementsPerItem: batch);

    private static void FeatureInputGradientHost(ArraySegment<float> x, ArraySegment<float> upstream, ArraySegment<float> gamma, ArraySegment<float> mean,
        ArraySegment<float> invStd, ArraySegment<float> sumU, ArraySegment<float> sumUXhat, ArraySegment<float> result, int batch, int channels) =>
        HostParallel.For(batch, (x, upstream, gamma, mean, invStd, sumU, sumUXhat, result, count: (float)batch, channels), static (first, rows, s) =>
        {
            Span<float> g = s.gamma, mu = s.mean, r = s.invStd, su = s.sumU, sux = s.sumUXhat;
            var inverseCount = new Vector<float>(1f / s.count);
            for (int row = first; row < first + rows; row++)
            {
                var us = s.upstream.AsSpan(row * s.channels, s.channels);
                var xs = s.x.AsSpan(row * s.channels, s.channels);
                var res = s.result.AsSpan(row * s.channels, s.channels);
                int c = 0;
                for (; c <= s.channels - W; c += W)
                {
                    // γr(u − (Σu + x̂Σux̂)/M) = k·u + p·(x − μ) − k·Σu/M with k = γr, p = −k·r·Σux̂/M
                    var rc = new Vector<float>(r[c..]);
                    var k = new Vector<float>(g[c..]) * rc;
                    var p = -k * rc * new Vector<float>(sux[c..]) * inverseCount;
                    (k * new Vector<float>(us[c..]) + p * (new Vector<float>(xs[c..]) - new Vector<float>(mu[c..])) - k * new Vector<float>(su[c..]) * inverseCount).CopyTo(res[c..]);
                }
                for (; c < s.channels; c++) // the lanes' formula, so a channel's bits do not depend on the vector width
                {
                    float k = g[c] * r[c], p = -k * r[c] * sux[c] * inverseCount[0];
                    res[c] = k * us[c] + p * (xs[c] - mu[c]) - k * su[c] * inverseCount[0];
                }
            }
        }, elementsPerItem: channels);

    /// <summary>Σ v in float vectors (a row is short: S values).</summary>
    private static double RowSum(ReadOnlySpan<float> v)
    {
        var acc = Vector<float>.Zero;
        int i = 0;
        for (; i <= v.Length - Vector<float>.Count; i += Vector<float>.Count) acc += new Vector<float>(v[i..]);
        double sum = Vector.Sum(acc);
        for (; i < v.Length; i++) sum += v[i];
        return sum;
    }

    /// <summary>Σ (v − shift)².</summary>
    private static double RowSquares(ReadOnlySpan<float> v, float shift)
    {
        var acc = Vector<float>.Zero;
        int i = 0;
        for (; i <= v.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var d = new Vector<float>(v[i..]) - new Vector<float>(shift);
            acc += d * d;
        }
        double sum = Vector.Sum(acc);
        for (; i < v.Length; i++) sum += (double)(v[i] - shift) * (v[i] - shift);
        return sum;
    }

    /// <summary>Σ u·(x − shift).</summary>
    private static double RowDot(ReadOnlySpan<float> u, ReadOnlySpan<float> x, float shift)
    {
        var acc = Vector<float>.Zero;
        int i = 0;
        for (; i <= u.Length - Vector<float>.Count; i += Vector<float>.Count)
            acc += new Vector<float>(u[i..]) * (new Vector<float>(x[i..]) - new Vector<float>(shift));
        double sum = Vector.Sum(acc);
        for (; i < u.Length; i++) sum += (double)u[i] * (x[i] - shift);
        return sum;
    }

    private static void Affine(ReadOnlySpan<float> x, Span<float> y, float a, float b)
    {
        int i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count) (new Vector<float>(x[i..]) * a + new Vector<float>(b)).CopyTo(y[i..]);
        for (; i < x.Length; i++) y[i] = a * x[i] + b;
    }
}
