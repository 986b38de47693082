using System.Runtime.Intrinsics;
using GpuGen.Kernels.Host;
using ILGPU;

namespace GpuGen.Kernels.Reparameterize;

public struct ReparameterizeArgs
{
    public ArrayView<float> Mu, LogVar, Eps, Z;
}

/// <summary>
/// The VAE's reparameterization (Kingma &amp; Welling 2014, §2.4): z = μ + σ·ε with σ = exp(½·logσ²),
/// one fused pass (three reads, one write) instead of exp, mul and add separately. Device: thread
/// i computes element i; host: Vector512 with a scalar tail, split over the cores.
/// </summary>
public static class ReparameterizeKernels
{
    public static float Apply(float mu, float logVar, float eps) => mu + MathF.Exp(0.5f * logVar) * eps;

    public static void Device(Index1D i, ReparameterizeArgs a) => a.Z[i] = Apply(a.Mu[i], a.LogVar[i], a.Eps[i]);

    public static void Host(ArraySegment<float> mu, ArraySegment<float> logVar, ArraySegment<float> eps, ArraySegment<float> z) =>
        HostParallel.For(z.Count, (mu, logVar, eps, z), static (start, count, s) =>
        {
            var m = s.mu.AsSpan(start, count);
            var l = s.logVar.AsSpan(start, count);
            var e = s.eps.AsSpan(start, count);
            var y = s.z.AsSpan(start, count);
            int i = 0, w = Vector512<float>.Count;
            if (Vector512.IsHardwareAccelerated)
            {
                var half = Vector512.Create(0.5f);
                for (; i <= count - w; i += w)
                    (Vector512.Create(m.Slice(i, w)) + Vector512.Exp(half * Vector512.Create(l.Slice(i, w))) * Vector512.Create(e.Slice(i, w)))
                        .CopyTo(y.Slice(i, w));
            }
            for (; i < count; i++) y[i] = Apply(m[i], l[i], e[i]);
        });
}
