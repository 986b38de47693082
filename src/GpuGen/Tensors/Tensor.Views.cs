namespace GpuGen;

// Views: new tensors over the same storage, no copy. Every tensor is contiguous, so a reshape
// is always a view, and so is any range along the first axis.
public sealed partial class Tensor
{
    /// <summary>
    /// The same elements under another shape with the same element count; one dimension may be
    /// -1 and is then inferred.
    /// </summary>
    public Tensor Reshape(params int[] dims)
    {
        Check.Alive("reshape", "x", this);
        var resolved = (int[])dims.Clone();
        int infer = Array.IndexOf(resolved, -1);
        if (infer >= 0)
        {
            if (Array.IndexOf(resolved, -1, infer + 1) >= 0)
                throw new ShapeMismatchException($"reshape: only one dimension of {Format(dims)} can be -1 (from {Shape})");
            long known = 1;
            for (int i = 0; i < resolved.Length; i++) if (i != infer) known *= resolved[i];
            if (known == 0 || Length % known != 0)
                throw new ShapeMismatchException($"reshape: cannot view {Shape} ({Length} elements) as {Format(dims)}");
            resolved[infer] = (int)(Length / known);
        }
        var shape = new Shape(resolved);
        if (shape.ElementCount != Length)
            throw new ShapeMismatchException($"reshape: cannot view {Shape} ({Length} elements) as {shape} ({shape.ElementCount} elements)");
        var dimsBefore = Shape.ToArray();
        return Autograd.Record("reshape", View(Offset, shape), [this], (g, _) => [g.Reshape(dimsBefore)]);
    }

    /// <summary>All elements as one dimension.</summary>
    public Tensor Flatten() => Reshape(-1);

    /// <summary>Rows [start, start + count) along the first axis (a batch), as a view.</summary>
    public Tensor Slice(int start, int count)
    {
        Check.Alive("slice", "x", this);
        if (Rank == 0) throw new ShapeMismatchException($"slice: cannot slice a scalar of shape {Shape}");
        if (start < 0 || count < 0 || start > Shape[0] - count)
            throw new ShapeMismatchException($"slice: rows [{start}, {(long)start + count}) are outside the first axis of {Shape}");
        int rowLength = Shape[0] == 0 ? 0 : Length / Shape[0];
        int rows = Shape[0];
        return Autograd.Record("slice", View(Offset + start * rowLength, Shape.WithFirst(count)), [this],
            (g, _) => [Ops.EmbedRows(g, start, rows)]);
    }

    /// <summary>Rows in <paramref name="range"/> along the first axis, as a view: <c>x[10..20]</c>.</summary>
    [System.Runtime.CompilerServices.IndexerName("Rows")]
    public Tensor this[Range range]
    {
        get
        {
            Check.Alive("slice", "x", this);
            if (Rank == 0) throw new ShapeMismatchException($"slice: cannot slice a scalar of shape {Shape}");
            int start = range.Start.GetOffset(Shape[0]), end = range.End.GetOffset(Shape[0]);
            return Slice(start, end - start); // Slice checks the bounds and names the shape
        }
    }

    /// <summary>Row <paramref name="index"/> along the first axis, that axis removed, as a view.</summary>
    [System.Runtime.CompilerServices.IndexerName("Rows")]
    public Tensor this[int index]
    {
        get
        {
            Check.Alive("index", "x", this);
            if (Rank == 0 || index < 0 || index >= Shape[0])
                throw new ShapeMismatchException($"index: row {index} is outside the first axis of {Shape}");
            var dims = Shape.Dims[1..].ToArray();
            var rowShape = Shape.WithFirst(1).ToArray();
            int rows = Shape[0];
            return Autograd.Record("index", View(Offset + index * (Length / Shape[0]), new Shape(dims)), [this],
                (g, _) => [Ops.EmbedRows(g.Reshape(rowShape), index, rows)]);
        }
    }

    private Tensor View(int offset, Shape shape)
    {
        _storage.AddReference();
        return new Tensor(_storage, offset, shape);
    }

    private static string Format(int[] dims) => "[" + string.Join(", ", dims) + "]";
}
