using System.Text.Json;
using GpuGen;
using GpuGen.Backends.Ilgpu;
using GpuGen.Kernels.Peak;
using GpuGen.Launch;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.Launch;

/// <summary>
/// bench-device's measurements: the FMA kernel computes its chains (against a host replay, output poisoned
/// first), both peaks come out positive and finite on every device, the cache keeps them per device and
/// survives a corrupt file, and the command prints them and refuses bad options.
/// </summary>
[NonParallelizable] // the cache folder is an environment variable
public class DevicePeaksTests
{
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void TheFmaKernelRunsItsChains(string deviceName)
    {
        if (GpuGen.Devices.Get(deviceName) is not IlgpuDevice device)
        {
            Assert.That(deviceName, Is.EqualTo("cpu"), "only the cpu device has no device kernel");
            Assert.That(FmaPeak.FlopsOf(10), Is.EqualTo(Environment.ProcessorCount * 10 * 12.0 * System.Runtime.Intrinsics.Vector512<float>.Count * 2));
            return;
        }
        const int threads = 40, iterations = 37;
        using var output = Tensor.Full(Shape.Of(threads), float.NaN, device);
        Launcher.Device(device, PeakDevice.FmaChains, threads, new FmaChainsArgs { Out = output.View(), Iterations = iterations }, default);
        var got = output.ToArray();
        for (int i = 0; i < threads; i++)
        {
            float x = 1e-7f * (1 + (i & 7)), a = x;
            for (int k = 0; k < iterations; k++) a = a * 0.9999999f + x;
            Assert.That(got[i], Is.EqualTo(8 * a).Within(1e-5 * 8 * a), $"thread {i}");
        }
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void BothPeaksAreMeasured(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        var peaks = DevicePeaks.Measure(device, minimumSeconds: 0.005, repeats: 1);
        Assert.That(peaks.FmaGflops, Is.GreaterThan(0).And.LessThan(1e6));
        Assert.That(peaks.CopyGBps, Is.GreaterThan(0).And.LessThan(1e5));
        Assert.That(peaks.CopyBytes, Is.GreaterThanOrEqualTo(device.Kind == DeviceKind.IlgpuCpu ? 8.0 * (1 << 16) : 8.0 * (1 << 20)),
            "at least 1 Mi floats read and written (64 Ki on the simulator)");
        Assert.That((peaks.Device, peaks.Description), Is.EqualTo((device.Name, device.Info.Description)));
        Assert.That(peaks.RidgeFlopsPerByte, Is.EqualTo(peaks.FmaGflops / peaks.CopyGBps));
    }

    [Test]
    public void TheCacheKeepsEachDevicesPeaksAndSurvivesACorruptFile()
    {
        using var folder = new TempFolder();
        string? previous = Environment.GetEnvironmentVariable(DevicePeaks.CacheVariable);
        Environment.SetEnvironmentVariable(DevicePeaks.CacheVariable, folder.Path);
        try
        {
            var cpu = TestSupport.Cpu;
            var simulator = GpuGen.Devices.Get("ilgpu-cpu");
            Assert.That(DevicePeaks.Cached(cpu), Is.Null);
            File.WriteAllText(DevicePeaks.CachePath, "{ not json");
            Assert.That(DevicePeaks.Cached(cpu), Is.Null, "a corrupt cache is no cache");
            var a = new DevicePeaks("cpu", cpu.Info.Description, Environment.MachineName, 123.5, 45.25, 1e8, DateTime.UtcNow);
            var b = a with { Device = "ilgpu-cpu", Description = simulator.Info.Description, FmaGflops = 1.5 };
            DevicePeaks.Store(a);
            DevicePeaks.Store(b);
            Assert.That(DevicePeaks.Cached(cpu), Is.EqualTo(a));
            Assert.That(DevicePeaks.Cached(simulator), Is.EqualTo(b));
            DevicePeaks.Store(a with { FmaGflops = 200 });
            Assert.That(DevicePeaks.Cached(cpu)!.FmaGflops, Is.EqualTo(200), "a new measurement replaces the old");
        }
        finally
        {
            Environment.SetEnvironmentVariable(DevicePeaks.CacheVariable, previous);
        }
    }

    [Test]
    public void TheCommandMeasuresCachesAndPrints()
    {
        using var folder = new TempFolder();
        string? previous = Environment.GetEnvironmentVariable(DevicePeaks.CacheVariable);
        Environment.SetEnvironmentVariable(DevicePeaks.CacheVariable, folder.Path);
        try
        {
            var (code, stdout, error) = CliRunner.Run("bench-device", "--device", "cpu", "--repeats", "1", "--json");
            Assert.That(code, Is.EqualTo(0), error);
            var json = JsonDocument.Parse(stdout).RootElement;
            double fma = json.GetProperty("fma_gflops").GetDouble();
            Assert.That(fma, Is.GreaterThan(0));
            Assert.That(json.GetProperty("copy_gbps").GetDouble(), Is.GreaterThan(0));
            Assert.That(DevicePeaks.Cached(TestSupport.Cpu)!.FmaGflops, Is.EqualTo(fma));
            (code, stdout, error) = CliRunner.Run("bench-device", "--device", "cpu", "--repeats", "1");
            Assert.That(code, Is.EqualTo(0), error);
            Assert.That(stdout, Does.Contain("FP32 FMA peak").And.Contain("GFLOP/s").And.Contain("copy bandwidth"));
            (code, _, error) = CliRunner.Run("bench-device", "--repeats", "0");
            Assert.That(code, Is.EqualTo(2));
            Assert.That(error.Trim(), Does.Contain("--repeats must be at least 1").And.Not.Contain("\n"));
            (code, _, error) = CliRunner.Run("bench-device", "--device", "cuda:7");
            Assert.That((code, error.Trim().Split('\n').Length), Is.EqualTo((2, 1)).Or.EqualTo((1, 1)), error);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DevicePeaks.CacheVariable, previous);
        }
    }

    /// <summary>bench-kernels times the GEMM and the streaming kernels, declares their work by hand counts
    /// (2n³ FLOPs; 12, 8 and 4 bytes an element), states fractions of the cached peaks, and refuses bad sizes.</summary>
    [TestCase("cpu")]
    [TestCase("ilgpu-cpu")]
    public void BenchKernelsTimesEachKernelAgainstThePeaks(string device)
    {
        using var folder = new TempFolder();
        string? previous = Environment.GetEnvironmentVariable(DevicePeaks.CacheVariable);
        Environment.SetEnvironmentVariable(DevicePeaks.CacheVariable, folder.Path);
        try
        {
            DevicePeaks.Store(new DevicePeaks(device, GpuGen.Devices.Get(device).Info.Description, Environment.MachineName, 100, 10, 1e6, DateTime.UtcNow));
            var (code, stdout, error) = CliRunner.Run("bench-kernels", "--device", device, "--sizes", "8,24", "--elements", "1000", "--repeats", "1", "--json");
            Assert.That(code, Is.EqualTo(0), error);
            var kernels = JsonDocument.Parse(stdout).RootElement.GetProperty("kernels").EnumerateArray().ToList();
            Assert.That(kernels.Select(k => $"{k.GetProperty("kernel").GetString()} {k.GetProperty("size").GetString()}"),
                Is.EqualTo(new[] { "gemm A·B 8×8×8", "gemm A·Bᵀ 8×8×8", "gemm A·B 24×24×24", "gemm A·Bᵀ 24×24×24", "add 1,000", "exp 1,000", "sum 1,000" }));
            Assert.That(kernels[2].GetProperty("flops").GetDouble(), Is.EqualTo(2.0 * 24 * 24 * 24));
            Assert.That(kernels.Skip(4).Select(k => k.GetProperty("bytes").GetDouble()), Is.EqualTo(new[] { 12000.0, 8000.0, 4000.0 }));
            foreach (var k in kernels)
            {
                Assert.That(k.GetProperty("seconds").GetDouble(), Is.GreaterThan(0));
                Assert.That(k.GetProperty("fraction_of_fma_peak").GetDouble(), Is.EqualTo(k.GetProperty("gflops").GetDouble() / 100).Within(1e-9));
                Assert.That(k.GetProperty("fraction_of_bandwidth").GetDouble(), Is.EqualTo(k.GetProperty("gbps").GetDouble() / 10).Within(1e-9));
            }
            (code, stdout, error) = CliRunner.Run("bench-kernels", "--device", device, "--sizes", "8", "--elements", "100", "--repeats", "1");
            Assert.That(code, Is.EqualTo(0), error);
            Assert.That(stdout, Does.Contain("% FMA PEAK").And.Contain("gemm A·Bᵀ"));
            foreach (var bad in new[] { "0", "8,x", "" })
            {
                (code, _, error) = CliRunner.Run("bench-kernels", "--device", device, "--sizes", bad);
                Assert.That((code, error.Trim().Split('\n').Length), Is.EqualTo((2, 1)), error);
                Assert.That(error, Does.Contain("--sizes must be positive integers"));
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(DevicePeaks.CacheVariable, previous);
        }
    }

    /// <summary>Where groups hold 256 threads, bench-kernels can time each GEMM plan forced beside the device's own
    /// choice (what tunes GemmPlan.For on a GPU), and leaves the device's choice in place after.</summary>
    [Test]
    public void BenchKernelsComparesTheGemmPlansOnAGpuShapedDevice()
    {
        var device = TestSupport.IlgpuCpuWarp32;
        var rows = KernelBench.Run(device, [24], 100, repeats: 1, minimumSeconds: 0.001, comparePlans: true).Select(t => $"{t.Kernel} {t.Shape}").ToList();
        Assert.That(rows.Take(5), Is.EqualTo(new[]
        {
            "gemm A·B 24×24×24", "gemm A·Bᵀ 24×24×24",
            "gemm A·B [warp-tiled 128²] 24×24×24", "gemm A·B [tiled 64²] 24×24×24", "gemm A·B [tiled 32²] 24×24×24", // K = 24: too short to split
        }));
        Assert.That(GpuGen.Backends.Ilgpu.GemmPlan.Forced, Is.Null);
        Assert.That(KernelBench.Run(TestSupport.Cpu, [24], 100, repeats: 1, minimumSeconds: 0.001, comparePlans: true).Count(), Is.EqualTo(5), "no plans on the host");
    }
}
