using GpuGen.Kernels.Gemm;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed unsafe class HostGemm : IGemmKernels
{
    public void Gemm(in GemmProblem problem, Tensor a, Tensor b, Tensor c, Tensor? bias) =>
        Launcher.Host(c.Device, "GemmHost", c.Length, GemmCost.Of(problem),
            (p: problem, a: a.Pointer(), b: b.Pointer(), c: c.Pointer(), bias: bias?.Pointer() ?? 0),
            static s => GemmHost.Run(s.p, (float*)s.a, (float*)s.b, (float*)s.c, (float*)s.bias));
}
