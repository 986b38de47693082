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
    /// y = −extent + 2·extent·row/(n − 1); null for the points alone.</param>
    public static void SavePng(string path, string title, float[] data, float[] samples, double[,]? field, double extent)
    {
        var plot = new ScottPlot.Plot();
        if (field is not null) AddField(plot, field, extent);
        AddPoints(plot, data, ScottPlot.Colors.Orange, "data");
        AddPoints(plot, samples, ScottPlot.Colors.LimeGreen, "samples");
        plot.Axes.SetLimits(-extent, extent, -extent, extent);
        plot.Title(title);
        plot.ShowLegend();
        Save(path, plot, 700, 700);
    }

    /// <summary>
    /// A generation chain as one strip: a panel per snapshot (a sampler's x at a timestep, the label
    /// under it), side by side on one axis, each panel the square [−extent, extent]² shifted right.
    /// </summary>
    public static void SaveChainPng(string path, string title, IReadOnlyList<(string Label, float[] Points)> snapshots, double extent)
    {
        var plot = new ScottPlot.Plot();
        double width = 2.2 * extent;
        for (int k = 0; k < snapshots.Count; k++)
        {
            var (label, points) = snapshots[k];
            double shift = k * width;
            var xs = new double[points.Length / 2];
            var ys = new double[points.Length / 2];
            for (int i = 0; i < xs.Length; i++) (xs[i], ys[i]) = (points[2 * i] + shift, points[2 * i + 1]);
            plot.Add.Markers(xs, ys, ScottPlot.MarkerShape.FilledCircle, 2, ScottPlot.Colors.LimeGreen);
            var text = plot.Add.Text(label, shift, -extent * 1.05);
            text.LabelAlignment = ScottPlot.Alignment.UpperCenter;
            text.LabelFontSize = 14;
        }
        plot.Axes.SetLimits(-extent, (snapshots.Count - 1) * width + extent, -extent * 1.25, extent);
        plot.Title(title);
        Save(path, plot, 260 * snapshots.Count, 330);
    }

    private static void Save(string path, ScottPlot.Plot plot, int width, int height)
    {
        byte[] png = plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    private static void AddField(ScottPlot.Plot plot, double[,] field, double extent)
    {
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
