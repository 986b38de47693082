using GpuGen.Kernels.Elementwise;

namespace GpuGen;

/// <summary>
/// numpy's broadcasting rules for up to three operands: shapes are aligned at their last
/// dimension; two sizes agree when equal or when one is 1 (which then repeats). Produces the
/// output shape and the four-dimensional <see cref="Broadcast"/> the kernels walk.
/// </summary>
internal static class BroadcastPlan
{
    public static (Shape Output, Broadcast Geometry) Create(string op, params Tensor[] operands) =>
        Create(op, operands.Select(t => t.Shape).ToArray());

    public static (Shape Output, Broadcast Geometry) Create(string op, params Shape[] operands)
    {
        int rank = operands.Max(t => t.Rank);
        var output = new int[rank];
        for (int axis = 0; axis < rank; axis++)
        {
            int size = 1;
            foreach (var t in operands)
            {
                int d = DimAligned(t, axis, rank);
                if (d == 1 || d == size) continue;
                if (size != 1)
                    throw new ShapeMismatchException($"{op}: shapes {string.Join(" and ", operands)} cannot be broadcast together (dimension {axis} of the result: {size} vs {d})");
                size = d;
            }
            output[axis] = size;
        }

        // Per operand, its row-major strides aligned to the output, 0 where it broadcasts.
        var strides = new int[operands.Length][];
        for (int k = 0; k < operands.Length; k++)
        {
            strides[k] = new int[rank];
            int stride = 1;
            for (int axis = rank - 1; axis >= 0; axis--)
            {
                int d = DimAligned(operands[k], axis, rank);
                strides[k][axis] = d == 1 && output[axis] != 1 ? 0 : stride;
                stride *= d;
            }
        }

        // Drop size-1 dimensions, then merge a dimension into the one outside it wherever every
        // operand steps contiguously across the pair (both strides 0 counts as contiguous).
        var dims = new List<int>();
        var merged = operands.Select(_ => new List<int>()).ToArray();
        for (int axis = 0; axis < rank; axis++)
        {
            if (output[axis] == 1) continue;
            int last = dims.Count - 1;
            bool canMerge = last >= 0 && Enumerable.Range(0, operands.Length)
                .All(k => merged[k][last] == strides[k][axis] * output[axis]);
            if (canMerge)
            {
                dims[last] *= output[axis];
                for (int k = 0; k < operands.Length; k++) merged[k][last] = strides[k][axis];
            }
            else
            {
                dims.Add(output[axis]);
                for (int k = 0; k < operands.Length; k++) merged[k].Add(strides[k][axis]);
            }
        }
        if (dims.Count > 4)
            throw new ShapeMismatchException($"{op}: broadcasting {string.Join(" and ", operands)} alternates too often (needs {dims.Count} dimensions, the kernels walk 4)");
        while (dims.Count < 4)
        {
            dims.Insert(0, 1);
            foreach (var m in merged) m.Insert(0, 0);
        }
        var g = new Broadcast { D0 = dims[0], D1 = dims[1], D2 = dims[2], D3 = dims[3] };
        (g.A0, g.A1, g.A2, g.A3) = (merged[0][0], merged[0][1], merged[0][2], merged[0][3]);
        if (operands.Length > 1) (g.B0, g.B1, g.B2, g.B3) = (merged[1][0], merged[1][1], merged[1][2], merged[1][3]);
        if (operands.Length > 2) (g.C0, g.C1, g.C2, g.C3) = (merged[2][0], merged[2][1], merged[2][2], merged[2][3]);
        return (new Shape(output), g);
    }

    private static int DimAligned(Shape s, int axis, int rank)
    {
        int i = axis - (rank - s.Rank);
        return i < 0 ? 1 : s[i];
    }
}
