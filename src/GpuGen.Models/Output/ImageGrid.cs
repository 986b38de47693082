using GpuGen.IO;
using SkiaSharp;

namespace GpuGen.Models.Output;

/// <summary>
/// Greyscale images (intensities in [0, 1], row-major) tiled into one PNG, each pixel drawn as a
/// <see cref="Scale"/> × <see cref="Scale"/> block (a 28 × 28 digit becomes 84 × 84, big enough to
/// look at), with a one-pixel gap between tiles. Written atomically (a temporary file, then a rename).
/// </summary>
public static class ImageGrid
{
    /// <summary>Screen pixels per image pixel (nearest neighbour).</summary>
    public const int Scale = 3;

    /// <summary>Writes <paramref name="images"/> [n, height·width] as a grid of <paramref name="columns"/> columns.</summary>
    public static void SavePng(string path, float[] images, int count, int height, int width, int columns)
    {
        if (count <= 0 || images.Length < count * height * width)
            throw new GpuGenException($"image grid: {images.Length} values do not hold {count} images of {height}×{width}");
        columns = Math.Max(1, Math.Min(columns, count));
        int rows = (count + columns - 1) / columns;
        images = Enlarge(images, count, height, width);
        (height, width) = (height * Scale, width * Scale);
        int gridWidth = columns * (width + 1) + 1, gridHeight = rows * (height + 1) + 1;
        using var bitmap = new SKBitmap(gridWidth, gridHeight, SKColorType.Gray8, SKAlphaType.Opaque);
        var pixels = new byte[gridWidth * gridHeight];
        Array.Fill(pixels, (byte)64); // the gaps: dark grey
        for (int k = 0; k < count; k++)
        {
            int top = k / columns * (height + 1) + 1, left = k % columns * (width + 1) + 1;
            for (int r = 0; r < height; r++)
                for (int c = 0; c < width; c++)
                {
                    float v = images[(k * height + r) * width + c];
                    pixels[(top + r) * gridWidth + left + c] = (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
                }
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, stream => png.SaveTo(stream));
    }

    /// <summary>Each image with every pixel repeated <see cref="Scale"/> times in each direction.</summary>
    private static float[] Enlarge(float[] images, int count, int height, int width)
    {
        var big = new float[count * height * width * Scale * Scale];
        int bigWidth = width * Scale;
        for (int k = 0; k < count; k++)
            for (int r = 0; r < height * Scale; r++)
                for (int c = 0; c < bigWidth; c++)
                    big[(k * height * Scale + r) * bigWidth + c] = images[(k * height + r / Scale) * width + c / Scale];
        return big;
    }
}
