namespace GpuGen.Cli.Commands;

/// <summary>A plain-text table: columns padded to their widest cell, the first <c>leftColumns</c> aligned left
/// (names), the rest right (numbers), two spaces apart.</summary>
internal static class TextTable
{
    public static void Write(TextWriter stdout, string[] header, IEnumerable<string[]> rows, int leftColumns = 1)
    {
        var all = rows.ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(row => row[i].Length))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => i < leftColumns ? c.PadRight(widths[i]) : c.PadLeft(widths[i])));
        stdout.WriteLine(Line(header));
        foreach (var row in all) stdout.WriteLine(Line(row));
    }
}
