"""SGEMM GFLOP/s of NumPy (OpenBLAS) f32 on this machine, for bench/gemm.mjs (row 18).

Usage: OPENBLAS_NUM_THREADS=T /usr/bin/python3 bench/gemm_numpy.py 256,512,1024,2048
Prints one JSON object {"numpy": version, "blas": name, "gflops": {N: best GFLOP/s}}.
"""
import json
import sys
import time

import numpy as np

sizes = [int(s) for s in sys.argv[1].split(",")]
rng = np.random.default_rng(0)
out = {}
for n in sizes:
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b
    reps = 8 if n <= 512 else 4 if n <= 1024 else 2
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    out[str(n)] = 2 * n**3 / best / 1e9
try:
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
except Exception:  # older numpy: no dict mode
    blas = "openblas?"
print(json.dumps({"numpy": np.__version__, "blas": blas, "gflops": out}))
