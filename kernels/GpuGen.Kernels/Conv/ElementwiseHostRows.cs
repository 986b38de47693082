using System.Runtime.Intrinsics;

namespace GpuGen.Kernels.Conv;

/// <summary>Row helpers for the convolution host kernels.</summary>
internal static class ElementwiseHostRows
{
    /// <summary>target[i] = source[i] + value.</summary>
    public static void AddScalar(ReadOnlySpan<float> source, float value, Span<float> target)
    {
        int i = 0, w = Vector512<float>.Count;
        if (Vector512.IsHardwareAccelerated)
        {
            var v = Vector512.Create(value);
            for (; i <= source.Length - w; i += w) (Vector512.Create(source.Slice(i, w)) + v).CopyTo(target.Slice(i, w));
        }
        for (; i < source.Length; i++) target[i] = source[i] + value;
    }
}
