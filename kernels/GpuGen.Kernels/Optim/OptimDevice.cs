using ILGPU;

namespace GpuGen.Kernels.Optim;

public struct AdamArgs
{
    public ArrayView<float> P, G, M, V;
    public AdamHyper Hyper;
}

public struct SgdArgs
{
    public ArrayView<float> P, G, Buffer;
    public SgdHyper Hyper;
}

/// <summary>One fused kernel per parameter update: thread i reads p, g and the state of element i
/// once and writes them back once.</summary>
public static class OptimDevice
{
    public static void Adam(Index1D i, AdamArgs a)
    {
        float p = a.P[i], m = a.M[i], v = a.V[i];
        OptimMath.Adam(ref p, a.G[i], ref m, ref v, a.Hyper);
        a.P[i] = p;
        a.M[i] = m;
        a.V[i] = v;
    }

    public static void Sgd(Index1D i, SgdArgs a)
    {
        float p = a.P[i], b = a.Buffer[i];
        OptimMath.Sgd(ref p, a.G[i], ref b, a.Hyper);
        if (a.Hyper.Momentum != 0f) a.Buffer[i] = b; // without momentum Buffer may alias P: leave it
        a.P[i] = p;
    }
}
