#!/usr/bin/env python3
"""Golden learning-rate sequences from the real torch.optim.lr_scheduler (Debian python3-torch 1.13).

Each case builds SGD on one dummy parameter with lr = BASE, then for STEPS steps records the group's lr,
calls optimizer.step() and scheduler.step() (the order torch's docs ask for), so entry k is the lr used
by optimizer step k, i.e. the scheduler's value at last_epoch = k: what simdopt's schedule(k) returns.
Schedulers that have a closed form (`_get_closed_form_lr`) also record it, since their recursive
(chainable) form, which the optimizer actually sees, accumulates rounding. ReduceLROnPlateau is fed a
fixed, recorded metric sequence and records the lr after each step(metric).

  /usr/bin/python3 scripts/golden_torch_schedulers.py            # rewrite test/fixtures/torch-schedulers.json
  /usr/bin/python3 scripts/golden_torch_schedulers.py --check    # regenerate and compare with the committed file
"""
import json, math, os, sys
import torch
from torch.optim import lr_scheduler as S

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch-schedulers.json')
STEPS = 300
BASE = 0.1

CASES = [
    ('StepLR', dict(step_size=30, gamma=0.5)),
    ('StepLR', dict(step_size=7, gamma=0.9)),
    ('MultiStepLR', dict(milestones=[50, 120, 120, 200], gamma=0.3)),
    ('ExponentialLR', dict(gamma=0.99)),
    ('CosineAnnealingLR', dict(T_max=300, eta_min=1e-4)),
    ('CosineAnnealingLR', dict(T_max=300)),
    ('CosineAnnealingWarmRestarts', dict(T_0=50, T_mult=1, eta_min=1e-3)),
    ('CosineAnnealingWarmRestarts', dict(T_0=20, T_mult=2)),
    ('CosineAnnealingWarmRestarts', dict(T_0=7, T_mult=3, eta_min=0.01)),
    ('OneCycleLR', dict(max_lr=0.5, total_steps=300, cycle_momentum=False)),
    ('OneCycleLR', dict(max_lr=0.5, total_steps=300, anneal_strategy='linear', pct_start=0.25, div_factor=10.0,
                        final_div_factor=100.0, cycle_momentum=False)),
    ('OneCycleLR', dict(max_lr=1.0, total_steps=300, three_phase=True, cycle_momentum=False)),
    ('OneCycleLR', dict(max_lr=1.0, total_steps=300, three_phase=True, anneal_strategy='linear', pct_start=0.4,
                        cycle_momentum=False)),
    ('CyclicLR', dict(base_lr=0.01, max_lr=0.1, step_size_up=40, step_size_down=25, cycle_momentum=False)),
    ('CyclicLR', dict(base_lr=0.01, max_lr=0.1, step_size_up=30, mode='triangular2', cycle_momentum=False)),
    ('CyclicLR', dict(base_lr=0.001, max_lr=0.1, step_size_up=33, mode='exp_range', gamma=0.995,
                      cycle_momentum=False)),
    ('LinearLR', dict(start_factor=0.25, end_factor=1.0, total_iters=40)),
    ('LinearLR', dict(start_factor=1.0, end_factor=0.1, total_iters=100)),
    ('PolynomialLR', dict(total_iters=200, power=2.0)),
    ('PolynomialLR', dict(total_iters=250, power=1.0)),
    ('ReduceLROnPlateau', dict(mode='min', factor=0.5, patience=5, threshold=1e-2, cooldown=3, min_lr=1e-3)),
    ('ReduceLROnPlateau', dict(mode='max', factor=0.3, patience=3, threshold=0.05, threshold_mode='abs',
                               cooldown=0, min_lr=0.0, eps=1e-3)),
    ('ReduceLROnPlateau', dict()),
]


def metrics(idx):
    """A loss-like sequence: improving, then noisy plateaus (seeded), rounded to 6 digits."""
    g = torch.Generator().manual_seed(500 + idx)
    noise = torch.rand(STEPS, generator=g, dtype=torch.float64).tolist()
    out = []
    for k in range(STEPS):
        level = 1.0 / (1.0 + k / 20.0) if k < 80 else (0.2 if k < 180 else 0.15)
        out.append(round(level * (1.0 + 0.08 * (noise[k] - 0.5)), 6))
    return out


def run_case(idx, name, hyper):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=BASE)
    sched = getattr(S, name)(opt, **hyper)
    case = {'scheduler': name, 'hyper': hyper, 'base_lr': BASE}
    if name == 'ReduceLROnPlateau':
        ms = metrics(idx)
        lrs = []
        for m in ms:
            opt.step()
            sched.step(m)
            lrs.append(opt.param_groups[0]['lr'])
        case.update(metrics=ms, lr=lrs)
        return case
    lrs, closed = [], []
    has_closed = hasattr(sched, '_get_closed_form_lr')
    for _ in range(STEPS):
        lrs.append(opt.param_groups[0]['lr'])
        if has_closed:
            closed.append(sched._get_closed_form_lr()[0])
        opt.step()
        sched.step()
    case['lr'] = lrs
    if has_closed:
        case['closed'] = closed
    return case


def main():
    torch.set_num_threads(1)
    import warnings
    warnings.filterwarnings('ignore')
    data = {'torch': torch.__version__, 'generator': 'scripts/golden_torch_schedulers.py', 'steps': STEPS,
            'cases': [run_case(i, n, h) for i, (n, h) in enumerate(CASES)]}
    if '--check' in sys.argv:
        old = json.load(open(OUT))
        worst, same = 0.0, len(old['cases']) == len(data['cases'])
        for a, b in zip(old['cases'], data['cases']):
            same = same and a['scheduler'] == b['scheduler'] and a['hyper'] == b['hyper'] and a.get('metrics') == b.get('metrics')
            for key in ('lr', 'closed'):
                if (key in a) != (key in b) or len(a.get(key, [])) != len(b.get(key, [])):
                    same = False
                for u, v in zip(a.get(key, []), b.get(key, [])):
                    worst = max(worst, abs(u - v) / max(abs(v), 1e-300) if v != 0 else abs(u))
        print(f'scheduler golden check: worst relative difference vs committed file {worst:.3g}' + ('' if same else ' (cases differ)'))
        sys.exit(0 if worst <= 1e-12 and same else 1)
    with open(OUT, 'w') as f:
        f.write(json.dumps(data, separators=(',', ':')) + '\n')
    print(f'wrote {OUT}: {len(data["cases"])} cases x {STEPS} steps, torch {torch.__version__}')


if __name__ == '__main__':
    main()
