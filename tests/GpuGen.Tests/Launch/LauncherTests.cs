using GpuGen;
using GpuGen.Launch;

namespace GpuGen.Tests.Launch;

[NonParallelizable] // the profiler is process-wide
public class LauncherTests
{
    [SetUp]
    public void ClearRecords() => Profiler.Clear();

    [Test]
    public void ProfilingRecordsNameShapeTimeAndDeclaredCost()
    {
        using var x = Tensor.FromArray(TestSupport.RandomArray(500, 1), Shape.Of(500), TestSupport.IlgpuCpu);
        using var y = Tensor.Ones(Shape.Of(500), TestSupport.IlgpuCpu);
        using var hx = Tensor.Ones(Shape.Of(300), TestSupport.Cpu);
        Profiler.Clear();
        using (Profiler.Record())
        {
            Ops.Axpy(2f, x, y);
            Ops.Scale(hx, 3f);
        }
        Assert.That(Profiler.Enabled, Is.False, "Record() restores the previous state");
        var records = Profiler.Records;
        Assert.That(records, Has.Count.EqualTo(2));

        var device = records[0];
        Assert.That(device.Kernel, Is.EqualTo("Blas1Device.Axpy"));
        Assert.That(device.Device, Is.EqualTo("ilgpu-cpu"));
        Assert.That(device.LaunchShape, Is.EqualTo("extent=500"));
        Assert.That(device.Flops, Is.EqualTo(2 * 500));
        Assert.That(device.Bytes, Is.EqualTo(3 * 4 * 500));
        Assert.That(device.Elapsed, Is.GreaterThan(TimeSpan.Zero));

        var host = records[1];
        Assert.That(host.Kernel, Is.EqualTo("Blas1Host.Scale"));
        Assert.That(host.Device, Is.EqualTo("cpu"));
        Assert.That(host.LaunchShape, Does.StartWith("elements=300"));
        Assert.That(host.Bytes, Is.EqualTo(2 * 4 * 300));
    }

    [Test]
    public void NothingIsRecordedWhileProfilingIsOff()
    {
        using var y = Tensor.Ones(Shape.Of(10), TestSupport.Cpu);
        Ops.Scale(y, 2f);
        Assert.That(Profiler.Records, Is.Empty);
    }

    [Test]
    public void ADeviceKernelIsLoadedOncePerAccelerator()
    {
        using var y = Tensor.Ones(Shape.Of(10), TestSupport.IlgpuCpu);
        Ops.Scale(y, 2f); // loads the kernel if no earlier test did
        int loaded = Launcher.LoadedKernelCount;
        for (int i = 0; i < 5; i++) Ops.Scale(y, 2f);
        Assert.That(Launcher.LoadedKernelCount, Is.EqualTo(loaded));
        Assert.That(y.ToArray(), Is.All.EqualTo(64f));
    }

    /// <summary>TF32 is off unless asked for, and asking changes nothing where there are no tensor cores: the
    /// FP32 kernel runs and gives the same bits.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.SimulatedGpus))]
    public void Tf32IsOffByDefaultAndOnlyForTensorCores(string deviceName)
    {
        Assert.That(MatMulPrecision.AllowTf32, Is.EqualTo(Environment.GetEnvironmentVariable(MatMulPrecision.EnvironmentVariable) == "1"));
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var a = Tensor.FromArray(TestSupport.RandomArray(9 * 20, 4), Shape.Of(9, 20), device);
        var b = Tensor.FromArray(TestSupport.RandomArray(20 * 11, 5), Shape.Of(20, 11), device);
        float[] fp32 = Ops.MatMul(a, b).ToArray();
        bool allowed = MatMulPrecision.AllowTf32;
        MatMulPrecision.AllowTf32 = true;
        try
        {
            Profiler.Clear();
            float[] asked;
            using (Profiler.Record()) asked = Ops.MatMul(a, b).ToArray();
            Assert.That(Profiler.Records.Single(r => r.Kernel.StartsWith("Gemm", StringComparison.Ordinal)).Kernel, Is.EqualTo("GemmDevice.Tiled"));
            Assert.That(asked, Is.EqualTo(fp32));
        }
        finally
        {
            MatMulPrecision.AllowTf32 = allowed;
        }
    }

    /// <summary>The GEMM's plan: the warp-tiled kernel (128 × 128 tiles) where those fill the multiprocessors, else
    /// 16 × 16 threads (64 × 64 tiles), else 8 × 8 threads (32 × 32 tiles) with K split when it is long enough;
    /// 2 × 2 on the small simulator.</summary>
    [TestCase(100, 400, 784, 1, 1024, 132, "Tiled", 8, 3)]     // a Linear at batch 100: 52 small tiles for 132 SMs, K split in 3
    [TestCase(100, 400, 100, 1, 1024, 132, "Tiled", 8, 1)]     // K too short to split
    [TestCase(4096, 4096, 4096, 1, 1024, 132, "WarpTiled", 256, 1)] // 1,024 big tiles
    [TestCase(1024, 1024, 1024, 1, 1024, 132, "Tiled", 16, 1)] // 64 big tiles, 256 of 64 × 64
    [TestCase(100, 400, 784, 10, 1024, 132, "Tiled", 16, 1)]   // batched: 140 tiles of 64 × 64
    [TestCase(6, 7, 5, 1, 256, 1, "Tiled", 16, 1)]             // the GPU-shaped simulator: one multiprocessor
    [TestCase(200, 300, 5, 1, 256, 1, "WarpTiled", 256, 1)]
    [TestCase(4096, 4096, 4096, 1, 8, 1, "Tiled", 2, 1)]       // the small simulator
    [TestCase(0, 5, 700, 1, 1024, 132, "Tiled", 8, 1)]         // an empty C: nothing to split (no division by its zero tiles)
    [TestCase(5, 0, 700, 1, 1024, 132, "Tiled", 8, 1)]
    public void TheGemmPlanFitsTheProblemAndTheDevice(int m, int n, int k, int batch, int maxGroup, int multiprocessors, string kernel, int threadsX, int splits)
    {
        var plan = GpuGen.Backends.Ilgpu.GemmPlan.For(m, n, k, batch, maxGroup, multiprocessors);
        Assert.That((plan.Kernel.ToString(), plan.GroupX, plan.Splits), Is.EqualTo((kernel, threadsX, splits)));
        if (plan.Kernel == GpuGen.Backends.Ilgpu.GemmKernel.Tiled)
            Assert.That(GpuGen.Kernels.Gemm.GemmDevice.SharedFloats(plan.GroupX, plan.GroupY, plan.TileK), Is.LessThanOrEqualTo(GpuGen.Kernels.Gemm.GemmDevice.MaxSharedFloats), "the static shared block holds the tiles");
        int chunk = plan.ChunkFor(k);
        Assert.That(chunk % plan.TileK == 0 || plan.Splits == 1, "split ranges are whole K steps");
        Assert.That((plan.Splits - 1) * chunk, Is.LessThan(k), "every range holds some k");
        Assert.That(plan.Splits * chunk, Is.GreaterThanOrEqualTo(k), "the ranges cover K");
    }

    public static IEnumerable<TestCaseData> DeviceShapes()
    {
        yield return new TestCaseData("ilgpu-cpu", "(2, 2, 1)", "group=(8, 1, 1)");
        yield return new TestCaseData("ilgpu-cpu-warp32", "(16, 16, 1)", "group=(256, 1, 1)");
        // where installed: one 64 × 64 tile would leave 7 of llvmpipe's 8 compute units idle
        foreach (var openCl in TestSupport.OpenCl) yield return new TestCaseData(openCl, "(8, 8, 1)", "group=(256, 1, 1)");
    }

    /// <summary>
    /// The GPU-shaped simulator takes the launch configurations a GPU takes: the GEMM's 16 × 16
    /// thread tiles and 256-thread reduction trees, where the small simulator gets 2 × 2 and 8.
    /// (That the kernels compute the right numbers in each shape is the parity tests' job; this
    /// checks that the shape they ran in is the one meant.)
    /// </summary>
    [TestCaseSource(nameof(DeviceShapes))]
    public void EachSimulatedGpuLaunchesTheConfigurationOfItsShape(string deviceName, string gemmGroup, string reduceGroup)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var a = Tensor.FromArray(TestSupport.RandomArray(6 * 5, 1), Shape.Of(6, 5), device);
        var b = Tensor.FromArray(TestSupport.RandomArray(5 * 7, 2), Shape.Of(5, 7), device);
        var rows = Tensor.FromArray(TestSupport.RandomArray(3 * 700, 3), Shape.Of(3, 700), device);
        Profiler.Clear();
        using (Profiler.Record())
        {
            Ops.MatMul(a, b);
            Ops.Sum(rows, 1);
        }
        var records = Profiler.Records;
        TestContext.Out.WriteLine(string.Join("\n", records.Select(r => $"{r.Kernel} {r.LaunchShape}")));
        Assert.That(records.Single(r => r.Kernel.StartsWith("GemmDevice")).LaunchShape, Does.EndWith($"group={gemmGroup}"));
        Assert.That(records.Single(r => r.Kernel.StartsWith("ReduceDevice.ContiguousChunks")).LaunchShape, Is.EqualTo($"grid=(3, 1, 1) {reduceGroup}"));
    }
}
