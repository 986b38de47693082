using System.Globalization;
using GpuGen.Kernels.Augment;

namespace GpuGen.Data;

/// <summary>
/// How <see cref="Ops.Augment"/> distorts a view of an image: the ranges of its random resized crop,
/// rotation, shift, elastic warp, brightness/contrast, cutout and pixel noise (see
/// <see cref="AugmentKernels"/> for the exact map). <see cref="Digits"/> is the default for
/// joint-embedding training; <see cref="ShiftsAndNoise"/> is the weak baseline that, measured on a
/// reference, teaches a small MLP encoder less than a linear probe gets from raw pixels.
/// </summary>
public sealed record Augmentation
{
    public float CropScaleMin { get; init; } = 1f;
    public float AspectMax { get; init; } = 1f;
    public float RotateDegrees { get; init; }
    public float ShiftPixels { get; init; }
    public float ElasticPixels { get; init; }
    public float Brightness { get; init; }
    public float Contrast { get; init; }
    public int CutoutSize { get; init; }
    public float CutoutProbability { get; init; }
    public float NoiseStd { get; init; }

    /// <summary>No distortion at all: a view is the image (the identity, for tests and probes).</summary>
    public static Augmentation None { get; } = new();

    /// <summary>
    /// Strong views of 28 × 28 digits, SimCLR's recipe scaled to MNIST: crops of 40–100% of the area
    /// (aspect 3:4 to 4:3) resized to the frame, ±15° rotation, ±2-pixel shift, ±1.5-pixel elastic warp,
    /// ±0.2 brightness and 1 ± 0.4 contrast, an 10 × 10 cutout half the time, and N(0, 0.1²) noise.
    /// </summary>
    public static Augmentation Digits { get; } = new()
    {
        CropScaleMin = 0.4f, AspectMax = 4f / 3f, RotateDegrees = 15f, ShiftPixels = 2f, ElasticPixels = 1.5f,
        Brightness = 0.2f, Contrast = 0.4f, CutoutSize = 10, CutoutProbability = 0.5f, NoiseStd = 0.1f,
    };

    /// <summary>±3-pixel shifts and N(0, 0.1²) noise only: too weak to beat raw pixels (kept to show it).</summary>
    public static Augmentation ShiftsAndNoise { get; } = new() { ShiftPixels = 3f, NoiseStd = 0.1f };

    /// <summary>±10° rotation, ±2-pixel shift and a ±1-pixel elastic warp, no intensity change: views that an
    /// autoencoder can still reconstruct, DEC-DA's augmentation of digits (its ±10° and ±10% shifts).</summary>
    public static Augmentation Mild { get; } = new() { RotateDegrees = 10f, ShiftPixels = 2f, ElasticPixels = 1f };

    /// <summary>The presets by name, for the command line.</summary>
    public static IReadOnlyDictionary<string, Augmentation> Presets { get; } = new Dictionary<string, Augmentation>
    {
        ["digits"] = Digits, ["mild"] = Mild, ["weak"] = ShiftsAndNoise, ["none"] = None,
    };

    /// <summary>One line naming the first range that is out of bounds, or null.</summary>
    public string? Problem()
    {
        if (!(CropScaleMin > 0 && CropScaleMin <= 1)) return $"the crop scale must be in (0, 1], got {CropScaleMin}";
        if (!(AspectMax >= 1 && AspectMax <= 4)) return $"the aspect bound must be in [1, 4], got {AspectMax}";
        if (!(RotateDegrees >= 0 && RotateDegrees <= 180)) return $"the rotation must be in [0°, 180°], got {RotateDegrees}";
        foreach (var (name, v) in new[] { ("shift", ShiftPixels), ("elastic warp", ElasticPixels), ("brightness", Brightness), ("noise", NoiseStd) })
            if (!(v >= 0 && float.IsFinite(v))) return $"the {name} must be finite and ≥ 0, got {v}";
        if (!(Contrast >= 0 && Contrast < 1)) return $"the contrast range must be in [0, 1), got {Contrast}";
        if (CutoutSize < 0) return $"the cutout size must be ≥ 0, got {CutoutSize}";
        if (!(CutoutProbability >= 0 && CutoutProbability <= 1)) return $"the cutout probability must be in [0, 1], got {CutoutProbability}";
        return null;
    }

    internal AugmentSettings Settings(int height, int width) => new()
    {
        CropScaleMin = CropScaleMin, AspectMax = AspectMax, RotateDegrees = RotateDegrees, ShiftPixels = ShiftPixels,
        ElasticPixels = ElasticPixels, Brightness = Brightness, Contrast = Contrast, CutoutSize = CutoutSize,
        CutoutProbability = CutoutProbability, NoiseStd = NoiseStd, Height = height, Width = width,
    };

    /// <summary>The preset's name, if it is one, and the distortions that are on, e.g.
    /// "mild: ±10° rotation, ±2 px shift, ±1 px warp" (recorded in checkpoints and metrics).</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        var parts = new List<string>();
        if (CropScaleMin < 1 || AspectMax > 1) parts.Add(string.Format(inv, "crop ≥ {0:P0} (aspect ≤ {1:G3})", CropScaleMin, AspectMax));
        if (RotateDegrees > 0) parts.Add(string.Format(inv, "±{0}° rotation", RotateDegrees));
        if (ShiftPixels > 0) parts.Add(string.Format(inv, "±{0} px shift", ShiftPixels));
        if (ElasticPixels > 0) parts.Add(string.Format(inv, "±{0} px warp", ElasticPixels));
        if (Brightness > 0) parts.Add(string.Format(inv, "±{0} brightness", Brightness));
        if (Contrast > 0) parts.Add(string.Format(inv, "1 ± {0} contrast", Contrast));
        if (CutoutSize > 0 && CutoutProbability > 0) parts.Add(string.Format(inv, "{0} px cutout p {1}", CutoutSize, CutoutProbability));
        if (NoiseStd > 0) parts.Add(string.Format(inv, "noise σ {0}", NoiseStd));
        var ranges = parts.Count == 0 ? "identity" : string.Join(", ", parts);
        var preset = Presets.FirstOrDefault(p => p.Value == this).Key;
        return preset is null ? ranges : $"{preset}: {ranges}";
    }
}
