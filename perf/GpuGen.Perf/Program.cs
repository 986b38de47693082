using BenchmarkDotNet.Running;
using GpuGen.Perf;

// `dotnet run -c Release --project perf/GpuGen.Perf -- --filter '*'` runs every benchmark;
// `--filter '*Blas1*'` one class; `--list flat` lists them. See CONTRIBUTING.md.
BenchmarkSwitcher.FromAssembly(typeof(PerfConfig).Assembly).Run(args, PerfConfig.Create());
