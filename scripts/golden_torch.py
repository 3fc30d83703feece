#!/usr/bin/env python3
"""Golden trajectories from the real torch.optim (Debian python3-torch 1.13, CPU, single-tensor path).

Problem per case: a few tensors of awkward sizes; p0, curvature c > 0 and target t drawn with a seeded
torch generator; each step the gradient is g = c * (p - t) (two exact f32 ops, reproduced bit for bit
in JS), then optimizer.step(). Parameters are recorded at checkpoints.

  /usr/bin/python3 scripts/golden_torch.py            # rewrite test/fixtures/torch-golden.json
  /usr/bin/python3 scripts/golden_torch.py --check    # regenerate and compare with the committed file
"""
import json, sys, os
import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch-golden.json')
SIZES = [[7], [5, 3], [33], [1]]
STEPS = 120
CHECKPOINTS = [1, 2, 10, 50, 120]

CASES = [
    ('SGD', dict(lr=0.05)),
    ('SGD', dict(lr=0.05, momentum=0.9)),
    ('SGD', dict(lr=0.02, momentum=0.9, dampening=0.2, weight_decay=0.05)),
    ('SGD', dict(lr=0.02, momentum=0.8, nesterov=True, weight_decay=0.01)),
    ('SGD', dict(lr=0.001, momentum=0.5, maximize=True)),
    ('Adam', dict(lr=0.01)),
    ('Adam', dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ('Adam', dict(lr=0.02, amsgrad=True)),
    ('Adam', dict(lr=0.001, maximize=True, amsgrad=True, weight_decay=0.01)),
    ('AdamW', dict(lr=0.01)),
    ('AdamW', dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ('AdamW', dict(lr=0.003, betas=(0.95, 0.9), eps=1e-5, weight_decay=0.0, maximize=True)),
    ('Adagrad', dict(lr=0.1)),
    ('Adagrad', dict(lr=0.2, lr_decay=0.01, initial_accumulator_value=0.1)),
    ('Adagrad', dict(lr=0.05, weight_decay=0.1, eps=1e-6, maximize=True)),
    ('RMSprop', dict(lr=0.01)),
    ('RMSprop', dict(lr=0.01, centered=True, weight_decay=0.05)),
    ('RMSprop', dict(lr=0.005, momentum=0.9, alpha=0.9)),
    ('RMSprop', dict(lr=0.001, momentum=0.5, centered=True, eps=1e-4, maximize=True, weight_decay=0.01)),
    ('Adadelta', dict()),
    ('Adadelta', dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.1)),
    ('Adadelta', dict(lr=2.0, maximize=True, weight_decay=0.01)),
    ('Rprop', dict()),
    ('Rprop', dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.08))),
    ('Rprop', dict(lr=0.001, maximize=True, step_sizes=(0.0, 1.0))),
    ('Adamax', dict(lr=0.01)),
    ('Adamax', dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ('Adamax', dict(lr=0.002, maximize=True, weight_decay=0.01)),
    ('NAdam', dict(lr=0.01)),
    ('NAdam', dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, momentum_decay=0.01)),
    ('NAdam', dict(lr=0.002, weight_decay=0.01)),
    ('RAdam', dict(lr=0.01)),
    ('RAdam', dict(lr=0.02, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1)),
    ('RAdam', dict(lr=0.005, betas=(0.9, 0.99), weight_decay=0.01)),
    # ASGD: the averaged parameters `ax` are recorded too ('averaged'); small t0 so averaging kicks in.
    ('ASGD', dict(lr=0.01)),
    ('ASGD', dict(lr=0.05, lambd=0.01, alpha=0.5, t0=10, weight_decay=0.1)),
    ('ASGD', dict(lr=0.02, t0=3, maximize=True, weight_decay=0.01)),
]


def run_case(idx, name, hyper):
    g = torch.Generator().manual_seed(1000 + idx)
    params, cs, ts = [], [], []
    for shape in SIZES:
        params.append(torch.nn.Parameter((torch.rand(shape, generator=g) * 4 - 2).float()))
        cs.append((torch.rand(shape, generator=g) * 2 + 0.1).float())
        ts.append((torch.rand(shape, generator=g) * 2 - 1).float())
    init = [p.detach().clone() for p in params]
    opt = getattr(torch.optim, name)(params, **hyper)
    checkpoints, averaged = {}, {}
    for step in range(1, STEPS + 1):
        for p, c, t in zip(params, cs, ts):
            p.grad = c * (p.detach() - t)
        opt.step()
        if step in CHECKPOINTS:
            checkpoints[str(step)] = [p.detach().flatten().tolist() for p in params]
            if name == 'ASGD':
                averaged[str(step)] = [opt.state[p]['ax'].flatten().tolist() for p in params]
    h = dict(hyper)
    if 'betas' in h:
        h['betas'] = list(h['betas'])
    out = {
        'optimizer': name, 'hyper': h, 'steps': STEPS, 'shapes': SIZES,
        'init': [p.flatten().tolist() for p in init], 'c': [c.flatten().tolist() for c in cs],
        't': [t.flatten().tolist() for t in ts], 'checkpoints': checkpoints,
    }
    if averaged:
        out['averaged'] = averaged
    return out


# L-BFGS: step(closure) on two problems over the same awkward tensors (flattened and concatenated in order):
#   'quadratic':  loss = sum 0.5*c*(p-t)^2 (in f64), grad = c * (p - t) (two exact f32 ops, as above);
#   'rosenbrock': x = cat(flat params), a = x[:-1], b = x[1:], u = b - a*a,
#                 loss = sum (1-a)^2 + 100*u^2 (in f64 from the f32 x), and the f32 gradient by these ops:
#                 g[:-1] = (-2)*(1-a) - (400*a)*u;  g[1:] = g[1:] + 200*u.
# Recorded per checkpoint: parameters, the step's return value, torch's func_evals and n_iter.
LBFGS_CASES = [
    ('quadratic', dict(lr=1, max_iter=1, history_size=3)),
    ('quadratic', dict(lr=1, max_iter=6, max_eval=4, history_size=2, tolerance_change=1e-12)),
    ('quadratic', dict(lr=0.5, max_iter=3, history_size=2, line_search_fn='strong_wolfe')),
    ('rosenbrock', dict(lr=1, max_iter=5, history_size=4, line_search_fn='strong_wolfe')),
    ('rosenbrock', dict(lr=0.5, max_iter=2, history_size=3, line_search_fn='strong_wolfe', tolerance_grad=1e-5)),
]


def rosenbrock(x):
    a, b = x[:-1], x[1:]
    u = b - a * a
    g = torch.zeros_like(x)
    g[:-1] = (-2.0) * (1.0 - a) - (400.0 * a) * u
    g[1:] = g[1:] + 200.0 * u
    a64, u64 = a.double(), u.double()
    return float(((1.0 - a64) ** 2 + 100.0 * u64 ** 2).sum()), g


def run_lbfgs_case(idx, problem, hyper):
    g = torch.Generator().manual_seed(2000 + idx)
    params, cs, ts = [], [], []
    for shape in SIZES:
        params.append(torch.nn.Parameter((torch.rand(shape, generator=g) * 4 - 2).float()))
        cs.append((torch.rand(shape, generator=g) * 2 + 0.1).float())
        ts.append((torch.rand(shape, generator=g) * 2 - 1).float())
    init = [p.detach().clone() for p in params]
    opt = torch.optim.LBFGS(params, **hyper)

    def closure():
        if problem == 'quadratic':
            loss = 0.0
            for p, c, t in zip(params, cs, ts):
                p.grad = c * (p.detach() - t)
                loss += float((0.5 * c.double() * (p.detach().double() - t.double()) ** 2).sum())
            return loss
        x = torch.cat([p.detach().flatten() for p in params])
        loss, gx = rosenbrock(x)
        off = 0
        for p in params:
            p.grad = gx[off:off + p.numel()].view_as(p).clone()
            off += p.numel()
        return loss

    checkpoints, losses, counts = {}, {}, {}
    for step in range(1, STEPS + 1):
        loss = opt.step(closure)
        if step in CHECKPOINTS:
            checkpoints[str(step)] = [p.detach().flatten().tolist() for p in params]
            losses[str(step)] = float(loss)
            st = opt.state[params[0]]
            counts[str(step)] = [st['func_evals'], st['n_iter']]
    out = {
        'optimizer': 'LBFGS', 'problem': problem, 'hyper': dict(hyper), 'steps': STEPS, 'shapes': SIZES,
        'init': [p.flatten().tolist() for p in init], 'checkpoints': checkpoints, 'losses': losses, 'counts': counts,
    }
    if problem == 'quadratic':
        out['c'] = [c.flatten().tolist() for c in cs]
        out['t'] = [t.flatten().tolist() for t in ts]
    return out


def rel(a, b):
    """Worst |a - b| over the checkpoint's tensors, relative to each tensor's scale (as the tests measure)."""
    return max((abs(u - v) / max(1.0, max(abs(z) for z in y)) for x, y in zip(a, b) for u, v in zip(x, y)), default=0.0)


def check(old, new):
    """Compare a fresh run with the committed fixture under the rules the tests apply to it.

    torch's f32 reductions (sum, norm, dot) pick their vector width from the CPU (AVX2 vs AVX-512), so
    a fixture regenerated on another machine differs in the last bits of those reductions. Elementwise
    optimizers and the quadratic L-BFGS cases stay within 1e-6 of each tensor's scale; on Rosenbrock the
    curved valley amplifies the last-bit differences until a strong-Wolfe decision flips (from step 10),
    so, as test/torch-parity.test.mjs does, steps 1-2 must agree within 1e-5 with equal torch counters
    and the final point within 1e-4 where both runs converged (loss < 1e-6).
    """
    ok = len(old['cases']) == len(new['cases']) and len(old.get('lbfgs', [])) == len(new['lbfgs'])
    worst = {'elementwise': 0.0, 'lbfgs-quadratic': 0.0, 'lbfgs-rosenbrock-early': 0.0, 'lbfgs-rosenbrock-final': 0.0}
    for a, b in zip(old['cases'], new['cases']):
        for k in a['checkpoints']:
            worst['elementwise'] = max(worst['elementwise'], rel(a['checkpoints'][k], b['checkpoints'][k]))
    for a, b in zip(old.get('lbfgs', []), new['lbfgs']):
        ok = ok and a['problem'] == b['problem'] and a['hyper'] == b['hyper']
        last = str(a['steps'])
        for k in a['checkpoints']:
            d = rel(a['checkpoints'][k], b['checkpoints'][k])
            if a['problem'] == 'quadratic':
                worst['lbfgs-quadratic'] = max(worst['lbfgs-quadratic'], d)
                ok = ok and a['counts'][k] == b['counts'][k]
            elif int(k) <= 2:
                worst['lbfgs-rosenbrock-early'] = max(worst['lbfgs-rosenbrock-early'], d)
                ok = ok and a['counts'][k] == b['counts'][k]
            elif k == last and a['losses'][k] < 1e-6 and b['losses'][k] < 1e-6:
                worst['lbfgs-rosenbrock-final'] = max(worst['lbfgs-rosenbrock-final'], d)
    tol = {'elementwise': 1e-6, 'lbfgs-quadratic': 1e-6, 'lbfgs-rosenbrock-early': 1e-5, 'lbfgs-rosenbrock-final': 1e-4}
    for k, v in worst.items():
        print(f'golden check {k}: worst relative difference vs committed file {v:.3g} (limit {tol[k]:g})')
        ok = ok and v <= tol[k]
    print('golden check:', 'ok' if ok else 'FAILED')
    return 0 if ok else 1


def main():
    torch.set_num_threads(1)
    data = {'torch': torch.__version__, 'generator': 'scripts/golden_torch.py',
            'cases': [run_case(i, n, h) for i, (n, h) in enumerate(CASES)],
            'lbfgs': [run_lbfgs_case(i, n, h) for i, (n, h) in enumerate(LBFGS_CASES)]}
    text = json.dumps(data, indent=None, separators=(',', ':')) + '\n'
    if '--check' in sys.argv:
        sys.exit(check(json.load(open(OUT)), data))
    with open(OUT, 'w') as f:
        f.write(text)
    print(f'wrote {OUT}: {len(data["cases"])} + {len(data["lbfgs"])} L-BFGS cases, torch {torch.__version__}')


if __name__ == '__main__':
    main()
