using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace GpuGen.Perf;

/// <summary>
/// The configuration every benchmark runs under: medians (this machine is noisy, ±10–30%),
/// and GFLOP/s and GB/s columns computed from the work each benchmark declares in <see cref="Work"/>.
/// </summary>
public static class PerfConfig
{
    public static IConfig Create(bool quick = false) => DefaultConfig.Instance
        .AddJob(quick ? Job.Dry : Job.Default.WithWarmupCount(3).WithIterationCount(15))
        .AddColumn(StatisticColumn.Median)
        .AddColumn(new ThroughputColumn(gflops: true), new ThroughputColumn(gflops: false))
        .WithOptions(ConfigOptions.JoinSummary);
}

/// <summary>GFLOP/s or GB/s at the median time. BenchmarkDotNet runs benchmarks in a child
/// process, so the column asks a fresh instance of the class through <see cref="IDeclaresWork"/>.</summary>
internal sealed class ThroughputColumn(bool gflops) : IColumn
{
    public string Id => gflops ? "GFLOPs" : "GBps";
    public string ColumnName => gflops ? "GFLOP/s" : "GB/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => gflops ? 0 : 1;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => gflops ? "Floating-point operations per second at the median time, 1e9" : "Bytes moved per second at the median time, 1e9";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        var median = report?.ResultStatistics?.Median;
        if (median is null or <= 0) return "-";
        var type = benchmarkCase.Descriptor.Type;
        if (Activator.CreateInstance(type) is not IDeclaresWork declarer) return "-";
        var parameters = benchmarkCase.Parameters.Items.ToDictionary(p => p.Name, p => p.Value);
        var (flops, bytes) = declarer.WorkOf(benchmarkCase.Descriptor.WorkloadMethod.Name, parameters);
        double perSecond = (gflops ? flops : bytes) / (median.Value * 1e-9) / 1e9;
        return perSecond > 0 ? perSecond.ToString("F1") : "-";
    }
}

/// <summary>A benchmark class that can say how much work each of its benchmarks does.</summary>
public interface IDeclaresWork
{
    (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters);
}

/// <summary>The work a benchmark declares by running it: what the kernels of one warm run report to
/// the profiler (for benchmarks made of many ops, where counting by hand would drift from the code).</summary>
public static class ProfiledWork
{
    /// <summary>Sets up, runs once to warm (optimizer state, buffers), runs once under the profiler,
    /// cleans up; returns the FLOPs and bytes its kernels declared.</summary>
    public static (double Flops, double Bytes) Of(Action setup, Action run, Action cleanup)
    {
        setup();
        try
        {
            run();
            GpuGen.Launch.Profiler.Clear();
            using (GpuGen.Launch.Profiler.Record()) run();
            return (GpuGen.Launch.Profiler.Records.Sum(r => r.Flops), GpuGen.Launch.Profiler.Records.Sum(r => r.Bytes));
        }
        finally
        {
            GpuGen.Launch.Profiler.Clear();
            cleanup();
        }
    }
}
