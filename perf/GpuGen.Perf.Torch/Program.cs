using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// `dotnet run -c Release --project perf/GpuGen.Perf.Torch -- --filter '*'`: the libtorch baselines,
// under the same job as GpuGen.Perf (3 warm-up and 15 measured iterations, medians). In process:
// BenchmarkDotNet's child-process build does not carry libtorch's native libraries along.
// `--loop Class.Method N` times N calls of one benchmark (GpuGen.Perf's Loop.cs, perf/alternate.sh).
if (GpuGen.Perf.Loop.TryRun(args, typeof(GpuGen.Perf.Torch.TorchGanBenchmarks).Assembly)) return;
BenchmarkSwitcher.FromAssembly(typeof(GpuGen.Perf.Torch.TorchGanBenchmarks).Assembly)
    .Run(args, DefaultConfig.Instance.AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median).AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(15).WithToolchain(InProcessEmitToolchain.Instance)));
