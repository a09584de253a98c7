"""PyTorch reference for `npm run bench:nets`: one training step of the same 3x256 Mish MLP.

Network: Linear(30->256) Mish Linear(256->256) Mish Linear(256->256) Mish Linear(256->3),
PyTorch default init; loss = mean squared error against a fixed target; Adam(lr=3e-4).
Batch 256. Prints one JSON line per thread count with the median ms of a forward pass and of a
full step (forward + backward + Adam), plus the BLAS library torch actually loaded.

Run with the Debian python3 that imports torch:  /usr/bin/python3 bench/nets_torch_ref.py
"""
import json
import os
import platform
import sys
import time

import torch


def loaded_blas():
    """Names of BLAS shared objects mapped into this process (OpenBLAS vs reference BLAS)."""
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.strip().split(" ")[-1]
            base = os.path.basename(path)
            if "blas" in base or "lapack" in base:
                found.add(os.path.realpath(path))
    return sorted(found)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def measure(threads, warmup=20, iters=200):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(30, 256), torch.nn.Mish(),
        torch.nn.Linear(256, 256), torch.nn.Mish(),
        torch.nn.Linear(256, 256), torch.nn.Mish(),
        torch.nn.Linear(256, 3),
    )
    opt = torch.optim.Adam(net.parameters(), lr=3e-4)
    x = torch.randn(256, 30)
    y = torch.randn(256, 3)

    def step():
        loss = ((net(x) - y) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def forward():
        with torch.no_grad():
            net(x)

    out = {}
    for name, fn in (("forward", forward), ("step", step)):
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(iters):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000.0)
        out[name] = median(times)
    return out


def main():
    thread_counts = [int(t) for t in (sys.argv[1:] or ["1", "2"])]
    for threads in thread_counts:
        r = measure(threads)
        print(json.dumps({
            "impl": "pytorch",
            "threads": threads,
            "forwardMs": round(r["forward"], 3),
            "stepMs": round(r["step"], 3),
            "torch": torch.__version__,
            "python": platform.python_version(),
            "blas": loaded_blas(),
        }), flush=True)


if __name__ == "__main__":
    main()
