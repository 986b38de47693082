namespace GpuGen.Kernels.Random;

/// <summary>The categorical draw shared by the device and host kernels.</summary>
public static class CategoricalChoice
{
    /// <summary>
    /// Inverse CDF: the first class whose running weight exceeds u·Σweights, for u uniform on
    /// [0, 1). Classes of zero weight are never drawn; if rounding leaves the target at or past
    /// the running total, the last class with weight is taken.
    /// </summary>
    public static int Pick<TRow>(TRow weights, int classes, float u) where TRow : struct, IFloatRow
    {
        float total = 0f;
        for (int k = 0; k < classes; k++) total += weights[k];
        float target = u * total, running = 0f;
        for (int k = 0; k < classes; k++)
        {
            float w = weights[k];
            running += w;
            if (w > 0f && target < running) return k;
        }
        int last = classes - 1;
        while (last > 0 && !(weights[last] > 0f)) last--;
        return last;
    }
}
