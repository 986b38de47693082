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
/// On a GPU also each GEMM plan forced, at the square sizes and at an MLP's shapes, to tune <see cref="Backends.Ilgpu.GemmPlan.For"/>.
/// </summary>
public static class KernelBench
{
    /// <param name="note">Told what could not be measured and why (cuBLAS not loadable, say).</param>
    /// <param name="comparePlans">Also time each GEMM plan forced (<see cref="GemmPlans"/>), where groups hold 256 threads.</param>
    /// <param name="modelShapes">Also time an MLP's products (<see cref="ModelShapedProducts"/>), where groups hold 256 threads.</param>
    public static IEnumerable<KernelTiming> Run(Device device, IReadOnlyList<int> gemmSizes, long elements, int repeats = 5, double minimumSeconds = 0.05,
        Action<string>? note = null, bool comparePlans = false, bool modelShapes = false)
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
            foreach (var plan in comparePlans ? GemmPlans.For(device, n, n, n) : [])
                yield return GemmPlans.Run(device, plan, n, n, n, () => Measure(device, $"gemm A·B [{plan}]", $"{n}×{n}×{n}", flops, bytes, () => Ops.MatMul(a, b).Dispose(), repeats, minimumSeconds));
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
        foreach (var timing in modelShapes ? ModelShapedProducts(device, generator, repeats, minimumSeconds) : []) yield return timing;
        using var x = Ops.Uniform(Shape.Of((int)elements), generator, device, -1f, 1f);
        using var y = Ops.Uniform(Shape.Of((int)elements), generator, device, -1f, 1f);
        string length = $"{elements:N0}";
        yield return Measure(device, "add", length, elements, 12.0 * elements, () => Ops.Add(x, y).Dispose(), repeats, minimumSeconds);
        yield return Measure(device, "exp", length, elements, 8.0 * elements, () => Ops.Exp(x).Dispose(), repeats, minimumSeconds);
        yield return Measure(device, "sum", length, elements, 4.0 * elements, () => Ops.Sum(x).Dispose(), repeats, minimumSeconds);
    }

    /// <summary>The products an MLP generative model runs (784 → 400 at batch 100 and 1,000: x·Wᵀ forward, the weight
    /// gradient gᵀ·x whose K is the batch), as the device chooses and under each plan, on a device with groups of 256.</summary>
    private static IEnumerable<KernelTiming> ModelShapedProducts(Device device, Generator generator, int repeats, double minimumSeconds)
    {
        if (!GemmPlans.Available(device)) yield break;
        foreach (int batch in new[] { 100, 1000 })
        {
            using var x = Ops.Uniform(Shape.Of(batch, 784), generator, device, -1f, 1f);
            using var w = Ops.Uniform(Shape.Of(400, 784), generator, device, -1f, 1f);
            using var g = Ops.Uniform(Shape.Of(batch, 400), generator, device, -1f, 1f);
            double flops = 2.0 * batch * 400 * 784;
            string forward = $"{batch}×400×784", gradient = $"400×784×{batch}";
            double forwardBytes = 4.0 * (batch * 784 + 400 * 784 + batch * 400), gradientBytes = 4.0 * (batch * 400 + batch * 784 + 400 * 784);
            yield return Measure(device, "linear x·Wᵀ", forward, flops, forwardBytes, () => Ops.MatMul(x, w, transB: true).Dispose(), repeats, minimumSeconds);
            foreach (var plan in GemmPlans.For(device, batch, 400, 784))
                yield return GemmPlans.Run(device, plan, batch, 400, 784, () => Measure(device, $"linear x·Wᵀ [{plan}]", forward, flops, forwardBytes, () => Ops.MatMul(x, w, transB: true).Dispose(), repeats, minimumSeconds));
            yield return Measure(device, "weight gradient gᵀ·x", gradient, flops, gradientBytes, () => Ops.MatMul(g, x, transA: true).Dispose(), repeats, minimumSeconds);
            foreach (var plan in GemmPlans.For(device, 400, 784, batch))
                yield return GemmPlans.Run(device, plan, 400, 784, batch, () => Measure(device, $"weight gradient gᵀ·x [{plan}]", gradient, flops, gradientBytes, () => Ops.MatMul(g, x, transA: true).Dispose(), repeats, minimumSeconds));
        }
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
