#!/usr/bin/env python3
"""Torch (1.13, CPU, f32 tensors) trajectories of Muon, written after Keller Jordan's reference muon.py
(zeropower_via_newtonschulz5 + muon_update + MuonWithAuxAdam's split: 2-D tensors get Muon, the others
AdamW; here torch.optim.AdamW itself). The reference casts the Newton-Schulz iterate to bf16 (a GPU
speed choice); this script keeps f32 (DTYPE) so it checks simdopt's f32 update. The problem is the one
of scripts/golden_torch.py: g = c * (p - t) each step (two exact f32 ops, reproduced bit for bit in JS).

  /usr/bin/python3 scripts/golden_muon.py            # rewrite test/fixtures/muon-golden.json
  /usr/bin/python3 scripts/golden_muon.py --check    # regenerate and compare with the committed file
"""
import json, os, sys
import torch
from fixture_io import check_or_write, trajectory_diff

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'muon-golden.json')
SIZES = [[6, 10], [12, 5], [7], [1], [4, 4]]
STEPS = 30
CHECKPOINTS = [1, 2, 10, 30]
DTYPE = torch.float32
CASES = [
    dict(),
    dict(lr=0.05, momentum=0.9, nesterov=False, weight_decay=0.1, ns_steps=3,
         adam_lr=0.01, adam_betas=(0.8, 0.99), adam_eps=1e-8, adam_weight_decay=0.05),
]


def zeropower_via_newtonschulz5(G, steps):
    assert G.ndim >= 2
    a, b, c = (3.4445, -4.7750, 2.0315)
    X = G.to(DTYPE)
    if G.size(-2) > G.size(-1):
        X = X.mT
    X = X / (X.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    for _ in range(steps):
        A = X @ X.mT
        B = b * A + c * A @ A
        X = a * X + B @ X
    if G.size(-2) > G.size(-1):
        X = X.mT
    return X


def muon_update(grad, momentum, beta=0.95, ns_steps=5, nesterov=True):
    momentum.lerp_(grad, 1 - beta)
    update = grad.lerp_(momentum, beta) if nesterov else momentum
    update = zeropower_via_newtonschulz5(update, steps=ns_steps)
    update *= max(1, grad.size(-2) / grad.size(-1)) ** 0.5
    return update


def run(h):
    gen = torch.Generator().manual_seed(7)
    ps = [(torch.rand(s, generator=gen) * 2 - 1).float() for s in SIZES]
    cs = [(torch.rand(s, generator=gen) * 1.5 + 0.25).float() for s in SIZES]
    ts = [(torch.rand(s, generator=gen) * 2 - 1).float() for s in SIZES]
    init = [p.clone() for p in ps]
    lr, beta, nesterov = h.get('lr', 0.02), h.get('momentum', 0.95), h.get('nesterov', True)
    wd, steps = h.get('weight_decay', 0.0), h.get('ns_steps', 5)
    vecs = [p for p in ps if p.ndim != 2]
    adam = torch.optim.AdamW(vecs, lr=h.get('adam_lr', 3e-4), betas=h.get('adam_betas', (0.9, 0.95)),
                             eps=h.get('adam_eps', 1e-10), weight_decay=h.get('adam_weight_decay', 0.0))
    bufs = [torch.zeros_like(p) for p in ps]
    cps = {}
    for step in range(1, STEPS + 1):
        with torch.no_grad():
            for p, c, t, m in zip(ps, cs, ts, bufs):
                g = c * (p - t)
                if p.ndim == 2:
                    u = muon_update(g, m, beta=beta, ns_steps=steps, nesterov=nesterov)
                    p.mul_(1 - lr * wd)
                    p.add_(u.reshape(p.shape), alpha=-lr)
                else:
                    p.grad = g
            adam.step()
        if step in CHECKPOINTS:
            cps[str(step)] = [p.flatten().tolist() for p in ps]
    hh = {k: (list(v) if isinstance(v, tuple) else v) for k, v in h.items()}
    return {'hyper': hh, 'steps': STEPS, 'shapes': SIZES, 'init': [p.flatten().tolist() for p in init],
            'c': [c.flatten().tolist() for c in cs], 't': [t.flatten().tolist() for t in ts], 'checkpoints': cps}


def check(old, new):
    """A fresh run against the committed fixture: same inputs exactly, trajectories within 1e-6 relative."""
    ok, worst = trajectory_diff(old, new)
    print(f'muon check: worst relative difference vs committed file {worst:.3g} (limit 1e-6)')
    ok = ok and worst <= 1e-6
    print('muon check:', 'ok' if ok else 'FAILED')
    return 0 if ok else 1


def main():
    torch.set_num_threads(1)
    out = {'source': 'scripts/golden_muon.py', 'torch': torch.__version__, 'cases': [run(h) for h in CASES]}
    check_or_write(OUT, out, check)


if __name__ == '__main__':
    main()
