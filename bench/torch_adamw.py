#!/usr/bin/env python3
"""Native PyTorch CPU AdamW (foreach=True) step time, timed inside Python. Prints one JSON line.

usage: torch_adamw.py SIZES THREADS [REPS]   e.g.  torch_adamw.py 1000000,10000000 1,2
One parameter tensor of N float32, a fixed random gradient, 3 warm-up steps, then the median of the
reps; for each size the thread counts are interleaved (set_num_threads switched between reps).
"""
import json, sys, time, statistics
try:
    import torch
except Exception as e:  # torch missing: the caller prints a note and skips the row
    print(json.dumps({"error": f"torch unavailable: {e}"}))
    sys.exit(0)

sizes = [int(float(s)) for s in sys.argv[1].split(",")]
threads = [int(t) for t in sys.argv[2].split(",")]
reps_arg = int(sys.argv[3]) if len(sys.argv) > 3 else 0
out = {"torch": torch.__version__, "results": []}
torch.manual_seed(0)
for n in sizes:
    reps = reps_arg or (31 if n <= 2_000_000 else 9)
    opts = {}
    for t in threads:
        p = torch.nn.Parameter(torch.randn(n, dtype=torch.float32))
        p.grad = torch.randn(n, dtype=torch.float32)
        opt = torch.optim.AdamW([p], lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, foreach=True)
        opts[t] = opt
    times = {t: [] for t in threads}
    with torch.no_grad():
        for t in threads:
            torch.set_num_threads(t)
            for _ in range(3):
                opts[t].step()
        for _ in range(reps):
            for t in threads:
                torch.set_num_threads(t)
                t0 = time.perf_counter()
                opts[t].step()
                times[t].append((time.perf_counter() - t0) * 1e3)
    for t in threads:
        out["results"].append({"n": n, "threads": t, "ms": statistics.median(times[t]), "reps": reps})
    del opts
print(json.dumps(out))
