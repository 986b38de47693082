namespace GpuGen;

/// <summary>
/// Whether products on CUDA may use TF32 tensor cores (as PyTorch's torch.backends.cuda.matmul.allow_tf32):
/// off by default, so every device computes in FP32; <c>GPUGEN_ALLOW_TF32=1</c> turns it on for a process.
/// On sm_80 and later, the device GEMM then takes <c>GemmTf32Device</c> (operands rounded to 10 mantissa bits,
/// sums in FP32). Other devices ignore it.
/// </summary>
public static class MatMulPrecision
{
    public const string EnvironmentVariable = "GPUGEN_ALLOW_TF32";

    public static bool AllowTf32 { get; set; } = Environment.GetEnvironmentVariable(EnvironmentVariable) == "1";
}
