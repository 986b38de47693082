using GpuGen;
using GpuGen.Data;
using GpuGen.Kernels.Augment;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// The augmentation kernel (random views for joint-embedding learning) on every device against a
/// double-precision reference of its map — the affine resampling with the elastic grid, bilinear with
/// zeros outside, intensity, cutout, noise from Ops.Normal on the same stream state, the clamp — and
/// its parameter draw against the ranges it promises.
/// </summary>
public class AugmentTests
{
    private const int Height = 12, Width = 10, Images = 9;

    private static float[] RandomImages(int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, Images * Height * Width).Select(_ => (float)rng.NextDouble()).ToArray();
    }

    private static double Grid(double gx, double gy, float[] g)
    {
        int i = gx < 1 ? 0 : 1, j = gy < 1 ? 0 : 1;
        double fx = gx - i, fy = gy - j;
        double At(int r, int c) => g[r * 3 + c];
        double top = At(j, i) + (At(j, i + 1) - At(j, i)) * fx, bottom = At(j + 1, i) + (At(j + 1, i + 1) - At(j + 1, i)) * fx;
        return top + (bottom - top) * fy;
    }

    /// <summary>The view in double from the kernel's drawn parameters (their ranges are checked below).</summary>
    private static double[] Reference(float[] images, Augmentation augmentation, ulong seed, ulong offset)
    {
        var settings = new AugmentSettings
        {
            CropScaleMin = augmentation.CropScaleMin, AspectMax = augmentation.AspectMax, RotateDegrees = augmentation.RotateDegrees,
            ShiftPixels = augmentation.ShiftPixels, ElasticPixels = augmentation.ElasticPixels, Brightness = augmentation.Brightness,
            Contrast = augmentation.Contrast, CutoutSize = augmentation.CutoutSize, CutoutProbability = augmentation.CutoutProbability,
            NoiseStd = augmentation.NoiseStd, Height = Height, Width = Width,
        };
        var noise = Ops.Normal(Shape.Of(images.Length), new Generator(seed, offset), TestSupport.Cpu).ToArray();
        var result = new double[images.Length];
        for (int n = 0; n < Images; n++)
        {
            var p = AugmentKernels.Draw(n, settings, seed, offset);
            float[] ex = [p.E0, p.E1, p.E2, p.E3, p.E4, p.E5, p.E6, p.E7, p.E8], ey = [p.F0, p.F1, p.F2, p.F3, p.F4, p.F5, p.F6, p.F7, p.F8];
            double Pixel(int r, int c) => r >= 0 && r < Height && c >= 0 && c < Width ? images[n * Height * Width + r * Width + c] : 0;
            for (int r = 0; r < Height; r++)
                for (int c = 0; c < Width; c++)
                {
                    double u = c + 0.5 - Width / 2.0, v = r + 0.5 - Height / 2.0;
                    double gx = 2.0 * c / (Width - 1), gy = 2.0 * r / (Height - 1);
                    double x = (double)p.M00 * u + (double)p.M01 * v + p.Tx + Grid(gx, gy, ex) + Width / 2.0 - 0.5;
                    double y = (double)p.M10 * u + (double)p.M11 * v + p.Ty + Grid(gx, gy, ey) + Height / 2.0 - 0.5;
                    int c0 = (int)Math.Floor(x), r0 = (int)Math.Floor(y);
                    double ax = x - c0, ay = y - r0;
                    double value = (Pixel(r0, c0) * (1 - ax) + Pixel(r0, c0 + 1) * ax) * (1 - ay) + (Pixel(r0 + 1, c0) * (1 - ax) + Pixel(r0 + 1, c0 + 1) * ax) * ay;
                    value = value * p.Contrast + p.Brightness;
                    if (p.CutoutSize > 0 && r >= p.CutoutRow && r < p.CutoutRow + p.CutoutSize && c >= p.CutoutCol && c < p.CutoutCol + p.CutoutSize) value = 0;
                    int i = n * Height * Width + r * Width + c;
                    result[i] = Math.Clamp(value + augmentation.NoiseStd * noise[i], 0, 1);
                }
        }
        return result;
    }

    private static readonly Augmentation Strong = Augmentation.Digits with { CutoutSize = 4, CutoutProbability = 0.7f };

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void ViewsFollowTheReferenceMap(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var pixels = RandomImages(1);
        var images = Tensor.FromArray(pixels, Shape.Of(Images, Height * Width), device);
        foreach (var (augmentation, offset) in new[] { (Strong, 3UL), (Augmentation.ShiftsAndNoise, 4UL), (Strong with { NoiseStd = 0f }, 5UL) })
        {
            var views = Ops.Augment(images, augmentation, new Generator(7, offset), Height, Width).ToArray();
            var expected = Reference(pixels, augmentation, 7, offset);
            for (int i = 0; i < views.Length; i++)
                Assert.That(views[i], Is.EqualTo(expected[i]).Within(2e-5), $"pixel {i} on {deviceName} ({augmentation})");
            Assert.That(views.Distinct().Count(), Is.GreaterThan(views.Length / 2), "the views are not constant");
        }
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.SimulatedGpus))]
    public void DeviceViewsAreTheHostsBits(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var pixels = RandomImages(2);
        var onDevice = Ops.Augment(Tensor.FromArray(pixels, Shape.Of(Images, 1, Height, Width), device), Strong, new Generator(11, 2), Height, Width);
        var onHost = Ops.Augment(Tensor.FromArray(pixels, Shape.Of(Images, 1, Height, Width), TestSupport.Cpu), Strong, new Generator(11, 2), Height, Width);
        Assert.That(onDevice.Shape, Is.EqualTo(Shape.Of(Images, 1, Height, Width)));
        TestSupport.AssertSameBitsOrUlps(onDevice.ToArray(), onHost.ToArray(), device, $"views on {deviceName}");
    }

    [Test]
    public void NoAugmentationIsTheIdentity()
    {
        using var scope = new TensorScope();
        var pixels = RandomImages(3);
        var views = Ops.Augment(Tensor.FromArray(pixels, Shape.Of(Images, Height * Width), TestSupport.Cpu), Augmentation.None, new Generator(1), Height, Width);
        Assert.That(views.ToArray(), Is.EqualTo(pixels));
    }

    [Test]
    public void TheSameStreamGivesTheSameViewsAndTheNextCallOthers()
    {
        using var scope = new TensorScope();
        var images = Tensor.FromArray(RandomImages(4), Shape.Of(Images, Height * Width), TestSupport.Cpu);
        var stream = new Generator(5);
        var first = Ops.Augment(images, Strong, stream, Height, Width).ToArray();
        var second = Ops.Augment(images, Strong, stream, Height, Width).ToArray();
        var replay = Ops.Augment(images, Strong, new Generator(5), Height, Width).ToArray();
        Assert.That(replay, Is.EqualTo(first));
        Assert.That(second.Zip(first).Count(p => p.First != p.Second), Is.GreaterThan(first.Length / 2), "a second view differs");
    }

    /// <summary>Each parameter inside its promised range, and spread over it (not stuck at one value).</summary>
    [Test]
    public void DrawnParametersStayInTheirRanges()
    {
        var a = Augmentation.Digits;
        var s = new AugmentSettings
        {
            CropScaleMin = a.CropScaleMin, AspectMax = a.AspectMax, RotateDegrees = a.RotateDegrees, ShiftPixels = a.ShiftPixels, ElasticPixels = a.ElasticPixels,
            Brightness = a.Brightness, Contrast = a.Contrast, CutoutSize = a.CutoutSize, CutoutProbability = a.CutoutProbability, NoiseStd = a.NoiseStd, Height = 28, Width = 28,
        };
        var angles = new List<double>();
        var areas = new List<double>();
        int cutouts = 0;
        for (int n = 0; n < 2000; n++)
        {
            var p = AugmentKernels.Draw(n, s, 9, 1);
            double angle = Math.Atan2(p.M10, p.M00) * 180 / Math.PI, area = (double)p.M00 * p.M11 - (double)p.M01 * p.M10;
            angles.Add(angle);
            areas.Add(area);
            Assert.That(area, Is.InRange(a.CropScaleMin * 0.75 - 1e-6, 1 + 1e-6), "the crop's area (clamped to the frame)");
            Assert.That(Math.Abs(angle), Is.LessThanOrEqualTo(a.RotateDegrees + 1e-3));
            Assert.That(p.Brightness, Is.InRange(-a.Brightness, a.Brightness));
            Assert.That(p.Contrast, Is.InRange(1 - a.Contrast, 1 + a.Contrast));
            foreach (var e in new[] { p.E0, p.E4, p.E8, p.F0, p.F4, p.F8 }) Assert.That(Math.Abs(e), Is.LessThanOrEqualTo(a.ElasticPixels));
            if (p.CutoutSize > 0)
            {
                cutouts++;
                Assert.That(p.CutoutRow, Is.InRange(0, 28 - a.CutoutSize));
                Assert.That(p.CutoutCol, Is.InRange(0, 28 - a.CutoutSize));
            }
        }
        Assert.That(angles.Max() - angles.Min(), Is.GreaterThan(1.8 * a.RotateDegrees), "rotations cover the range");
        Assert.That(areas.Min(), Is.LessThan(a.CropScaleMin + 0.05));
        Assert.That(cutouts / 2000.0, Is.EqualTo(a.CutoutProbability).Within(0.04));
    }

    [Test]
    public void BadInputIsOneClearError()
    {
        using var scope = new TensorScope();
        var images = Tensor.FromArray(RandomImages(6), Shape.Of(Images, Height * Width), TestSupport.Cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Augment(images, Strong, new Generator(1)))!.Message, Does.StartWith("augment: images have shape"));
        Assert.That(Assert.Throws<ArgumentException>(() => Ops.Augment(images, Strong with { CropScaleMin = 0 }, new Generator(1), Height, Width))!.Message, Does.Contain("crop scale"));
        Assert.That(Assert.Throws<ArgumentException>(() => Ops.Augment(images, Strong with { CutoutSize = 11 }, new Generator(1), Height, Width))!.Message, Does.Contain("does not fit"));
    }

    [Test]
    public void DescriptionNamesThePresetAndOnlyTheDistortionsThatAreOn()
    {
        Assert.That(Augmentation.Mild.ToString(), Is.EqualTo("mild: ±10° rotation, ±2 px shift, ±1 px warp"));
        Assert.That(Augmentation.None.ToString(), Is.EqualTo("none: identity"));
        Assert.That((Augmentation.Mild with { NoiseStd = 0.05f }).ToString(), Is.EqualTo("±10° rotation, ±2 px shift, ±1 px warp, noise σ 0.05"));
        Assert.That(Augmentation.Digits.ToString(), Does.StartWith("digits: crop ≥ 40 % (aspect ≤ 1.33), ±15° rotation"));
        Assert.That((Augmentation.None with { AspectMax = 2f }).ToString(), Is.EqualTo("crop ≥ 100 % (aspect ≤ 2)"), "a strip of the full area is still a crop");
    }
}
