using System.Text.Json;
using GpuGen.Backends.Ilgpu;
using GpuGen.Kernels.Peak;
using GpuGen.Launch;

namespace GpuGen;

/// <summary>
/// What a device can do at best, measured on this machine: the FP32 FMA rate (GFLOP/s) and the memory
/// bandwidth of a large copy (GB/s, bytes read plus written). The profiler states each kernel as a
/// fraction of these; <c>gpugen bench-device</c> measures and caches them.
/// </summary>
/// <param name="Device">The device's name (cpu, ilgpu-cpu, cuda:0 …).</param>
/// <param name="Description">The hardware, as <see cref="DeviceInfo.Description"/> says it.</param>
/// <param name="Machine">The host's name: peaks are per machine.</param>
/// <param name="FmaGflops">Median FP32 rate of independent FMA chains on every core or SM.</param>
/// <param name="CopyGBps">Median bandwidth of a copy of <paramref name="CopyBytes"/>/2 bytes into another buffer.</param>
/// <param name="CopyBytes">Bytes one copy moved (read plus written).</param>
/// <param name="Measured">When (UTC).</param>
public sealed record DevicePeaks(string Device, string Description, string Machine, double FmaGflops, double CopyGBps, double CopyBytes, DateTime Measured)
{
    /// <summary>The arithmetic intensity (FLOP per byte) where the roofline's two ceilings meet.</summary>
    public double RidgeFlopsPerByte => FmaGflops / CopyGBps;

    /// <summary>
    /// Measures both peaks on <paramref name="device"/>: each measurement is sized until one run takes at
    /// least <paramref name="minimumSeconds"/> (so launch overhead does not count), then repeated
    /// <paramref name="repeats"/> times; the medians are kept.
    /// </summary>
    public static DevicePeaks Measure(Device device, double minimumSeconds = 0.05, int repeats = 5)
    {
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "need at least one repeat");
        double fma = Fma(device, minimumSeconds, repeats);
        var (bandwidth, bytes) = Copy(device, minimumSeconds, repeats);
        return new DevicePeaks(device.Name, device.Info.Description, Environment.MachineName, fma, bandwidth, bytes, DateTime.UtcNow);
    }

    private static double Fma(Device device, double minimumSeconds, int repeats)
    {
        if (device is not IlgpuDevice ilgpu)
        {
            long iterations = 1 << 16;
            while (Timing.Seconds(() => FmaPeak.AllCores(iterations)) < minimumSeconds && iterations < FmaPeak.Iterations * 16) iterations *= 2;
            return FmaPeak.FlopsOf(iterations) / Timing.Median(repeats, () => FmaPeak.AllCores(iterations)) / 1e9;
        }
        // enough threads to fill every core of a GPU several times over; fewer on ILGPU's CPU simulator
        int threads = device.Kind == DeviceKind.IlgpuCpu ? 256 : 1 << 20;
        using var output = Tensor.Empty(Shape.Of(threads), device);
        int kernelIterations = 16;
        void Launch()
        {
            Launcher.Device(ilgpu, PeakDevice.FmaChains, threads, new FmaChainsArgs { Out = output.View(), Iterations = kernelIterations },
                new KernelCost(2.0 * PeakDevice.Chains * kernelIterations * threads, 4.0 * threads));
            device.Synchronize();
        }
        Launch(); // compiles the kernel
        while (Timing.Seconds(Launch) < minimumSeconds && kernelIterations < 1 << 24) kernelIterations *= 2;
        double seconds = Timing.Median(repeats, Launch);
        float check = output.ToArray()[0];
        if (!float.IsFinite(check)) throw new GpuGenException($"bench-device: the FMA kernel on {device.Name} wrote {check}");
        return 2.0 * PeakDevice.Chains * kernelIterations * threads / seconds / 1e9;
    }

    private static (double GBps, double Bytes) Copy(Device device, double minimumSeconds, int repeats)
    {
        // Up to 64 Mi floats (256 MiB a buffer) and a quarter of the device's memory, from 1 Mi
        // (ILGPU's CPU simulator runs its threads one group at a time: 64 Ki there, a measure of the simulator only)
        bool simulator = device.Kind == DeviceKind.IlgpuCpu;
        long cap = simulator ? 1L << 16 : Math.Min(64L << 20, Math.Max(1L << 20, device.Info.MemoryBytes / 4 / sizeof(float) / 2));
        int n = simulator ? 1 << 16 : 1 << 20;
        while (true)
        {
            using var source = Tensor.Empty(Shape.Of(n), device);
            using var target = Tensor.Empty(Shape.Of(n), device);
            using (Autograd.NoGrad()) Ops.Fill(source, 1.5f);
            void Run()
            {
                using (Autograd.NoGrad()) Ops.Copy(source, target);
                device.Synchronize();
            }
            Run();
            if (Timing.Seconds(Run) >= minimumSeconds || 2L * n > cap)
            {
                double seconds = Timing.Median(repeats, Run);
                double bytes = 2.0 * n * sizeof(float);
                return (bytes / seconds / 1e9, bytes);
            }
            n *= 2;
        }
    }

    // ---- the cache: one JSON file per user, entries keyed by machine, device and hardware ----

    /// <summary>Overrides the cache folder (tests; a shared machine). Default: $XDG_CACHE_HOME/gpugen or ~/.cache/gpugen.</summary>
    public const string CacheVariable = "GPUGEN_CACHE_DIR";

    public static string CachePath
    {
        get
        {
            string? folder = Environment.GetEnvironmentVariable(CacheVariable);
            if (string.IsNullOrEmpty(folder))
            {
                string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                folder = Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg, "gpugen");
            }
            return Path.Combine(folder, "device-peaks.json");
        }
    }

    private static string Key(string machine, string device, string description) => $"{machine}|{device}|{description}";

    /// <summary>The cached peaks of <paramref name="device"/> on this machine, or null when none were measured
    /// (or the cache is unreadable: it is only a cache).</summary>
    public static DevicePeaks? Cached(Device device) =>
        ReadCache().GetValueOrDefault(Key(Environment.MachineName, device.Name, device.Info.Description));

    /// <summary>Stores <paramref name="peaks"/> in the cache (replacing that device's entry), atomically.</summary>
    public static void Store(DevicePeaks peaks)
    {
        var entries = ReadCache();
        entries[Key(peaks.Machine, peaks.Device, peaks.Description)] = peaks;
        Directory.CreateDirectory(Path.GetDirectoryName(CachePath)!);
        IO.AtomicFile.WriteText(CachePath, JsonSerializer.Serialize(entries, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static Dictionary<string, DevicePeaks> ReadCache()
    {
        try
        {
            return File.Exists(CachePath)
                ? JsonSerializer.Deserialize<Dictionary<string, DevicePeaks>>(File.ReadAllText(CachePath)) ?? []
                : [];
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return [];
        }
    }
}
