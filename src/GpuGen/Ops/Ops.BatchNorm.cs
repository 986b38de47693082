namespace GpuGen;

// Batch normalisation in training mode as one op on the fused kernels of GpuGen.Kernels.Norm:
// two passes forward (per-channel moments, then the affine map) and two backward (per-channel
// sums, then the input gradient), where the composed form took about ten ops forward and twenty
// backward. Under createGraph its backward is the same formula from recorded ops.
public static partial class Ops
{
    /// <summary>
    /// y = γ_c·(x − μ_c)/√(σ²_c + ε) + β_c over x [N, C, S], with μ_c and σ²_c (biased) the mean and
    /// variance of channel c's N·S values; returns them in <paramref name="mean"/> and
    /// <paramref name="variance"/> (not recorded: for the running estimates). Backward, with
    /// x̂ = (x − μ)·r, r = 1/√(σ² + ε), M = N·S and u the upstream gradient:
    /// <code>
    /// ∂L/∂β_c = Σu    ∂L/∂γ_c = Σu·x̂    ∂L/∂x = γ_c·r_c·(u − (Σu + x̂·Σu·x̂)/M)
    /// </code>
    /// by fused kernels; with createGraph from recorded ops (μ and σ² recomputed from x), so that
    /// it can be differentiated again.
    /// </summary>
    public static Tensor BatchNorm(Tensor x, Tensor gamma, Tensor beta, float eps, out Tensor mean, out Tensor variance)
    {
        const string op = "batchNorm";
        Check.Alive(op, "x", x);
        Check.Alive(op, "gamma", gamma);
        Check.Alive(op, "beta", beta);
        Check.SameDevice(op, "x", x, "gamma", gamma);
        Check.SameDevice(op, "x", x, "beta", beta);
        if (x.Rank != 3) throw new ShapeMismatchException($"{op}: x has shape {x.Shape}; expected [N, C, S]");
        int batch = x.Shape[0], channels = x.Shape[1], positions = x.Shape[2];
        if (gamma.Shape != Shape.Of(channels) || beta.Shape != Shape.Of(channels))
            throw new ShapeMismatchException($"{op}: γ {gamma.Shape} and β {beta.Shape} must both be [{channels}] for x {x.Shape}");
        if ((long)batch * positions < 2) throw new ShapeMismatchException($"{op}: needs at least 2 values per channel, got {batch} × {positions}");
        if (!(eps > 0)) throw new ArgumentException($"{op}: ε must be positive, got {eps}");
        var norm = x.Device.Backend.Norm;
        mean = Tensor.Empty(Shape.Of(channels), x.Device);
        variance = Tensor.Empty(Shape.Of(channels), x.Device);
        var invStd = Tensor.Empty(Shape.Of(channels), x.Device);
        norm.Moments(x, mean, variance, invStd, batch, channels, positions, eps);
        var y = Tensor.Empty(x.Shape, x.Device);
        var mu = mean; // an out parameter cannot be captured by the backward rule
        norm.Normalize(x, gamma, beta, mu, invStd, y, batch, channels, positions);
        return Autograd.Record(op, y, [x, gamma, beta], (u, _) =>
        {
            if (GradMode.Enabled) return BatchNormBackwardComposed(x, gamma, u, eps);
            var sumU = Tensor.Empty(Shape.Of(channels), x.Device);
            var sumUXhat = Tensor.Empty(Shape.Of(channels), x.Device);
            norm.Sums(x, u, mu, invStd, sumU, sumUXhat, batch, channels, positions);
            var gx = Tensor.Empty(x.Shape, x.Device);
            norm.InputGradient(x, u, gamma, mu, invStd, sumU, sumUXhat, gx, batch, channels, positions);
            return [gx, sumUXhat, sumU];
        });
    }

    /// <summary>The backward of <see cref="BatchNorm"/> from recorded ops.</summary>
    private static Tensor[] BatchNormBackwardComposed(Tensor x, Tensor gamma, Tensor u, float eps)
    {
        int channels = x.Shape[1];
        float count = (float)x.Shape[0] * x.Shape[2];
        var centred = Sub(x, Mean(Mean(x, 2, keepDim: true), 0, keepDim: true));
        var invStd = Rsqrt(Add(Mean(Mean(Square(centred), 2, keepDim: true), 0, keepDim: true), eps));
        var xhat = Mul(centred, invStd);
        var sumU = Sum(Sum(u, 2, keepDim: true), 0, keepDim: true);
        var sumUXhat = Sum(Sum(Mul(u, xhat), 2, keepDim: true), 0, keepDim: true);
        var gx = Mul(Mul(gamma.Reshape(1, channels, 1), invStd), Sub(u, Mul(Add(sumU, Mul(xhat, sumUXhat)), 1f / count)));
        return [gx, sumUXhat.Reshape(channels), sumU.Reshape(channels)];
    }
}
