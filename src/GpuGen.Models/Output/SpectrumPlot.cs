using GpuGen.IO;

namespace GpuGen.Models.Output;

/// <summary>Feature spectra as a PNG: log₁₀ of each representation's singular values against their rank (ScottPlot).</summary>
public static class SpectrumPlot
{
    public static void SavePng(string path, string title, IReadOnlyList<(string Name, double[] SingularValues)> spectra)
    {
        var plot = new ScottPlot.Plot();
        foreach (var (name, values) in spectra)
        {
            var x = Enumerable.Range(1, values.Length).Select(i => (double)i).ToArray();
            var y = values.Select(v => Math.Log10(Math.Max(v, 1e-12))).ToArray();
            var line = plot.Add.Scatter(x, y);
            line.LegendText = name;
            line.MarkerSize = 0;
        }
        plot.Title(title);
        plot.XLabel("rank k");
        plot.YLabel("log₁₀ σ_k");
        plot.ShowLegend();
        byte[] png = plot.GetImageBytes(800, 500, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }
}
