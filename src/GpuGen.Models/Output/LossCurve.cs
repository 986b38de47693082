using GpuGen.IO;

namespace GpuGen.Models.Output;

/// <summary>A training curve as a PNG line plot (ScottPlot), written atomically.</summary>
public static class LossCurve
{
    public static void SavePng(string path, string title, string yLabel, IReadOnlyList<(string Name, double[] X, double[] Y)> series)
    {
        var plot = new ScottPlot.Plot();
        foreach (var (name, x, y) in series)
        {
            var line = plot.Add.Scatter(x, y);
            line.LegendText = name;
            line.MarkerSize = 0;
        }
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.ShowLegend();
        byte[] png = plot.GetImageBytes(800, 500, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }
}
