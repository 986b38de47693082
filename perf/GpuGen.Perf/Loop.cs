using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace GpuGen.Perf;

/// <summary>
/// `--loop Class.Method N`: the benchmark method run N times in this process after its
/// [GlobalSetup] and five warm-up calls, each call timed on its own, then one line with the median,
/// the quartiles and the minimum; for each value of the class's [Params] property, if it has one. BenchmarkDotNet's runs take minutes; on a machine whose speed
/// swings by tens of percent within a minute (a VM sharing its L3 with other tenants), alternating
/// short loops of GpuGen and libtorch (perf/alternate.sh) compares the two under the same conditions.
/// Shared by GpuGen.Perf and GpuGen.Perf.Torch (linked).
/// </summary>
public static class Loop
{
    public static bool TryRun(string[] args, Assembly assembly)
    {
        int at = Array.IndexOf(args, "--loop");
        if (at < 0) return false;
        if (at + 2 >= args.Length || !int.TryParse(args[at + 2], out int iterations) || iterations < 1)
            throw new ArgumentException("usage: --loop Class.Method ITERATIONS (ITERATIONS ≥ 1)");
        string[] parts = args[at + 1].Split('.');
        var type = assembly.GetTypes().SingleOrDefault(t => t.Name == parts[0])
            ?? throw new ArgumentException($"no benchmark class {parts[0]} in {assembly.GetName().Name}");
        var method = parts.Length == 2 ? type.GetMethod(parts[1]) : null;
        if (method?.GetCustomAttribute<BenchmarkAttribute>() is null)
            throw new ArgumentException($"{args[at + 1]} is not a [Benchmark] method");
        // every value of the class's [Params] property, if it has one (a layer of the convolution benchmarks)
        var parameter = type.GetProperties().SingleOrDefault(p => p.GetCustomAttribute<ParamsAttribute>() is not null);
        object?[] values = parameter?.GetCustomAttribute<ParamsAttribute>()!.Values ?? [null];
        foreach (var value in values)
        {
            object instance = Activator.CreateInstance(type)!;
            parameter?.SetValue(instance, value);
            void Call<TAttribute>() where TAttribute : Attribute
            {
                foreach (var m in type.GetMethods().Where(m => m.GetCustomAttribute<TAttribute>() is not null)) m.Invoke(instance, null);
            }
            var body = method.CreateDelegate<Action>(instance);
            Call<GlobalSetupAttribute>();
            for (int i = 0; i < 5; i++) body();
            var times = new double[iterations];
            for (int i = 0; i < iterations; i++)
            {
                long start = Stopwatch.GetTimestamp();
                body();
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            if (Environment.GetEnvironmentVariable("GPUGEN_LOOP_KERNELS") == "1") KernelTotals(body, iterations);
            Call<GlobalCleanupAttribute>();
            Array.Sort(times);
            string name = parameter is null ? args[at + 1] : $"{args[at + 1]}[{value}]";
            Console.WriteLine($"{name}: median {times[iterations / 2]:F3} ms, quartiles {times[iterations / 4]:F3}–{times[3 * iterations / 4]:F3}, min {times[0]:F3} ({iterations} calls)");
        }
        return true;
    }

    /// <summary>With GPUGEN_LOOP_KERNELS=1 (GpuGen.Perf only): the calls once more under GpuGen's profiler,
    /// then each kernel's calls and wall time per call of the benchmark, largest first — where a
    /// benchmark made of many small ops spends its time.</summary>
    private static void KernelTotals(Action body, int iterations)
    {
        var profiler = Type.GetType("GpuGen.Launch.Profiler, GpuGen.Core");
        if (profiler is null) return; // the libtorch project has no GpuGen kernels
        profiler.GetMethod("Clear")!.Invoke(null, null);
        using (var recording = (IDisposable)profiler.GetMethod("Record")!.Invoke(null, null)!)
            for (int i = 0; i < iterations; i++) body();
        var records = (System.Collections.IEnumerable)profiler.GetProperty("Records")!.GetValue(null)!;
        var totals = new Dictionary<string, (int Calls, double Ms)>();
        foreach (dynamic r in records)
        {
            string kernel = r.Kernel;
            var (calls, ms) = totals.GetValueOrDefault(kernel);
            totals[kernel] = (calls + 1, ms + ((TimeSpan)r.Elapsed).TotalMilliseconds);
        }
        foreach (var (kernel, (calls, ms)) in totals.OrderByDescending(t => t.Value.Ms))
            Console.WriteLine($"  {kernel,-60} {calls / (double)iterations,6:F1} calls {ms / iterations * 1000,9:F1} µs per call of the benchmark");
        Console.WriteLine($"  {"all kernels",-60} {totals.Values.Sum(t => t.Calls) / (double)iterations,6:F1} calls {totals.Values.Sum(t => t.Ms) / iterations * 1000,9:F1} µs");
    }
}
