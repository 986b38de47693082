namespace GpuGen;

// Row placement: the derivative of taking rows (Slice, x[i]) is putting the gradient back
// among zero rows, and the derivative of that is taking the rows again.
public static partial class Ops
{
    /// <summary>
    /// A tensor of <paramref name="rows"/> rows, zero except rows [start, start + g's rows),
    /// which hold <paramref name="g"/>. The derivative of <see cref="Tensor.Slice"/>; its own
    /// derivative is the slice.
    /// </summary>
    public static Tensor EmbedRows(Tensor g, int start, int rows)
    {
        const string op = "embedRows";
        Check.Alive(op, "g", g);
        if (g.Rank == 0 || start < 0 || start > rows - g.Shape[0])
            throw new ShapeMismatchException($"{op}: rows [{start}, {start + (g.Rank == 0 ? 0 : g.Shape[0])}) of {g.Shape} do not fit in {rows} rows");
        var y = Tensor.Zeros(g.Shape.WithFirst(rows), g.Device);
        int count = g.Shape[0];
        using (var target = y.Slice(start, count))
            if (count > 0) g.Device.Backend.Blas1.Copy(g, target); // a fresh tensor's rows: nothing recorded to corrupt
        return Autograd.Record(op, y, [g], (gy, _) => [gy.Slice(start, count)]);
    }
}
