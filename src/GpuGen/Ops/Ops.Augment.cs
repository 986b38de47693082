using GpuGen.Data;

namespace GpuGen;

// Augmentation: random views of images for joint-embedding learning, one fused kernel
// (GpuGen.Kernels.Augment). Not recorded: a view is data, like a batch, and nothing differentiates
// through it.
public static partial class Ops
{
    /// <summary>
    /// One random view of each image: images [N, H·W] (or [N, 1, H, W]) with intensities in [0, 1], the
    /// view of the same shape, drawn from <paramref name="generator"/> (one call, one offset: each image
    /// gets its own crop, rotation, warp, intensity change, cutout and noise, the same on every device for
    /// the same stream state). Call it again for a second, independent view.
    /// </summary>
    public static Tensor Augment(Tensor images, Augmentation augmentation, Generator generator, int height = 28, int width = 28)
    {
        const string op = "augment";
        Check.Alive(op, "images", images);
        if (augmentation.Problem() is { } problem) throw new ArgumentException($"{op}: {problem}");
        if (height <= 0 || width <= 0) throw new ArgumentException($"{op}: the image size must be positive, got {height} × {width}");
        if (images.Rank < 2 || images.Shape[0] == 0 || images.Length != (long)images.Shape[0] * height * width)
            throw new ShapeMismatchException($"{op}: images have shape {images.Shape}; expected [N, {height * width}] or [N, 1, {height}, {width}] with N ≥ 1");
        if (augmentation.CutoutSize > Math.Min(height, width))
            throw new ArgumentException($"{op}: a {augmentation.CutoutSize}-pixel cutout does not fit a {height} × {width} image");
        var (seed, offset) = generator.Next();
        var views = Tensor.Empty(images.Shape, images.Device);
        images.Device.Backend.Augment.Views(images, views, augmentation.Settings(height, width), seed, offset);
        return views;
    }
}
