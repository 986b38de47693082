namespace GpuGen.Kernels.Elementwise;

/// <summary>
/// Where each output element of a broadcasting op reads its operands. The output is viewed as
/// four dimensions D0..D3 (D3 innermost; leading ones are 1), after dropping size-1 dimensions
/// and merging neighbours that every operand walks contiguously, so any numpy-style broadcast
/// of contiguous tensors fits (the planner in the core library builds it and refuses the rare
/// pattern that needs more). Operand k's element for output (i0, i1, i2, i3) is at
/// i0·S0 + i1·S1 + i2·S2 + i3·S3 with its strides S (0 along a broadcast dimension). After
/// merging, each operand's innermost stride is 0 or 1.
/// </summary>
public struct Broadcast
{
    public int D0, D1, D2, D3;
    public int A0, A1, A2, A3;
    public int B0, B1, B2, B3;
    public int C0, C1, C2, C3;

    public readonly int Length => D0 * D1 * D2 * D3;

    /// <summary>Whether A and B are both laid out as the output (one contiguous run after collapsing: no broadcast).</summary>
    public readonly bool IsSameShape => D0 * D1 * D2 == 1 && (D3 == 1 || A3 == 1 && B3 == 1);

    /// <summary>Offsets of operands A, B and C for output element <paramref name="i"/>.</summary>
    public readonly void Locate(int i, out int a, out int b, out int c)
    {
        int i3 = i % D3;
        i /= D3;
        int i2 = i % D2;
        i /= D2;
        int i1 = i % D1;
        int i0 = i / D1;
        a = i0 * A0 + i1 * A1 + i2 * A2 + i3 * A3;
        b = i0 * B0 + i1 * B1 + i2 * B2 + i3 * B3;
        c = i0 * C0 + i1 * C1 + i2 * C2 + i3 * C3;
    }
}
