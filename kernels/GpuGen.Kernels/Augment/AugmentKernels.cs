using GpuGen.Kernels.Host;
using GpuGen.Kernels.Random;
using ILGPU;

namespace GpuGen.Kernels.Augment;

/// <summary>
/// How strongly a view of an image is distorted: the ranges each image's parameters are drawn from.
/// Zero turns a distortion off (and a crop scale of 1 with aspect 1 keeps the whole frame).
/// </summary>
public struct AugmentSettings
{
    /// <summary>Random resized crop: the crop's area as a fraction of the image, uniform on [CropScaleMin, 1].</summary>
    public float CropScaleMin;
    /// <summary>The crop's aspect ratio (width/height), log-uniform on [1/AspectMax, AspectMax] (≥ 1).</summary>
    public float AspectMax;
    /// <summary>Rotation, uniform on ±RotateDegrees.</summary>
    public float RotateDegrees;
    /// <summary>Translation after the crop, uniform on ±ShiftPixels in each axis.</summary>
    public float ShiftPixels;
    /// <summary>Elastic distortion: a smooth random displacement, up to ±ElasticPixels, interpolated from a
    /// 3 × 3 grid of uniform offsets (a low-frequency stand-in for Simard et al.'s smoothed random field).</summary>
    public float ElasticPixels;
    /// <summary>Intensity v·c + b with b uniform on ±Brightness and c uniform on 1 ± Contrast.</summary>
    public float Brightness, Contrast;
    /// <summary>Cutout (DeVries &amp; Taylor 2017): with probability CutoutProbability a CutoutSize × CutoutSize
    /// square, placed uniformly inside the frame, is set to 0.</summary>
    public int CutoutSize;
    public float CutoutProbability;
    /// <summary>Gaussian pixel noise N(0, NoiseStd²), added last; the result is clamped to [0, 1].</summary>
    public float NoiseStd;
    public int Height, Width;
}

/// <summary>One image's draw: the affine map from output to source pixels, the elastic grid, intensity, cutout.</summary>
public struct ViewParameters
{
    /// <summary>Source = M·(u, v) + (Tx, Ty) for centred output coordinates (u, v), in pixels.</summary>
    public float M00, M01, M10, M11, Tx, Ty;
    public float Contrast, Brightness;
    public int CutoutRow, CutoutCol, CutoutSize;
    /// <summary>The elastic grid's 3 × 3 offsets in x, then in y (row-major), in pixels.</summary>
    public float E0, E1, E2, E3, E4, E5, E6, E7, E8, F0, F1, F2, F3, F4, F5, F6, F7, F8;
}

/// <summary>Where <see cref="AugmentKernels.Resample{TImages}"/> reads pixels: a device view or a host array.</summary>
public interface IPixels
{
    float Read(int index);
}

public readonly struct ViewPixels(ArrayView<float> view) : IPixels
{
    private readonly ArrayView<float> _view = view;
    public float Read(int index) => _view[index];
}

public readonly struct ArrayPixels(float[] array, int offset) : IPixels
{
    private readonly float[] _array = array;
    private readonly int _offset = offset;
    public float Read(int index) => _array[_offset + index];
}

public struct AugmentArgs
{
    /// <summary>Images [N, Height·Width] in; views of the same shape out.</summary>
    public ArrayView<float> Images, Views;
    public AugmentSettings S;
    public ulong Seed, Offset;
    public long Align8;
}

/// <summary>
/// Random views of images for joint-embedding learning (SimCLR's augmentations, for digits): per image,
/// a random resized crop, a rotation, a shift and an elastic warp composed into one resampling
/// (bilinear, zeros outside the frame), then brightness/contrast, cutout and Gaussian noise, clamped
/// to [0, 1]. Reproducible from (seed, offset) on every device:
/// <code>
/// image n's parameters  from Philox blocks (n, k, offset) for k = 1 … 8 (32 uniforms; counter word 1 = k ≠ 0)
/// pixel i's noise       from Philox.ForElement(i, seed, offset) (counter word 1 = 0), as Ops.Normal draws
/// output (r, c)         u = c + ½ − W/2, v = r + ½ − H/2 (centred);  (x, y) = M·(u, v) + T + elastic(r, c) + (W/2 − ½, H/2 − ½)
///                       value = bilinear(image, x, y) · contrast + brightness; 0 inside the cutout; + σ·z; clamp [0, 1]
/// </code>
/// M = R(θ)·diag(crop width/W, crop height/H): the output frame spans the crop, rotated. Device: one
/// thread per output pixel, each drawing its image's parameters (8 Philox blocks, cheap beside a
/// GPU's memory traffic); host: the parameters once per image, then its pixels, the normals 16 at a
/// time (<see cref="RandomHost.Fill{TDist}"/>). Same per-pixel functions, so cpu and ilgpu-cpu agree to the bit.
/// </summary>
public static class AugmentKernels
{
    private const float DegreesToRadians = 0.017453292519943295f;

    private static UInt4 ParameterBlock(int image, uint k, ulong seed, ulong offset) =>
        Philox.Block(new UInt4((uint)image, k, (uint)offset, (uint)(offset >> 32)), (uint)seed, (uint)(seed >> 32));

    private static float Symmetric(uint bits, float range) => (2f * Philox.ToUniform(bits) - 1f) * range;

    /// <summary>Image <paramref name="image"/>'s parameters for the call keyed (seed, offset).</summary>
    public static ViewParameters Draw(int image, in AugmentSettings s, ulong seed, ulong offset)
    {
        var b1 = ParameterBlock(image, 1, seed, offset);
        var b2 = ParameterBlock(image, 2, seed, offset);
        var b3 = ParameterBlock(image, 3, seed, offset);
        float area = s.CropScaleMin + (1f - s.CropScaleMin) * Philox.ToUniform(b1.X);
        float logAspect = Symmetric(b1.Y, MathF.Log(s.AspectMax));
        float aspect = MathF.Exp(logAspect);
        float cropW = MathF.Min(MathF.Sqrt(area * aspect), 1f), cropH = MathF.Min(MathF.Sqrt(area / aspect), 1f); // fractions of the frame
        // the crop's centre, uniform over the positions that keep the crop inside the frame (centred, in pixels)
        float centreX = (cropW * 0.5f + (1f - cropW) * Philox.ToUniform(b1.Z) - 0.5f) * s.Width;
        float centreY = (cropH * 0.5f + (1f - cropH) * Philox.ToUniform(b1.W) - 0.5f) * s.Height;
        float angle = Symmetric(b2.X, s.RotateDegrees) * DegreesToRadians;
        float cos = MathF.Cos(angle), sin = MathF.Sin(angle);
        var p = new ViewParameters
        {
            M00 = cos * cropW, M01 = -sin * cropH, M10 = sin * cropW, M11 = cos * cropH,
            Tx = centreX + Symmetric(b2.Y, s.ShiftPixels), Ty = centreY + Symmetric(b2.Z, s.ShiftPixels),
            Brightness = Symmetric(b2.W, s.Brightness), Contrast = 1f + Symmetric(b3.X, s.Contrast),
            CutoutSize = 0,
        };
        if (s.CutoutSize > 0 && Philox.ToUniform(b3.Y) < s.CutoutProbability)
        {
            // integer positions from the bits themselves: no float rounding can move the square between devices
            p.CutoutSize = s.CutoutSize;
            p.CutoutRow = (int)((b3.Z >> 8) % (uint)(s.Height - s.CutoutSize + 1));
            p.CutoutCol = (int)((b3.W >> 8) % (uint)(s.Width - s.CutoutSize + 1));
        }
        var e1 = ParameterBlock(image, 4, seed, offset);
        var e2 = ParameterBlock(image, 5, seed, offset);
        var e3 = ParameterBlock(image, 6, seed, offset);
        var e4 = ParameterBlock(image, 7, seed, offset);
        var e5 = ParameterBlock(image, 8, seed, offset);
        float a = s.ElasticPixels;
        p.E0 = Symmetric(e1.X, a); p.E1 = Symmetric(e1.Y, a); p.E2 = Symmetric(e1.Z, a); p.E3 = Symmetric(e1.W, a);
        p.E4 = Symmetric(e2.X, a); p.E5 = Symmetric(e2.Y, a); p.E6 = Symmetric(e2.Z, a); p.E7 = Symmetric(e2.W, a);
        p.E8 = Symmetric(e3.X, a); p.F0 = Symmetric(e3.Y, a); p.F1 = Symmetric(e3.Z, a); p.F2 = Symmetric(e3.W, a);
        p.F3 = Symmetric(e4.X, a); p.F4 = Symmetric(e4.Y, a); p.F5 = Symmetric(e4.Z, a); p.F6 = Symmetric(e4.W, a);
        p.F7 = Symmetric(e5.X, a); p.F8 = Symmetric(e5.Y, a);
        return p;
    }

    /// <summary>Bilinear interpolation of a 3 × 3 grid (g0 … g8, row-major) spanning the frame, at fractions gx, gy ∈ [0, 2].</summary>
    private static float Grid(float gx, float gy, float g0, float g1, float g2, float g3, float g4, float g5, float g6, float g7, float g8)
    {
        int i = gx < 1f ? 0 : 1, j = gy < 1f ? 0 : 1;
        float fx = gx - i, fy = gy - j;
        float top = j == 0 ? (i == 0 ? g0 + (g1 - g0) * fx : g1 + (g2 - g1) * fx) : (i == 0 ? g3 + (g4 - g3) * fx : g4 + (g5 - g4) * fx);
        float bottom = j == 0 ? (i == 0 ? g3 + (g4 - g3) * fx : g4 + (g5 - g4) * fx) : (i == 0 ? g6 + (g7 - g6) * fx : g7 + (g8 - g7) * fx);
        return top + (bottom - top) * fy;
    }

    private static float Pixel<TImages>(TImages images, int imageStart, int row, int col, int height, int width) where TImages : struct, IPixels =>
        row >= 0 && row < height && col >= 0 && col < width ? images.Read(imageStart + row * width + col) : 0f;

    /// <summary>Output pixel (row, col) of a view of the image at <paramref name="imageStart"/>, before noise.</summary>
    public static float Resample<TImages>(TImages images, int imageStart, int row, int col, in AugmentSettings s, in ViewParameters p) where TImages : struct, IPixels
    {
        float u = col + 0.5f - s.Width * 0.5f, v = row + 0.5f - s.Height * 0.5f;
        float gx = s.Width > 1 ? 2f * col / (s.Width - 1) : 0f, gy = s.Height > 1 ? 2f * row / (s.Height - 1) : 0f;
        float x = p.M00 * u + p.M01 * v + p.Tx + Grid(gx, gy, p.E0, p.E1, p.E2, p.E3, p.E4, p.E5, p.E6, p.E7, p.E8) + s.Width * 0.5f - 0.5f;
        float y = p.M10 * u + p.M11 * v + p.Ty + Grid(gx, gy, p.F0, p.F1, p.F2, p.F3, p.F4, p.F5, p.F6, p.F7, p.F8) + s.Height * 0.5f - 0.5f;
        float value = 0f;
        if (x > -1f && x < s.Width && y > -1f && y < s.Height)
        {
            float fx = MathF.Floor(x), fy = MathF.Floor(y);
            int c0 = (int)fx, r0 = (int)fy;
            float ax = x - fx, ay = y - fy;
            float top = Pixel(images, imageStart, r0, c0, s.Height, s.Width) * (1f - ax) + Pixel(images, imageStart, r0, c0 + 1, s.Height, s.Width) * ax;
            float bottom = Pixel(images, imageStart, r0 + 1, c0, s.Height, s.Width) * (1f - ax) + Pixel(images, imageStart, r0 + 1, c0 + 1, s.Height, s.Width) * ax;
            value = top * (1f - ay) + bottom * ay;
        }
        value = value * p.Contrast + p.Brightness;
        if (p.CutoutSize > 0 && row >= p.CutoutRow && row < p.CutoutRow + p.CutoutSize && col >= p.CutoutCol && col < p.CutoutCol + p.CutoutSize) value = 0f;
        return value;
    }

    /// <summary>Noise and the clamp to [0, 1] (NaN stays NaN).</summary>
    public static float Finish(float value, float noise, float std)
    {
        float v = value + std * noise;
        return v < 0f ? 0f : v > 1f ? 1f : v;
    }

    // ---- device

    public static void AugmentDevice(Index1D i, AugmentArgs a)
    {
        int pixels = a.S.Height * a.S.Width;
        int image = i / pixels, within = i - image * pixels;
        var p = Draw(image, a.S, a.Seed, a.Offset);
        float value = Resample(new ViewPixels(a.Images), image * pixels, within / a.S.Width, within % a.S.Width, a.S, p);
        float noise = a.S.NoiseStd != 0f ? new NormalDistribution(0f, 1f).Sample(Philox.ForElement(i, a.Seed, a.Offset)) : 0f;
        a.Views[i] = Finish(value, noise, a.S.NoiseStd);
    }

    // ---- host

    public static void AugmentHost(ArraySegment<float> images, ArraySegment<float> views, AugmentSettings settings, ulong seed, ulong offset)
    {
        int pixels = settings.Height * settings.Width;
        HostParallel.For(views.Count / pixels, (images, views, settings, seed, offset, pixels), static (start, count, s) =>
        {
            var source = new ArrayPixels(s.images.Array!, s.images.Offset);
            for (int image = start; image < start + count; image++)
            {
                var p = Draw(image, s.settings, s.seed, s.offset);
                var y = s.views.AsSpan(image * s.pixels, s.pixels);
                if (s.settings.NoiseStd != 0f) RandomHost.Fill(new NormalDistribution(0f, 1f), y, image * s.pixels, s.seed, s.offset);
                else y.Clear();
                for (int within = 0; within < s.pixels; within++)
                    y[within] = Finish(Resample(source, image * s.pixels, within / s.settings.Width, within % s.settings.Width, s.settings, p), y[within], s.settings.NoiseStd);
            }
        }, elementsPerItem: 24L * pixels);
    }
}
