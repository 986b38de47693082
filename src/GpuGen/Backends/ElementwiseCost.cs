using GpuGen.Launch;

namespace GpuGen.Backends;

/// <summary>Declared costs of elementwise launches: one op per output element, each operand
/// element read once (a broadcast operand is counted at its own size) and the output written.</summary>
internal static class ElementwiseCost
{
    public static KernelCost Of(Tensor y, params Tensor[] inputs) =>
        new(y.Length, ((double)y.Length + inputs.Sum(t => (double)t.Length)) * sizeof(float));
}
