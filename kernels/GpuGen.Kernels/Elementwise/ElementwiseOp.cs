using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GpuGen.Kernels.Elementwise;

/// <summary>
/// y = f(x), written once as a struct and used as the type argument of the generic device
/// kernel (which calls the scalar form) and of the host loop (which calls the Vector512 form
/// where the hardware has it). Parameters (a slope, bounds, an exponent) are fields.
/// </summary>
public interface IUnaryOp
{
    float Apply(float x);
    Vector512<float> Apply(Vector512<float> x);
}

/// <summary>y = f(a, b).</summary>
public interface IBinaryOp
{
    float Apply(float a, float b);
    Vector512<float> Apply(Vector512<float> a, Vector512<float> b);
}

/// <summary>The vector form of an op that has no vector formula: its scalar form, lane by lane.</summary>
public static class Lanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Map<TOp>(TOp op, Vector512<float> x) where TOp : struct, IUnaryOp
    {
        Unsafe.SkipInit(out Vector512<float> y);
        ref float yr = ref Unsafe.As<Vector512<float>, float>(ref y);
        for (int i = 0; i < Vector512<float>.Count; i++) Unsafe.Add(ref yr, i) = op.Apply(x.GetElement(i));
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Map<TOp>(TOp op, Vector512<float> a, Vector512<float> b) where TOp : struct, IBinaryOp
    {
        Unsafe.SkipInit(out Vector512<float> y);
        ref float yr = ref Unsafe.As<Vector512<float>, float>(ref y);
        for (int i = 0; i < Vector512<float>.Count; i++) Unsafe.Add(ref yr, i) = op.Apply(a.GetElement(i), b.GetElement(i));
        return y;
    }
}
