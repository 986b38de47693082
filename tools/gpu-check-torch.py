"""The vendor reference for tools/gpu-check.sh: the same kernels as `gpugen bench-kernels`, through PyTorch.

GEMM at n x n x n as torch.mm (cuBLAS SGEMM on CUDA, with TF32 off: the FP32 rate GpuGen's FP32 GEMM is
measured against; and once with TF32 on, for the tensor cores), add, exp and sum over 2^26 floats, and a copy
(bytes read plus written) as the bandwidth. Medians of timed batches, each long enough that launch latency
does not count; and an MLP's products (784 -> 400 at batch 100 and 1,000, forward and weight gradient).
Prints one JSON object; usage: python3 tools/gpu-check-torch.py [cuda|cpu] [sizes...]
"""
import json
import statistics
import sys
import time


def main():
    device = sys.argv[1] if len(sys.argv) > 1 else "cuda"
    device = device if device.startswith("cuda") else "cpu"  # cuda or cuda:N, as gpugen names it
    sizes = [int(s) for s in sys.argv[2:]] or [1024, 2048, 4096]
    try:
        import torch
    except ImportError as e:
        print(json.dumps({"error": f"no PyTorch here: {e}"}))
        return 1
    cuda = device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        print(json.dumps({"error": "PyTorch sees no CUDA device"}))
        return 1

    def sync():
        if cuda:
            torch.cuda.synchronize(device)

    def measure(call, minimum=0.05, repeats=5):
        call()
        sync()
        calls = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(calls):
                call()
            sync()
            if time.perf_counter() - t0 >= minimum or calls >= 1 << 16:
                break
            calls *= 2
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(calls):
                call()
            sync()
            times.append((time.perf_counter() - t0) / calls)
        return statistics.median(times)

    result = {"torch": torch.__version__, "device": device,
              "name": torch.cuda.get_device_name(torch.device(device)) if cuda else "cpu", "kernels": []}

    def record(kernel, size, seconds, flops, bytes_):
        result["kernels"].append({"kernel": kernel, "size": size, "seconds": seconds, "gflops": flops / seconds / 1e9,
                                  "gbps": bytes_ / seconds / 1e9})

    g = torch.Generator(device=device).manual_seed(7)
    for n in sizes:
        a = torch.rand(n, n, device=device, generator=g) * 2 - 1
        b = torch.rand(n, n, device=device, generator=g) * 2 - 1
        flops, bytes_ = 2.0 * n ** 3, 12.0 * n * n
        torch.backends.cuda.matmul.allow_tf32 = False
        record("torch.mm A·B (FP32)", f"{n}×{n}×{n}", measure(lambda: torch.mm(a, b)), flops, bytes_)
        record("torch.mm A·Bᵀ (FP32)", f"{n}×{n}×{n}", measure(lambda: torch.mm(a, b.t())), flops, bytes_)
        if cuda:
            torch.backends.cuda.matmul.allow_tf32 = True
            record("torch.mm A·B (TF32)", f"{n}×{n}×{n}", measure(lambda: torch.mm(a, b)), flops, bytes_)
            torch.backends.cuda.matmul.allow_tf32 = False
        del a, b
    # an MLP's products (784 -> 400), as gpugen bench-kernels times them under each GEMM plan: the forward x·Wᵀ
    # and the weight gradient gᵀ·x, whose K is the batch
    for batch in (100, 1000):
        x = torch.rand(batch, 784, device=device, generator=g) * 2 - 1
        w = torch.rand(400, 784, device=device, generator=g) * 2 - 1
        grad = torch.rand(batch, 400, device=device, generator=g) * 2 - 1
        flops = 2.0 * batch * 400 * 784
        record("linear x·Wᵀ (FP32)", f"{batch}×400×784", measure(lambda: torch.mm(x, w.t())), flops, 4.0 * (batch * 784 + 400 * 784 + batch * 400))
        record("weight gradient gᵀ·x (FP32)", f"400×784×{batch}", measure(lambda: torch.mm(grad.t(), x)), flops, 4.0 * (batch * 400 + batch * 784 + 400 * 784))
        del x, w, grad
    n = 1 << 26
    x = torch.rand(n, device=device, generator=g) * 2 - 1
    y = torch.rand(n, device=device, generator=g) * 2 - 1
    size = f"{n:,}"
    record("add", size, measure(lambda: x + y), n, 12.0 * n)
    record("exp", size, measure(lambda: torch.exp(x)), n, 8.0 * n)
    record("sum", size, measure(lambda: x.sum()), n, 4.0 * n)
    record("copy", size, measure(lambda: x.clone()), 0, 8.0 * n)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
