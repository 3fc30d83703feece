#!/usr/bin/env python3
"""Torch (1.13, CPU, f32 tensors) trajectories of GaLore-AdamW, transcribed from galore-torch
(jiaweizzhao/GaLore: galore_torch/galore_projector.py GaLoreProjector with proj_type 'std', and
galore_torch/adamw.py AdamW.step; the package itself needs transformers and is not installed here):

  projector at iter = state step before the increment: if iter % update_proj_gap == 0,
    rows >= cols: P = Vh[:rank] of torch.linalg.svd(G, full_matrices=False), low = G @ P.T
    rows <  cols: P = U[:, :rank],                                           low = P.T @ G
  exp_avg.mul_(b1).add_(low, alpha=1-b1); exp_avg_sq.mul_(b2).addcmul_(low, low, value=1-b2)
  denom = exp_avg_sq.sqrt().add_(eps); step_size = lr * sqrt(1-b2^t) / (1-b1^t)
  n = exp_avg / denom; n = project_back(n) * scale; p.add_(n, alpha=-step_size)
  if weight_decay > 0: p.add_(p, alpha=-lr*weight_decay)
Tensors that are not 2-D take the same AdamW without projection (galore-torch's non-GaLore group).

One change, shared with simdopt: LAPACK's singular-vector signs are arbitrary, and because GaLore keeps
its moments across projection refreshes they change the trajectory; so each (u_j, v_j) pair is signed
so that u_j's entry of largest magnitude (the first on ties) is positive, as linalg.svd does.
The problem is scripts/golden_torch.py's: g = c * (p - t) each step.

  /usr/bin/python3 scripts/golden_galore.py            # rewrite test/fixtures/galore-golden.json
  /usr/bin/python3 scripts/golden_galore.py --check    # regenerate and compare with the committed file
"""
import json, math, os, sys
import torch
from fixture_io import check_or_write, trajectory_diff

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'galore-golden.json')
SIZES = [[12, 5], [6, 10], [7], [4, 4], [9, 9]]
STEPS = 12
CHECKPOINTS = [1, 2, 4, 5, 8, 9, 12]
CASES = [
    dict(rank=3, update_proj_gap=4),
    dict(lr=0.01, betas=(0.8, 0.99), eps=1e-8, weight_decay=0.1, rank=2, update_proj_gap=5, scale=0.5),
]


def signed_svd(g):
    U, s, Vh = torch.linalg.svd(g, full_matrices=False)
    for j in range(U.shape[1]):
        i = int(torch.argmax(U[:, j].abs()))
        if U[i, j] < 0:
            U[:, j] *= -1
            Vh[j, :] *= -1
    return U, Vh


class Projector:
    def __init__(self, rank, gap, scale):
        self.rank, self.gap, self.scale, self.ortho = rank, gap, scale, None

    def project(self, g, it):
        if g.shape[0] >= g.shape[1]:
            if self.ortho is None or it % self.gap == 0:
                self.ortho = signed_svd(g)[1][:self.rank, :]
            return torch.matmul(g, self.ortho.t())
        if self.ortho is None or it % self.gap == 0:
            self.ortho = signed_svd(g)[0][:, :self.rank]
        return torch.matmul(self.ortho.t(), g)

    def project_back(self, low):
        if low.shape[0] >= low.shape[1]:
            full = torch.matmul(low, self.ortho)
        else:
            full = torch.matmul(self.ortho, low)
        return full * self.scale


def run(h):
    gen = torch.Generator().manual_seed(11)
    ps = [(torch.rand(s, generator=gen) * 2 - 1).float() for s in SIZES]
    cs = [(torch.rand(s, generator=gen) * 1.5 + 0.25).float() for s in SIZES]
    ts = [(torch.rand(s, generator=gen) * 2 - 1).float() for s in SIZES]
    init = [p.clone() for p in ps]
    lr, (b1, b2) = h.get('lr', 1e-3), h.get('betas', (0.9, 0.999))
    eps, wd, rank = h.get('eps', 1e-6), h.get('weight_decay', 0.0), h.get('rank', 128)
    gap, scale = h.get('update_proj_gap', 200), h.get('scale', 0.25)
    state = [dict(step=0) for _ in ps]
    cps = {}
    for step in range(1, STEPS + 1):
        with torch.no_grad():
            for p, c, t, st in zip(ps, cs, ts, state):
                grad = c * (p - t)
                if p.ndim == 2:
                    if 'projector' not in st:
                        st['projector'] = Projector(rank, gap, scale)
                    grad = st['projector'].project(grad, st['step'])
                if 'exp_avg' not in st:
                    st['exp_avg'] = torch.zeros_like(grad)
                    st['exp_avg_sq'] = torch.zeros_like(grad)
                m, v = st['exp_avg'], st['exp_avg_sq']
                st['step'] += 1
                m.mul_(b1).add_(grad, alpha=(1.0 - b1))
                v.mul_(b2).addcmul_(grad, grad, value=1.0 - b2)
                denom = v.sqrt().add_(eps)
                step_size = lr * math.sqrt(1.0 - b2 ** st['step']) / (1.0 - b1 ** st['step'])
                n = m / denom
                if p.ndim == 2:
                    n = st['projector'].project_back(n)
                p.add_(n, alpha=-step_size)
                if wd > 0.0:
                    p.add_(p, alpha=(-lr * wd))
        if step in CHECKPOINTS:
            cps[str(step)] = [p.flatten().tolist() for p in ps]
    hh = {k: (list(v) if isinstance(v, tuple) else v) for k, v in h.items()}
    return {'hyper': hh, 'steps': STEPS, 'shapes': SIZES, 'init': [p.flatten().tolist() for p in init],
            'c': [c.flatten().tolist() for c in cs], 't': [t.flatten().tolist() for t in ts], 'checkpoints': cps}


def check(old, new):
    """A fresh run against the committed fixture: same inputs exactly, trajectories within 1e-6 relative."""
    ok, worst = trajectory_diff(old, new)
    ok = ok and worst <= 1e-6
    print(f'galore check: worst relative difference vs committed file {worst:.3g} (limit 1e-6):', 'ok' if ok else 'FAILED')
    return 0 if ok else 1


def main():
    torch.set_num_threads(1)
    out = {'source': 'scripts/golden_galore.py', 'torch': torch.__version__, 'cases': [run(h) for h in CASES]}
    check_or_write(OUT, out, check)


if __name__ == '__main__':
    main()
