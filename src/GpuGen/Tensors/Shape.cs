namespace GpuGen;

/// <summary>
/// The dimensions of a tensor, outermost first (row-major: the last dimension is contiguous).
/// Immutable; a rank-0 shape is a scalar with one element.
/// </summary>
public readonly struct Shape : IEquatable<Shape>
{
    private readonly int[]? _dims; // null only in default(Shape), which is the scalar shape
    private readonly int _count;

    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        long count = 1;
        foreach (int d in dims)
        {
            if (d < 0) throw new ShapeMismatchException($"shape: dimension {d} is negative in {Format(dims)}");
            count *= d;
            if (count > int.MaxValue)
                throw new ShapeMismatchException($"shape: {Format(dims)} has more than {int.MaxValue} elements");
        }
        _dims = (int[])dims.Clone();
        _count = (int)count;
    }

    public static Shape Of(params int[] dims) => new(dims);
    public static Shape Scalar { get; } = new([]);

    public int Rank => Dims.Length;
    public int this[int axis] => Dims[axis < 0 ? axis + Rank : axis];
    public ReadOnlySpan<int> Dims => _dims ?? [];

    /// <summary>Total number of elements (1 for a scalar). Limited to int range: one tensor
    /// indexes its elements with 32-bit indices on every backend.</summary>
    public int ElementCount => _dims is null ? 1 : _count;

    public int[] ToArray() => Dims.ToArray();

    /// <summary>This shape with the first dimension replaced (used by first-axis slicing).</summary>
    public Shape WithFirst(int first)
    {
        var d = ToArray();
        d[0] = first;
        return new Shape(d);
    }

    public bool Equals(Shape other) => Dims.SequenceEqual(other.Dims);
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in Dims) h.Add(d);
        return h.ToHashCode();
    }
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    public override string ToString() => Format(Dims);
    private static string Format(ReadOnlySpan<int> dims) => "[" + string.Join(", ", dims.ToArray()) + "]";
}
