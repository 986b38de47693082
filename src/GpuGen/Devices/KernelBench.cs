namespace GpuGen;

/// <summary>One measured kernel: its median time per call and the work it does.</summary>
/// <param name="Kernel">What ran (gemm A·B, add, …).</param>
/// <param name="Shape">Its size, as text.</param>
/// <param name="Seconds">Median seconds per call.</param>
/// <param name="Flops">Floating-point operations per call (a multiply-add is two).</param>
/// <param name="Bytes">Bytes per call that must cross memory at least once (inputs read, output written).</param>
public sealed record KernelTiming(string Kernel, string Shape, double Seconds, double Flops, double Bytes)
{
    public double Gflops => Flops / Seconds / 1e9;
    public double GBps => Bytes / Seconds / 1e9;
}

/// <summary>
/// The device's own kernels at sizes a GPU is measured at, through the public ops (what a model runs):
/// the GEMM at n × n × n as A·B and as A·Bᵀ (every Linear's forward; on CUDA beside cuBLAS's SGEMM on the
/// same buffers, <see cref="Backends.Ilgpu.CuBlasReference"/>), and the bandwidth-bound families
/// (a binary add, a unary exp, a sum) over a large vector, to set beside the device's FMA peak, its copy
/// bandwidth and a vendor library. Each is run once to compile and warm, then timed in batches of calls
/// (one synchronize per batch) long enough that launch latency does not count; the median of the batches.
/// </summary>
public static class KernelBench
{
    /// <param name="note">Told what could not be measured and why (cuBLAS not loadable, say).</param>
    public static IEnumerable<KernelTiming> Run(Device device, IReadOnlyList<int> gemmSizes, long elements, int repeats = 5, double minimumSeconds = 0.05,
        Action<string>? note = null)
    {
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "need at least one repeat");
        if (elements < 1 || elements > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(elements), elements, "between 1 and 2³¹ − 1 elements");
        var generator = new Generator(7);
        // the vendor's reference on the same buffers, on CUDA (null, with a note, where cuBLAS cannot start)
        using var cublas = device.Kind == DeviceKind.Cuda ? Backends.Ilgpu.CuBlasReference.TryCreate((IlgpuDevice)device, note) : null;
        foreach (int n in gemmSizes)
        {
            if (n < 1) throw new ArgumentOutOfRangeException(nameof(gemmSizes), n, "GEMM sizes must be positive");
            using var a = Ops.Uniform(Shape.Of(n, n), generator, device, -1f, 1f);
            using var b = Ops.Uniform(Shape.Of(n, n), generator, device, -1f, 1f);
            double flops = 2.0 * n * n * n, bytes = 3.0 * 4 * n * n;
            yield return Measure(device, "gemm A·B", $"{n}×{n}×{n}", flops, bytes, () => Ops.MatMul(a, b).Dispose(), repeats, minimumSeconds);
            yield return Measure(device, "gemm A·Bᵀ", $"{n}×{n}×{n}", flops, bytes, () => Ops.MatMul(a, b, transB: true).Dispose(), repeats, minimumSeconds);
            if (device is IlgpuDevice ilgpu && Backends.Ilgpu.IlgpuGemm.HasTf32TensorCores(ilgpu))
            {
                using (var fp32 = WithTf32(false, () => Ops.MatMul(a, b)))
                using (var tf32 = WithTf32(true, () => Ops.MatMul(a, b)))
                    note?.Invoke(Tf32Error(n, fp32, tf32));
                yield return WithTf32(true, () => Measure(device, "gemm A·B (TF32)", $"{n}×{n}×{n}", flops, bytes, () => Ops.MatMul(a, b).Dispose(), repeats, minimumSeconds));
            }
            if (cublas is not null)
            {
                using var c = Tensor.Empty(Shape.Of(n, n), device);
                yield return Measure(device, "cuBLAS SGEMM A·B", $"{n}×{n}×{n}", flops, bytes, () => cublas.Gemm(a, b, c, n, transB: false), repeats, minimumSeconds);
                yield return Measure(device, "cuBLAS SGEMM A·Bᵀ", $"{n}×{n}×{n}", flops, bytes, () => cublas.Gemm(a, b, c, n, transB: true), repeats, minimumSeconds);
            }
        }
        using var x = Ops.Uniform(Shape.Of((int)elements), generator, device, -1f, 1f);
        using var y = Ops.Uniform(Shape.Of((int)elements), generator, device, -1f, 1f);
        string length = $"{elements:N0}";
        yield return Measure(device, "add", length, elements, 12.0 * elements, () => Ops.Add(x, y).Dispose(), repeats, minimumSeconds);
        yield return Measure(device, "exp", length, elements, 8.0 * elements, () => Ops.Exp(x).Dispose(), repeats, minimumSeconds);
        yield return Measure(device, "sum", length, elements, 4.0 * elements, () => Ops.Sum(x).Dispose(), repeats, minimumSeconds);
    }

    // runs with MatMulPrecision.AllowTf32 set as asked, restoring it after
    private static T WithTf32<T>(bool on, Func<T> product)
    {
        bool allowed = MatMulPrecision.AllowTf32;
        MatMulPrecision.AllowTf32 = on;
        try
        {
            return product();
        }
        finally
        {
            MatMulPrecision.AllowTf32 = allowed;
        }
    }

    // TF32 rounds each operand to 10 mantissa bits (relative error ≤ 2⁻¹¹ each, so ≤ 2⁻¹⁰ a product); with
    // operands in [−1, 1] the n products of an element then differ from FP32 by at most n·2⁻¹⁰, typically √n·2⁻¹⁰.
    private static string Tf32Error(int n, Tensor fp32, Tensor tf32)
    {
        float[] x = fp32.ToArray(), y = tf32.ToArray();
        double worst = 0;
        for (int i = 0; i < x.Length; i++) worst = Math.Max(worst, Math.Abs((double)x[i] - y[i]));
        double bound = n * Math.Pow(2, -10);
        return $"TF32 against FP32 at {n}: max |difference| {worst:G3} ({(worst <= bound ? "within" : "BEYOND")} TF32's bound n·2⁻¹⁰ = {bound:G3})";
    }

    private static KernelTiming Measure(Device device, string kernel, string shape, double flops, double bytes, Action call, int repeats, double minimumSeconds)
    {
        call(); // compiles the kernel, warms the allocator
        device.Synchronize();
        int calls = 1;
        void Batch()
        {
            for (int i = 0; i < calls; i++) call();
            device.Synchronize();
        }
        while (Timing.Seconds(Batch) < minimumSeconds && calls < 1 << 16) calls *= 2;
        return new KernelTiming(kernel, shape, Timing.Median(repeats, Batch) / calls, flops, bytes);
    }
}
