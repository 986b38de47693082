using BenchmarkDotNet.Attributes;
using GpuGen.Launch;

namespace GpuGen.Perf;

/// <summary>
/// What the profiler's hooks cost when it is off, on the path every launch takes: a 16-float host kernel
/// called directly (the baseline), the same through <see cref="Launcher.Host"/> with profiling off (the
/// difference is the launch path's one static bool read and a call), and a whole tiny op (checks,
/// allocation, launch, the tape's hook) with profiling off and on (on: two synchronizes, a timestamp and a
/// record per launch, cleared every 100 ops so the list stays small).
/// </summary>
public class ProfilerOverheadBenchmarks
{
    private const int OpsPerInvoke = 100;
    private Device _cpu = null!;
    private float[] _x = [], _y = [];
    private Tensor _a = null!, _b = null!;

    private static readonly Action<(float[] X, float[] Y)> AddKernel = static s =>
    {
        for (int i = 0; i < s.X.Length; i++) s.Y[i] += s.X[i];
    };

    [GlobalSetup]
    public void Setup()
    {
        _cpu = Devices.Get("cpu");
        _x = Enumerable.Range(0, 16).Select(i => i * 0.5f).ToArray();
        _y = new float[16];
        _a = Tensor.Full(Shape.Of(16), 0.5f, _cpu);
        _b = Tensor.Full(Shape.Of(16), 0.25f, _cpu);
        Profiler.Enabled = false;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
    }

    [Benchmark(Baseline = true)] public void KernelCalledDirectly() => AddKernel((_x, _y));

    [Benchmark] public void KernelThroughLauncherProfilingOff() => Launcher.Host(_cpu, "add16", 16, new KernelCost(16, 192), (_x, _y), AddKernel);

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void TinyOpProfilingOff()
    {
        for (int i = 0; i < OpsPerInvoke; i++) Ops.Add(_a, _b).Dispose();
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void TinyOpProfilingOn()
    {
        using (Profiler.Record())
            for (int i = 0; i < OpsPerInvoke; i++) Ops.Add(_a, _b).Dispose();
        Profiler.Clear();
    }
}
