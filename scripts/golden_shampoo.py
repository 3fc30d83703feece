#!/usr/bin/env python3
"""References for simdopt's Shampoo (src/optim/shampoo.ts) and its eigen routines (rust/src/eigh.rs).

1. eigh: symmetric test matrices (f32 entries; well and ill conditioned, one rank-deficient, one with a
   repeated eigenvalue) with SciPy's eigenvalues (scipy.linalg.eigh, f64 LAPACK) and inverse roots
   scipy.linalg.fractional_matrix_power(A + shift·I + eps·I, -1/p) in f64 (distributed Shampoo's
   perturbation: shift = -min(lambda_min, 0)).
2. Shampoo: a torch 1.13 transcription (written here from distributed Shampoo's DistributedShampoo.step:
   L2 -> factor/graft updates -> roots every precondition_frequency -> filtered gradient -> graft ->
   decoupled decay -> momentum -> p -= lr*P) in f32 tensors, the eigendecomposition in f64 (torch.linalg.eigh
   on the f64 copy, as simdopt's Jacobi runs in f64; distributed Shampoo retries eigh in f64), on the
   problem of scripts/golden_muon.py: g = c * (p - t) each step.
  /usr/bin/python3 scripts/golden_shampoo.py            # rewrite test/fixtures/shampoo-golden.json
  /usr/bin/python3 scripts/golden_shampoo.py --check    # regenerate and compare with the committed file
"""
import json, os, sys
import numpy as np
import scipy.linalg
import torch
from fixture_io import check_or_write

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'shampoo-golden.json')
SIZES = [[6, 10], [12, 5], [7], [1], [4, 4]]
STEPS = 30
CHECKPOINTS = [1, 5, 6, 10, 20, 30]
CASES = [
    dict(precond_frequency=5, epsilon=1e-4),
    dict(lr=0.02, betas=(0.9, 0.99), epsilon=1e-4, momentum=0.5, nesterov=True, weight_decay=0.01, block_size=4,
         precond_frequency=3, start_preconditioning_step=6, root=2, graft='adam'),
    dict(lr=0.005, betas=(0.0, 1.0), epsilon=1e-4, momentum=0.9, dampening=0.1, weight_decay=0.05, decoupled_weight_decay=False,
         bias_correction=False, block_size=5, precond_frequency=1, graft='rmsprop', graft_eps=1e-6),
]


def eigh_cases():
    rng = np.random.default_rng(13)
    out = []
    for n, kind in [(1, 'spd'), (3, 'spd'), (8, 'spd'), (17, 'ill'), (40, 'spd'), (12, 'rank'), (9, 'repeat')]:
        if kind == 'repeat':
            Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
            A = (Q * np.array([2.0] * 4 + [0.5, 1, 3, 4, 5])) @ Q.T
        elif kind == 'rank':
            G = rng.standard_normal((n, 4))
            A = G @ G.T
        elif kind == 'ill':
            Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
            A = (Q * np.logspace(-5, 3, n)) @ Q.T
        else:
            G = rng.standard_normal((n, n + 3))
            A = G @ G.T / n
        A = ((A + A.T) / 2).astype(np.float32).astype(np.float64)  # the f32 matrix the test passes
        w = scipy.linalg.eigh(A, eigvals_only=True)
        roots = {}
        for p, eps in [(2, 1e-3), (4, 1e-6)]:
            shift = -min(w.min(), 0.0)
            X = scipy.linalg.fractional_matrix_power(A + (shift + eps) * np.eye(n), -1.0 / p)
            roots[str(p)] = {'eps': eps, 'x': np.real(X).flatten().tolist()}
        out.append({'n': n, 'kind': kind, 'a': A.flatten().tolist(), 'values': w.tolist(), 'roots': roots})
    return out


def inv_root(A, div, eps, root):
    A = (A / div).double()
    L, Q = torch.linalg.eigh(A)
    L = L - torch.minimum(L.min(), torch.tensor(0.0, dtype=L.dtype))
    L = L + eps
    return ((Q * L.pow(-1.0 / root).unsqueeze(0)) @ Q.T).float()


def run(h):
    gen = torch.Generator().manual_seed(7)
    ps = [(torch.rand(s, generator=gen) * 2 - 1).float() for s in SIZES]
    cs = [(torch.rand(s, generator=gen) * 1.5 + 0.25).float() for s in SIZES]
    ts = [(torch.rand(s, generator=gen) * 2 - 1).float() for s in SIZES]
    init = [p.clone() for p in ps]
    lr = h.get('lr', 0.01); beta1, beta2 = h.get('betas', (0.9, 1.0)); eps = h.get('epsilon', 1e-12)
    mu = h.get('momentum', 0.0); damp = h.get('dampening', 0.0); nesterov = h.get('nesterov', False)
    wd = h.get('weight_decay', 0.0); decoupled = h.get('decoupled_weight_decay', True); bc = h.get('bias_correction', True)
    bs = h.get('block_size', 128); freq = h.get('precond_frequency', 10); start = h.get('start_preconditioning_step', freq)
    root = h.get('root', 4); graft = h.get('graft', 'adagrad')
    gb2 = h.get('graft_beta2', {'rmsprop': 0.99, 'adam': 0.999}.get(graft, 1.0))
    geps = h.get('graft_eps', 1e-10 if graft == 'adagrad' else 1e-8)
    st = []
    for p in ps:
        s = {'fg': torch.zeros_like(p), 'v': torch.zeros_like(p), 'm': torch.zeros_like(p), 'blocks': []}
        if p.ndim == 2:
            for r0 in range(0, p.shape[0], bs):
                for c0 in range(0, p.shape[1], bs):
                    r, c = min(bs, p.shape[0] - r0), min(bs, p.shape[1] - c0)
                    s['blocks'].append({'sl': (slice(r0, r0 + r), slice(c0, c0 + c)), 'L': torch.zeros(r, r), 'R': torch.zeros(c, c),
                                        'Li': torch.zeros(r, r), 'Ri': torch.zeros(c, c)})
        st.append(s)
    cps = {}
    for step in range(1, STEPS + 1):
        roots = (step % freq == 0 and step > start) or step == start
        with torch.no_grad():
            for p, c, t, s in zip(ps, cs, ts, st):
                g = c * (p - t)
                if wd != 0 and not decoupled:
                    g = g + wd * p
                if graft == 'sgd':
                    pass
                elif gb2 == 1.0:
                    s['v'].addcmul_(g, g)
                else:
                    s['v'].mul_(gb2).addcmul_(g, g, value=1 - gb2)
                div = 1 - beta2 ** step if (bc and beta2 < 1) else 1.0
                for b in s['blocks']:
                    G = g[b['sl']]
                    if beta2 == 1.0:
                        b['L'].add_(G @ G.T); b['R'].add_(G.T @ G)
                    else:
                        b['L'].mul_(beta2).add_(G @ G.T, alpha=1 - beta2); b['R'].mul_(beta2).add_(G.T @ G, alpha=1 - beta2)
                    if roots:
                        b['Li'] = inv_root(b['L'], div, eps, root); b['Ri'] = inv_root(b['R'], div, eps, root)
                if beta1 != 0:
                    s['fg'].lerp_(g, 1 - beta1)
                    gbar = s['fg'] / (1 - beta1 ** step) if bc else s['fg'].clone()
                else:
                    gbar = g
                if graft == 'sgd':
                    pg = gbar.clone()
                elif graft == 'adam':
                    pg = gbar / ((s['v'] / (1 - gb2 ** step)).sqrt() + geps)
                else:
                    pg = gbar / (s['v'].sqrt() + geps)
                P = pg.clone()
                if p.ndim == 2 and step >= start:
                    for b in s['blocks']:
                        S = b['Li'] @ gbar[b['sl']] @ b['Ri']
                        P[b['sl']] = (pg[b['sl']].norm() / (S.norm() + 1e-16)) * S
                if wd != 0 and decoupled:
                    P = P + wd * p
                if mu != 0:
                    s['m'].mul_(mu).add_(P, alpha=1 - damp)
                    P = P * (1 - damp) + mu * s['m'] if nesterov else s['m'].clone()
                p.add_(P * -lr)
        if step in CHECKPOINTS:
            cps[str(step)] = [p.flatten().tolist() for p in ps]
    hh = {k: (list(v) if isinstance(v, tuple) else v) for k, v in h.items()}
    return {'hyper': hh, 'steps': STEPS, 'shapes': SIZES, 'init': [p.flatten().tolist() for p in init],
            'c': [c.flatten().tolist() for c in cs], 't': [t.flatten().tolist() for t in ts], 'checkpoints': cps}


def check(old, new):
    """A fresh run against the committed fixture: same inputs exactly, results within 1e-9 (eigh) / 1e-6 (torch) relative."""
    ok = len(old['cases']) == len(new['cases']) and len(old['eigh']) == len(new['eigh'])
    worst = worst_e = 0.0
    for a, b in zip(old['eigh'], new['eigh']):
        ok = ok and a['a'] == b['a']
        for u, v in zip(a['values'], b['values']):
            worst_e = max(worst_e, abs(u - v) / max(1.0, abs(v)))
    for a, b in zip(old['cases'], new['cases']):
        ok = ok and a['hyper'] == b['hyper'] and a['init'] == b['init'] and a['c'] == b['c'] and a['t'] == b['t']
        for k in a['checkpoints']:
            for x, y in zip(a['checkpoints'][k], b['checkpoints'][k]):
                for u, v in zip(x, y):
                    worst = max(worst, abs(u - v) / max(1.0, abs(v)))
    print(f'shampoo check: worst relative difference vs committed file: eigh {worst_e:.3g} (limit 1e-9), torch {worst:.3g} (limit 1e-6)')
    ok = ok and worst <= 1e-6 and worst_e <= 1e-9
    print('shampoo check:', 'ok' if ok else 'FAILED')
    return 0 if ok else 1


def main():
    torch.set_num_threads(1)
    out = {'source': 'scripts/golden_shampoo.py', 'torch': torch.__version__, 'scipy': scipy.__version__,
           'eigh': eigh_cases(), 'cases': [run(h) for h in CASES]}
    check_or_write(OUT, out, check)


if __name__ == '__main__':
    main()
