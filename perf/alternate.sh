#!/usr/bin/env bash
# Alternates short in-process loops of a GpuGen benchmark and its libtorch baseline, so that both
# are measured under the same machine conditions (this VM's speed moves by tens of percent within a
# minute): GpuGen, libtorch, GpuGen, libtorch, … each round printing both medians and their ratio
# (for a benchmark with [Params], such as the DCGAN layers, one line per value).
#   perf/alternate.sh [ROUNDS] [GPUGEN Class.Method] [LIBTORCH Class.Method] [CALLS]
# defaults: 6 rounds of the WGAN-GP toy iteration (GanBenchmarks.WganGpToyIteration against
# TorchGanBenchmarks.WganGpToyIteration), 100 calls each. Builds both once, then runs the binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-6}; ours=${2:-GanBenchmarks.WganGpToyIteration}; theirs=${3:-TorchGanBenchmarks.WganGpToyIteration}; calls=${4:-100}
dotnet build -c Release perf/GpuGen.Perf -v q -nologo >/dev/null
dotnet build -c Release perf/GpuGen.Perf.Torch -v q -nologo >/dev/null
median() { sed -E 's/.*median ([0-9.]+) ms.*/\1/'; }
for round in $(seq 1 "$rounds"); do
  a=$(dotnet perf/GpuGen.Perf/bin/Release/net10.0/GpuGen.Perf.dll --loop "$ours" "$calls") \
    || { echo "alternate.sh: the GpuGen loop '$ours' failed" >&2; exit 1; }
  b=$(dotnet perf/GpuGen.Perf.Torch/bin/Release/net10.0/GpuGen.Perf.Torch.dll --loop "$theirs" "$calls" 2>/tmp/alternate-libtorch.err) \
    || { echo "alternate.sh: the libtorch loop '$theirs' failed (on a fresh machine, libtorch's glue needs patchelf: apt-get install patchelf, then run again): $(grep -m1 . /tmp/alternate-libtorch.err)" >&2; exit 1; }
  echo "round $round"
  # one line per benchmark (per layer, for the convolutions): both medians and libtorch / GpuGen
  paste -d '\n' <(echo "$a") <(echo "$b") | paste - - | while IFS=$'\t' read -r x y; do
    mx=$(echo "$x" | median); my=$(echo "$y" | median)
    echo "  ${x%%:*}: GpuGen $mx ms, libtorch $my ms, libtorch / GpuGen $(awk "BEGIN { printf \"%.2f\", $my / $mx }")×"
  done
done
