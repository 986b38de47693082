using MathNet.Numerics;

namespace GpuGen.Tests.Kernels;

/// <summary>Double-precision references for the elementwise ops, written from the definitions.</summary>
public static class ElementwiseReference
{
    public static double Log1p(double x) { double u = 1 + x; return u == 1 ? x : Math.Log(u) * x / (u - 1); }
    public static double Expm1(double x) { double u = Math.Exp(x); return u == 1 ? x : u - 1 == -1 ? -1 : (u - 1) * x / Math.Log(u); }
    public static double Softplus(double x) => Math.Max(x, 0) + Log1p(Math.Exp(-Math.Abs(x)));
    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
    public static double Gelu(double x) => 0.5 * x * (1 + SpecialFunctions.Erf(x / Math.Sqrt(2)));
    public static double Bce(double x, double z) => Math.Max(x, 0) - x * z + Log1p(Math.Exp(-Math.Abs(x)));

    /// <summary>
    /// numpy broadcasting, independently of the kernels' collapsed geometry: for each output
    /// multi-index, an operand reads index 0 along its size-1 (or missing) dimensions.
    /// </summary>
    public static double[] Broadcast(int[] outShape, Func<double[], double> f, params (float[] Values, int[] Shape)[] operands)
    {
        int total = outShape.Aggregate(1, (p, d) => p * d);
        var result = new double[total];
        var index = new int[outShape.Length];
        var args = new double[operands.Length];
        for (int flat = 0; flat < total; flat++)
        {
            int rem = flat;
            for (int axis = outShape.Length - 1; axis >= 0; axis--) { index[axis] = rem % outShape[axis]; rem /= outShape[axis]; }
            for (int k = 0; k < operands.Length; k++)
            {
                var shape = operands[k].Shape;
                int offset = 0;
                for (int axis = 0; axis < shape.Length; axis++)
                {
                    int outAxis = axis + outShape.Length - shape.Length;
                    offset = offset * shape[axis] + (shape[axis] == 1 ? 0 : index[outAxis]);
                }
                args[k] = operands[k].Values[offset];
            }
            result[flat] = f(args);
        }
        return result;
    }
}
