#!/usr/bin/env python3
"""AID-CG hypergradient of ridge HPO in NumPy, SciPy and torch 1.13 autograd; timed inside Python, one JSON line.

usage: OPENBLAS_NUM_THREADS=T bilevel_ridge.py DATA N M D LAMBDA K REPS THREADS

DATA is the float64 file bench/bilevel.mjs writes: X (N×D), t (N), V (M×D), tv (M), row-major, back to back.
The problem (simdopt's bilevel.models.ridge, hyper 'logRidge'):
  lower  g(λ, w) = ½‖Xw − t‖² + ½e^λ‖w‖²     upper  f(w) = ½‖Vw − tv‖²
  dΦ/dλ = ∇_λf − ∇²_λw g·v,  H v = ∇_w f,  H = XᵀX + e^λ I,  ∇²_λw g·v = e^λ wᵀv
The algorithm is simdopt's bilevel.hypergradient with innerSolver 'newton', innerSteps 1, cgSteps K, cgTol 0,
product for product: ∇_w g at w = 0, one Newton step w −= CG_K(H, ∇_w g) from 0, ∇_w g again (the inner
loop's stopping check), ∇_w f, v = CG_K(H, ∇_w f) from 0 (AID's linear solve), the cross product. Each CG
makes K + 2 products (the start residual, K steps, the final residual), as src/bilevel/linear.ts does.
  numpy  H·v = Xᵀ(Xv) + e^λ v with NumPy/OpenBLAS matrix-vector products
  scipy  the same products through scipy.sparse.linalg.cg (LinearOperator, maxiter K, tol 0: SciPy's own CG loop)
  torch  H·v and the cross product by torch.autograd.grad of the autograd gradient (double backward),
         the same CG in torch float64 tensors, torch.set_num_threads(THREADS)
Rows timed (median of REPS, milliseconds): numpy_ms, scipy_ms, torch_ms; and each one's dΦ/dλ.
"""
import json, statistics, sys, time
import numpy as np

path, N, M, D = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
LAM, K, REPS, THREADS = float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
raw = np.fromfile(path, dtype='<f8')
o = 0
X = raw[o:o + N * D].reshape(N, D); o += N * D
t = raw[o:o + N]; o += N
V = raw[o:o + M * D].reshape(M, D); o += M * D
tv = raw[o:o + M]
el = float(np.exp(LAM))


def cg(hvp, b, steps, dot, axpy_copy):
    """simdopt's cg(): from sol = 0, K steps, no tolerance, final residual product."""
    sol = b * 0
    r = b - hvp(sol)
    p = r.clone() if hasattr(r, 'clone') else r.copy()
    rs = dot(r, r)
    for _ in range(steps):
        hp = hvp(p)
        php = dot(p, hp)
        alpha = rs / php
        sol = sol + alpha * p
        r = r - alpha * hp
        rn = dot(r, r)
        p = r + (rn / rs) * p
        rs = rn
    _ = b - hvp(sol)
    return sol


def numpy_run():
    hvp = lambda v: X.T @ (X @ v) + el * v
    grad = lambda w: X.T @ (X @ w - t) + el * w
    w = np.zeros(D)
    g = grad(w)
    w = w - cg(hvp, g, K, np.dot, None)
    grad(w)
    gy = V.T @ (V @ w - tv)
    v = cg(hvp, gy, K, np.dot, None)
    return 0.0 - el * float(w @ v)


def scipy_run():
    from scipy.sparse.linalg import LinearOperator, cg as scg
    A = LinearOperator((D, D), matvec=lambda v: X.T @ (X @ v) + el * v, dtype=np.float64)
    grad = lambda w: X.T @ (X @ w - t) + el * w
    w = np.zeros(D)
    g = grad(w)
    d, _ = scg(A, g, maxiter=K, tol=0, atol=0)
    w = w - d
    grad(w)
    gy = V.T @ (V @ w - tv)
    v, _ = scg(A, gy, maxiter=K, tol=0, atol=0)
    return 0.0 - el * float(w @ v)


def torch_run(torch, Xt, tt, Vt, tvt):
    lam = torch.tensor(LAM, dtype=torch.float64, requires_grad=True)

    def lower(w):
        return 0.5 * torch.sum((Xt @ w - tt) ** 2) + 0.5 * torch.exp(lam) * torch.sum(w * w)

    def graph(w):
        w = w.detach().requires_grad_(True)
        (gw,) = torch.autograd.grad(lower(w), w, create_graph=True)
        return w, gw

    w0, gw = graph(torch.zeros(D, dtype=torch.float64))
    hvp = lambda v: torch.autograd.grad(gw, w0, v, retain_graph=True)[0]
    step = cg(hvp, gw.detach(), K, torch.dot, None)
    w1, gw = graph(w0.detach() - step)  # ∇_w g at the new point (the inner loop's check) and its graph
    wu = w1.detach().requires_grad_(True)
    (gy,) = torch.autograd.grad(0.5 * torch.sum((Vt @ wu - tvt) ** 2), wu)
    hvp = lambda v: torch.autograd.grad(gw, w1, v, retain_graph=True)[0]
    v = cg(hvp, gy, K, torch.dot, None)
    (cross,) = torch.autograd.grad(gw, lam, v)  # ∇²_λw g·v
    return 0.0 - float(cross)


def timed(fn):
    fn()  # warm-up
    ts, val = [], None
    for _ in range(REPS):
        t0 = time.perf_counter(); val = fn(); ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts), val


out = {'threads': THREADS, 'n': N, 'm': M, 'd': D, 'cgSteps': K, 'numpy': np.__version__}
out['numpy_ms'], out['numpy_hypergradient'] = timed(numpy_run)
try:
    import scipy
    out['scipy'] = scipy.__version__
    out['scipy_ms'], out['scipy_hypergradient'] = timed(scipy_run)
except ImportError as e:
    out['scipy_error'] = str(e)
try:
    import torch
    torch.set_num_threads(THREADS)
    out['torch'] = torch.__version__
    Xt, tt, Vt, tvt = (torch.from_numpy(np.ascontiguousarray(a)) for a in (X, t, V, tv))
    out['torch_ms'], out['torch_hypergradient'] = timed(lambda: torch_run(torch, Xt, tt, Vt, tvt))
except ImportError as e:
    out['torch_error'] = str(e)
print(json.dumps(out))
