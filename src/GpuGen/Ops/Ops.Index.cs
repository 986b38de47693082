namespace GpuGen;

// Selection by index (embeddings by index rather than one-hot products, the NLL of a label) and
// the adjoints that are their backward rules: indexSelect ↔ indexAdd, gather ↔ scatter. Indices
// are float tensors holding whole numbers, as labels are; they carry no gradient.
public static partial class Ops
{
    /// <summary>Rows indices[i] of x: x [R, …], indices [N] → [N, …] (PyTorch's index_select on dim 0,
    /// an embedding lookup). Backward: <see cref="IndexAdd"/>, the rows' gradients summed per index.</summary>
    public static Tensor IndexSelect(Tensor x, Tensor indices)
    {
        const string op = "indexSelect";
        Check.Alive(op, "x", x);
        if (x.Rank == 0) throw new ShapeMismatchException($"{op}: x needs at least one axis, got {x.Shape}");
        CheckIndices(op, indices, x.Shape[0], x.Device);
        int rows = x.Shape[0], width = x.Length / Math.Max(rows, 1);
        var y = Tensor.Empty(x.Shape.WithFirst(indices.Length), x.Device);
        if (y.Length > 0) x.Device.Backend.Layout.SelectRows(x, indices, y, width);
        return Autograd.Record(op, y, [x], (g, _) => [IndexAdd(g, indices, rows)]);
    }

    /// <summary>y [rows, …] with y[r] = Σ over i with indices[i] = r of g[i] (PyTorch's index_add into
    /// zeros), summed in the order of i on every device. Backward: <see cref="IndexSelect"/>.</summary>
    public static Tensor IndexAdd(Tensor g, Tensor indices, int rows)
    {
        const string op = "indexAdd";
        Check.Alive(op, "g", g);
        if (g.Rank == 0 || g.Shape[0] != indices.Length)
            throw new ShapeMismatchException($"{op}: g {g.Shape} needs one row per index ({indices.Shape})");
        CheckIndices(op, indices, rows, g.Device);
        int width = g.Length / Math.Max(g.Shape[0], 1);
        var y = Tensor.Empty(g.Shape.WithFirst(rows), g.Device);
        if (y.Length > 0) g.Device.Backend.Layout.AddRows(g, indices, y, width);
        return Autograd.Record(op, y, [g], (gy, _) => [IndexSelect(gy, indices)]);
    }

    /// <summary>y[b] = x[b, indices[b]] for x [B, C] (PyTorch's gather along the last axis, as an NLL
    /// picks each row's label). Backward: <see cref="Scatter"/>.</summary>
    public static Tensor Gather(Tensor x, Tensor indices)
    {
        const string op = "gather";
        Check.Alive(op, "x", x);
        if (x.Rank != 2 || indices.Rank != 1 || indices.Length != x.Shape[0])
            throw new ShapeMismatchException($"{op}: x {x.Shape} and indices {indices.Shape}: expected [B, C] and [B]");
        int columns = x.Shape[1];
        CheckIndices(op, indices, columns, x.Device);
        var y = Tensor.Empty(Shape.Of(x.Shape[0]), x.Device);
        if (y.Length > 0) x.Device.Backend.Layout.GatherColumn(x, indices, y, columns);
        return Autograd.Record(op, y, [x], (g, _) => [Scatter(g, indices, columns)]);
    }

    /// <summary>y [B, columns], zero except y[b, indices[b]] = g[b]. Backward: <see cref="Gather"/>.</summary>
    public static Tensor Scatter(Tensor g, Tensor indices, int columns)
    {
        const string op = "scatter";
        Check.Alive(op, "g", g);
        if (g.Rank != 1 || indices.Rank != 1 || indices.Length != g.Length)
            throw new ShapeMismatchException($"{op}: g {g.Shape} and indices {indices.Shape}: expected [B] and [B]");
        CheckIndices(op, indices, columns, g.Device);
        var y = Tensor.Empty(Shape.Of(g.Length, columns), g.Device);
        if (y.Length > 0) g.Device.Backend.Layout.ScatterColumn(g, indices, y, columns);
        return Autograd.Record(op, y, [g], (gy, _) => [Gather(gy, indices)]);
    }

    /// <summary>Indices must be a vector on the same device of whole numbers in [0, count): checked on
    /// the host before any launch (an out-of-range index would read outside a buffer).</summary>
    private static void CheckIndices(string op, Tensor indices, int count, Device device)
    {
        Check.Alive(op, "indices", indices);
        if (indices.Rank != 1) throw new ShapeMismatchException($"{op}: indices must be a vector, got {indices.Shape}");
        if (indices.Device != device) throw new ShapeMismatchException($"{op}: indices are on {indices.Device.Name}, the data on {device.Name}");
        var values = indices.ToArray();
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] >= 0 && values[i] < count) || values[i] != MathF.Floor(values[i]))
                throw new ShapeMismatchException($"{op}: index {i} is {values[i]}, not a whole number in [0, {count})");
    }
}
