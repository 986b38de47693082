using BenchmarkDotNet.Running;
using GpuGen.Perf;

// `dotnet run -c Release --project perf/GpuGen.Perf -- --filter '*'` runs every benchmark;
// `--filter '*Gemm*'` one class; `--list flat` lists them; `--quick` runs each benchmark once
// (a smoke test of the benchmarks themselves, not a measurement); `--loop Class.Method N` times N
// calls of one benchmark in this process (Loop.cs, perf/alternate.sh). See CONTRIBUTING.md.
if (Loop.TryRun(args, typeof(PerfConfig).Assembly)) return;
bool quick = args.Contains("--quick");
BenchmarkSwitcher.FromAssembly(typeof(PerfConfig).Assembly)
    .Run(args.Where(a => a != "--quick").ToArray(), PerfConfig.Create(quick));
