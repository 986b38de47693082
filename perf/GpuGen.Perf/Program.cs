using BenchmarkDotNet.Running;
using GpuGen.Perf;

// `dotnet run -c Release --project perf/GpuGen.Perf -- --filter '*'` runs every benchmark;
// `--filter '*Gemm*'` one class; `--list flat` lists them; `--quick` runs each benchmark once
// (a smoke test of the benchmarks themselves, not a measurement). See CONTRIBUTING.md.
bool quick = args.Contains("--quick");
BenchmarkSwitcher.FromAssembly(typeof(PerfConfig).Assembly)
    .Run(args.Where(a => a != "--quick").ToArray(), PerfConfig.Create(quick));
