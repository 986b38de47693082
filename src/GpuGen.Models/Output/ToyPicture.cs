using GpuGen.IO;

namespace GpuGen.Models.Output;

/// <summary>
/// The WGAN-GP paper's first figure for a 2-D toy: the critic's (or discriminator's) value as a
/// heat map with contour lines over a square, real points in orange and generated ones in green.
/// Written atomically as a PNG (ScottPlot).
/// </summary>
public static class ToyPicture
{
    /// <param name="field">The critic on a grid: field[row, col] at x = −extent + 2·extent·col/(n − 1),
    /// y = −extent + 2·extent·row/(n − 1).</param>
    public static void SavePng(string path, string title, float[] data, float[] samples, double[,] field, double extent)
    {
        var plot = new ScottPlot.Plot();
        int n = field.GetLength(0);
        var flipped = new double[n, n]; // a heat map's first row is drawn at the top
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) flipped[n - 1 - r, c] = field[r, c];
        var heat = plot.Add.Heatmap(flipped);
        heat.Position = new ScottPlot.CoordinateRect(-extent, extent, -extent, extent);
        heat.Colormap = new ScottPlot.Colormaps.Viridis();
        var grid = new ScottPlot.Coordinates3d[n, n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
                grid[r, c] = new ScottPlot.Coordinates3d(-extent + 2 * extent * c / (n - 1), -extent + 2 * extent * r / (n - 1), field[r, c]);
        var contours = plot.Add.ContourLines(grid);
        contours.LineColor = ScottPlot.Colors.White.WithAlpha(0.6);
        AddPoints(plot, data, ScottPlot.Colors.Orange, "data");
        AddPoints(plot, samples, ScottPlot.Colors.LimeGreen, "samples");
        plot.Axes.SetLimits(-extent, extent, -extent, extent);
        plot.Title(title);
        plot.ShowLegend();
        byte[] png = plot.GetImageBytes(700, 700, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    private static void AddPoints(ScottPlot.Plot plot, float[] points, ScottPlot.Color color, string label)
    {
        var xs = new double[points.Length / 2];
        var ys = new double[points.Length / 2];
        for (int i = 0; i < xs.Length; i++) (xs[i], ys[i]) = (points[2 * i], points[2 * i + 1]);
        var markers = plot.Add.Markers(xs, ys, ScottPlot.MarkerShape.FilledCircle, 3, color);
        markers.LegendText = label;
    }
}
