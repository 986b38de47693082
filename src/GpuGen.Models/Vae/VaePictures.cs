using GpuGen.Data;
using GpuGen.Models.Output;

namespace GpuGen.Models.Vae;

/// <summary>The pictures of a trained VAE, as PNG grids (pixel probabilities shown as intensities).</summary>
public static class VaePictures
{
    /// <summary><paramref name="count"/> decodings of z ~ N(0, I).</summary>
    public static void Samples(Vae vae, int count, Device device, int rows, int cols, string path) =>
        ImageGrid.SavePng(path, SampleValues(vae, count, device), count, rows, cols, (int)Math.Ceiling(Math.Sqrt(count)));

    /// <summary><paramref name="count"/> decodings of z ~ N(0, I) as pixel probabilities in [0, 1], row-major [count, inputs].</summary>
    public static float[] SampleValues(Vae vae, int count, Device device)
    {
        using var scope = Enter(vae);
        var z = Ops.Normal(Shape.Of(count, vae.Latent), vae.Sampler, device);
        return Ops.Sigmoid(vae.Decode(z)).ToArray();
    }

    /// <summary>
    /// Latent-space interpolation: for 8 pairs of test digits (i, i + 8), 10 decodings of
    /// (1 − t)·μ(a) + t·μ(b), t = 0, 1/9, …, 1, one pair per row.
    /// </summary>
    public static void Interpolation(Vae vae, MnistSplit digits, Device device, string path)
    {
        using var scope = Enter(vae);
        const int pairs = 8, steps = 10;
        var codes = vae.Code(digits.Images(Enumerable.Range(0, 2 * pairs).ToArray(), device));
        var a = codes.Slice(0, pairs).Reshape(pairs, 1, vae.Latent);
        var b = codes.Slice(pairs, pairs).Reshape(pairs, 1, vae.Latent);
        var t = Tensor.FromArray(Enumerable.Range(0, steps).Select(i => i / (steps - 1f)).ToArray(), Shape.Of(1, steps, 1), device);
        var z = Ops.Add(Ops.Mul(a, Ops.Sub(1f, t)), Ops.Mul(b, t)).Reshape(pairs * steps, vae.Latent);
        ImageGrid.SavePng(path, Ops.Sigmoid(vae.Decode(z)).ToArray(), pairs * steps, digits.Rows, digits.Cols, steps);
    }

    private static IDisposable Enter(Vae vae)
    {
        vae.Eval();
        var scope = new TensorScope();
        var noGrad = Autograd.NoGrad();
        return new Both(noGrad, scope);
    }

    private sealed class Both(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            first.Dispose();
            second.Dispose();
        }
    }
}
