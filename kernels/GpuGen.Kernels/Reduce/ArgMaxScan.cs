namespace GpuGen.Kernels.Reduce;

/// <summary>The argmax scan shared by the device and host kernels.</summary>
public static class ArgMaxScan
{
    /// <summary>Index of the first maximum of row[0..length) (length ≥ 1), scanning in order;
    /// a NaN counts as the maximum (the first NaN wins), as in the max reduction.</summary>
    public static int Find<TRow>(TRow row, int length) where TRow : struct, IFloatRow
    {
        float best = row[0];
        int bestAt = 0;
        for (int l = 1; l < length; l++)
        {
            float v = row[l];
            if (!float.IsNaN(best) && (v > best || float.IsNaN(v)))
            {
                best = v;
                bestAt = l;
            }
        }
        return bestAt;
    }
}
