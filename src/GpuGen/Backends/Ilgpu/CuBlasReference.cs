using ILGPU.Runtime.Cuda;

namespace GpuGen.Backends.Ilgpu;

/// <summary>
/// The vendor's SGEMM on a CUDA device, through ILGPU.Algorithms' cuBLAS binding: the reference the device
/// GEMM is measured against (<see cref="KernelBench"/>). cuBLAS is column-major, so the row-major product
/// C = A·B (all n × n) is computed as Cᵀ = Bᵀ·Aᵀ, which column-major cuBLAS reads straight from the row-major
/// buffers. FP32 (cuBLAS's default math mode uses no TF32 tensor cores).
/// </summary>
internal sealed class CuBlasReference : IDisposable
{
    private readonly CuBlas _blas;

    private CuBlasReference(CuBlas blas) => _blas = blas;

    /// <summary>cuBLAS on the device, or null (and why, to <paramref name="note"/>) when the library cannot be
    /// loaded: ILGPU 1.5.3 looks for libcublas.so.10, .11 or .12 on the library path.</summary>
    public static CuBlasReference? TryCreate(IlgpuDevice device, Action<string>? note)
    {
        if (device.Accelerator is not CudaAccelerator cuda)
        {
            note?.Invoke($"cuBLAS: {device.Name} is not a CUDA device");
            return null;
        }
        try
        {
            return new CuBlasReference(new CuBlas(cuda) { PointerMode = CuBlasPointerMode.Host });
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CuBlasException or TypeInitializationException or NotSupportedException)
        {
            var cause = e is TypeInitializationException { InnerException: { } inner } ? inner : e;
            string firstLine = cause.Message.Split('\n', 2)[0].Trim(); // .NET lists every probed path on its own line
            note?.Invoke($"cuBLAS could not be started ({cause.GetType().Name}: {firstLine}); ILGPU 1.5.3 loads libcublas.so.10, .11 or .12 from the library path");
            return null;
        }
    }

    /// <summary>C = A·B (row-major, n × n), or A·Bᵀ.</summary>
    public void Gemm(Tensor a, Tensor b, Tensor c, int n, bool transB)
    {
        // row-major C = A·op(B) is column-major Cᵀ = op(B)ᵀ·Aᵀ: cuBLAS's first operand is B
        _blas.Gemm(transB ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose, CuBlasOperation.NonTranspose,
            n, n, n, 1f, b.View(), n, a.View(), n, 0f, c.View(), n);
    }

    public void Dispose() => _blas.Dispose();
}
