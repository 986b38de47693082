using GpuGen.Kernels.Gemm;
using MathNet.Numerics.LinearAlgebra;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// The double-precision reference for GEMM (MathNet's managed provider), and the error each
/// float32 result may carry: an FMA chain of K terms in float rounds at most K+2 times, so
/// |C − C_ref| ≤ (K+2)·u·(|α|·(|A|·|B|) + |β|·|C₀| + |bias|) with u = 2⁻²⁴ (Higham, §3.5).
/// </summary>
public static class GemmReference
{
    public static (double[] Value, double[] Bound) Compute(GemmProblem p, float[] a, float[] b, float[] c0, float[]? bias)
    {
        var value = new double[(long)p.Batch * p.M * p.N];
        var bound = new double[value.Length];
        double u = Math.Pow(2, -24) * (p.K + 2);
        for (int m = 0; m < p.Batch; m++)
        {
            var opA = Matrix<double>.Build.Dense(p.M, p.K, (i, k) => a[m * p.StrideA + p.AIndex(i, k)]);
            var opB = Matrix<double>.Build.Dense(p.K, p.N, (k, j) => b[m * p.StrideB + p.BIndex(k, j)]);
            var product = opA * opB;
            var magnitude = opA.PointwiseAbs() * opB.PointwiseAbs();
            for (int i = 0; i < p.M; i++)
                for (int j = 0; j < p.N; j++)
                {
                    long ci = m * p.StrideC + (long)i * p.Ldc + j;
                    double before = p.Beta != 0 ? c0[ci] : 0;
                    double bj = bias?[j] ?? 0;
                    value[ci] = p.Alpha * product[i, j] + p.Beta * before + bj;
                    bound[ci] = u * (Math.Abs(p.Alpha) * magnitude[i, j] + Math.Abs(p.Beta * before) + Math.Abs(bj)) + 1e-30;
                }
        }
        return (value, bound);
    }
}
