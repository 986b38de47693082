using GpuGen.Launch;

namespace GpuGen.Backends;

/// <summary>Declared costs of elementwise launches: one op per output element, each operand
/// element read once (a broadcast operand is counted at its own size) and the output written.
/// Fixed arities rather than a params array: costs are computed on every launch, profiled or not.</summary>
internal static class ElementwiseCost
{
    public static KernelCost Of(Tensor y) => Bytes(y, 0);
    public static KernelCost Of(Tensor y, Tensor a) => Bytes(y, a.Length);
    public static KernelCost Of(Tensor y, Tensor a, Tensor b) => Bytes(y, (double)a.Length + b.Length);
    public static KernelCost Of(Tensor y, Tensor a, Tensor b, Tensor c) => Bytes(y, (double)a.Length + b.Length + c.Length);

    private static KernelCost Bytes(Tensor y, double inputElements) => new(y.Length, ((double)y.Length + inputElements) * sizeof(float));
}
