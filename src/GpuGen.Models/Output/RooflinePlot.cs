using GpuGen.IO;
using GpuGen.Launch;

namespace GpuGen.Models.Output;

/// <summary>
/// The roofline picture of a profile (Williams et al. 2009), log-log: attainable GFLOP/s =
/// min(peak FLOP/s, intensity · bandwidth) as the two ceilings, and one labelled point per kernel at its
/// arithmetic intensity (declared FLOPs per declared byte) and achieved GFLOP/s. Axes hold log₁₀ values
/// with labels in plain units. Kernels that declared no FLOPs or no bytes have no place on it and are
/// left out (the report still lists them).
/// </summary>
public static class RooflinePlot
{
    public static void SavePng(string path, ProfileReport report, DevicePeaks peaks, int labelled = 12)
    {
        var plot = new ScottPlot.Plot();
        var points = report.Kernels.Where(k => k.Flops > 0 && k.Bytes > 0 && k.Total > TimeSpan.Zero).ToList();
        double minIntensity = Math.Min(peaks.RidgeFlopsPerByte / 100, points.Count > 0 ? points.Min(k => k.Intensity) / 2 : 1);
        double maxIntensity = Math.Max(peaks.RidgeFlopsPerByte * 100, points.Count > 0 ? points.Max(k => k.Intensity) * 2 : 1);

        // the ceilings: the bandwidth slope up to the ridge, then the flat compute peak
        double[] ceilingX = [Math.Log10(minIntensity), Math.Log10(peaks.RidgeFlopsPerByte), Math.Log10(maxIntensity)];
        double[] ceilingY = [Math.Log10(minIntensity * peaks.CopyGBps), Math.Log10(peaks.FmaGflops), Math.Log10(peaks.FmaGflops)];
        var ceiling = plot.Add.Scatter(ceilingX, ceilingY);
        ceiling.LegendText = $"ceilings: {peaks.FmaGflops:N0} GFLOP/s, {peaks.CopyGBps:N0} GB/s";
        ceiling.MarkerSize = 0;
        ceiling.LineWidth = 2;

        if (points.Count > 0)
        {
            var kernels = plot.Add.ScatterPoints(points.Select(k => Math.Log10(k.Intensity)).ToArray(), points.Select(k => Math.Log10(Math.Max(k.GFlopsPerSecond, 1e-6))).ToArray());
            kernels.LegendText = "kernels (intensity, achieved GFLOP/s)";
            kernels.MarkerSize = 7;
            foreach (var k in points.Take(labelled)) // the costliest, as the report sorts them
            {
                var label = plot.Add.Text(Short(k.Kernel), Math.Log10(k.Intensity), Math.Log10(Math.Max(k.GFlopsPerSecond, 1e-6)));
                label.LabelFontSize = 10;
            }
        }
        var logTicks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => Pow10Label(v),
        };
        plot.Axes.Bottom.TickGenerator = logTicks;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => Pow10Label(v),
        };
        plot.Title($"Roofline of {peaks.Device} ({peaks.Description})");
        plot.XLabel("arithmetic intensity (FLOP per byte, declared)");
        plot.YLabel("achieved GFLOP/s");
        plot.ShowLegend();
        byte[] png = plot.GetImageBytes(1000, 650, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    private static string Pow10Label(double exponent)
    {
        double v = Math.Pow(10, exponent);
        return v >= 1 ? v.ToString("N0") : v.ToString("G2");
    }

    /// <summary>A kernel's label: its name without the family's "…Host"/"…Device" class where the method says enough.</summary>
    private static string Short(string kernel) => kernel.Replace("ElementwiseHost.", "").Replace("ElementwiseDevice.", "");
}
