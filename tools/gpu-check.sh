#!/usr/bin/env bash
# The GPU check: what to run on a machine with a GPU, prepared here, run there in one go.
#
#   tools/gpu-check.sh pack
#       Here, with the .NET SDK: publishes gpugen as a self-contained linux-x64 build and compresses it into
#       artifacts/gpu-check/gpugen-linux-x64.tar.xz (33 MB; artifacts/ is ignored by git).
#   tools/gpu-check.sh run OUT [DEVICE]
#       On the GPU machine (an NVIDIA driver, PyTorch in its python3; no .NET, no network), from the
#       repository root with that archive in place: unpacks it and runs, each step under its own time limit
#       (520 s in all at most), every result into OUT, at most 8 files; exit 1 if any step failed:
#         devices.txt        gpugen devices (and --json)
#         bench-device.json  FP32 FMA peak and copy bandwidth (cached for the percentages below)
#         selftest.json      every op family forward and backward against double references, a short run of each model family
#         bench-kernels.json the device GEMM at 1024, 2048, 4096 (A·B, A·Bᵀ, each GEMM plan forced), an MLP's products
#                            (784 → 400 at batch 100 and 1,000) under each plan; add, exp, sum over 2²⁶ floats
#         torch.json         the same through PyTorch (cuBLAS SGEMM with TF32 off; its elementwise kernels; a copy)
#         profile-vae.json   gpugen profile of 10 VAE training steps at batch 1,000
#         profile-dcgan.json gpugen profile of one DCGAN iteration
#         log.txt            what ran, how long, exit codes, and the stderr of each step
#       DEVICE defaults to cuda. Rehearse here with: tools/gpu-check.sh run /tmp/gpu-check cpu
set -uo pipefail
cd "$(dirname "$0")/.."
archive=artifacts/gpu-check/gpugen-linux-x64.tar.xz

pack() {
    set -e
    rm -rf artifacts/gpu-check && mkdir -p artifacts/gpu-check
    dotnet publish src/GpuGen.Cli -c Release -r linux-x64 --self-contained true -p:DebugType=none -o artifacts/gpu-check/gpugen
    tar -C artifacts/gpu-check -cJf "$archive" gpugen
    rm -rf artifacts/gpu-check/gpugen
    echo "gpu-check: wrote $archive ($(du -h "$archive" | cut -f1))"
}

run() {
    [ $# -ge 1 ] || { echo "usage: tools/gpu-check.sh run OUT [DEVICE]" >&2; exit 2; }
    local out=$1 device=${2:-cuda} failed=0
    [ -f "$archive" ] || { echo "gpu-check: $archive is missing: run tools/gpu-check.sh pack first (where the .NET SDK is)" >&2; exit 2; }
    mkdir -p "$out" || exit 1
    out=$(cd "$out" && pwd)
    local work; work=$(mktemp -d)
    trap "rm -rf '$work'" EXIT
    tar -C "$work" -xJf "$archive" || { echo "gpu-check: cannot unpack $archive" >&2; exit 1; }
    local gpugen="$work/gpugen/gpugen"
    export GPUGEN_CACHE_DIR="$work/cache" DOTNET_CLI_TELEMETRY_OPTOUT=1
    # cuBLAS for the reference in bench-kernels: PyTorch's wheels carry it (nvidia/cublas/lib), off the library path
    local cublas
    cublas=$(python3 -c 'import glob, os, site; hits = sorted(h for r in site.getsitepackages() + [site.getusersitepackages()] for h in glob.glob(os.path.join(r, "nvidia", "cu*", "lib", "libcublas.so.*"))); print(os.path.dirname(hits[0]) if hits else "")' 2>/dev/null)
    [ -n "$cublas" ] && export LD_LIBRARY_PATH="$cublas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    local log="$out/log.txt" start=$SECONDS
    : > "$log"
    echo "gpu-check on $(hostname) at $(date -u +%FT%TZ), device $device" | tee -a "$log"
    echo "cuBLAS from: ${cublas:-(none found in the python site-packages)}" >> "$log"
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv >> "$log" 2>&1

    # step NAME LIMIT_SECONDS OUTFILE COMMAND...: stdout into OUTFILE, stderr and the outcome into the log
    step() {
        local name=$1 limit=$2 file=$3; shift 3
        local t0=$SECONDS
        echo "== $name (limit ${limit}s): $*" >> "$log"
        timeout "$limit" "$@" > "$file" 2>> "$log"
        local rc=$?
        [ $rc -eq 0 ] || failed=$((failed + 1))
        echo "== $name: exit $rc after $((SECONDS - t0)) s" | tee -a "$log"
    }
    # limits: 520 s in all, inside the device tool's 600 s for one command with the unpacking
    step devices 20 "$out/devices.txt" "$gpugen" devices --device "$device"
    timeout 20 "$gpugen" devices --json --device "$device" >> "$out/devices.txt" 2>> "$log"
    step bench-device 50 "$out/bench-device.json" "$gpugen" bench-device --device "$device" --json
    step selftest 180 "$out/selftest.json" "$gpugen" selftest --device "$device" --json
    step bench-kernels 100 "$out/bench-kernels.json" "$gpugen" bench-kernels --device "$device" --repeats 3 --json
    step torch 50 "$out/torch.json" python3 tools/gpu-check-torch.py "$device"
    step profile-vae 50 "$out/profile-vae.json" "$gpugen" profile --warmup 2 --steps 10 --json -- train vae --batch 1000 --epochs 1 --device "$device" --out "$work/vae"
    step profile-dcgan 50 "$out/profile-dcgan.json" "$gpugen" profile --warmup 1 --steps 1 --json -- train dcgan --epochs 1 --device "$device" --out "$work/dcgan"
    echo "gpu-check: done in $((SECONDS - start)) s, $failed step(s) failed; results in $out ($(ls "$out" | wc -l) files)" | tee -a "$log"
    [ $failed -eq 0 ]
}

case "${1:-}" in
    pack) pack ;;
    run) shift; run "$@" ;;
    *) echo "usage: tools/gpu-check.sh pack | run OUT [DEVICE]" >&2; exit 2 ;;
esac
