#!/usr/bin/env python3
"""Export real torch.optim state dicts (Debian python3-torch 1.13, CPU) as a JSON fixture for
importTorchState (src/optim/torch-import.ts, test/torch-import.test.mjs).

Per case: a small named model (nn.Sequential of nn.Linear + Tanh) trained with MSE on seeded data for
N steps; then `optimizer.state_dict()` and `model.state_dict()` are converted to JSON (tensors as flat
lists of their f32 values, 0-d tensors such as `step` as numbers, None as null, tuples as lists); then M
more steps, recording each step's gradients (so JS replays torch's exact gradients) and the final
parameters. `param_names` gives the simdopt name of each torch param id: ids number the params of
param_groups in order, which is named_parameters() order only for a single group built from
model.parameters().

  /usr/bin/python3 scripts/export_torch_state.py            # rewrite test/fixtures/torch-state.json
  /usr/bin/python3 scripts/export_torch_state.py --check    # regenerate and compare with the committed file
"""
import json, os, sys
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch-state.json')
N, M = 30, 20


def model_and_data(seed):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 9), nn.Tanh(), nn.Linear(9, 3))
    x = torch.rand(16, 6) * 2 - 1
    y = torch.rand(16, 3) * 2 - 1
    return model, x, y


def groups_by_kind(model, decay):
    """AdamW convention: weight decay on matrices only; the ids follow this order (weights, then biases)."""
    named = list(model.named_parameters())
    w = [(n, p) for n, p in named if p.dim() > 1]
    b = [(n, p) for n, p in named if p.dim() <= 1]
    groups = [{'params': [p for _, p in w], 'weight_decay': decay}, {'params': [p for _, p in b], 'weight_decay': 0.0}]
    return groups, [n for n, _ in w] + [n for n, _ in b]


CASES = [
    # (label, optimizer, kwargs, grouped)
    ('adamw-groups', 'AdamW', dict(lr=1e-2, betas=(0.85, 0.995), eps=1e-7), True),
    ('adamw-amsgrad', 'AdamW', dict(lr=5e-3, weight_decay=0.1, amsgrad=True), False),
    ('sgd-momentum', 'SGD', dict(lr=0.05, momentum=0.9, weight_decay=1e-3), False),
    ('sgd-nesterov', 'SGD', dict(lr=0.02, momentum=0.8, nesterov=True), False),
    ('nadam', 'NAdam', dict(lr=5e-3, weight_decay=0.01), False),
    ('adagrad', 'Adagrad', dict(lr=0.05, lr_decay=0.01, initial_accumulator_value=0.1), False),
    ('rmsprop-centered', 'RMSprop', dict(lr=2e-3, centered=True, momentum=0.5, weight_decay=1e-3), False),
]


def to_json(v):
    if isinstance(v, torch.Tensor):
        return v.item() if v.dim() == 0 else v.detach().flatten().tolist()
    if isinstance(v, tuple):
        return list(v)
    return v


def run_case(idx, label, name, kwargs, grouped):
    model, x, y = model_and_data(2000 + idx)
    if grouped:
        params, names = groups_by_kind(model, 0.05)
    else:
        params, names = model.parameters(), [n for n, _ in model.named_parameters()]
    opt = getattr(torch.optim, name)(params, **kwargs)
    named = dict(model.named_parameters())

    def step():
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        g = {n: p.grad.detach().flatten().tolist() for n, p in named.items()}
        opt.step()
        return g

    for _ in range(N):
        step()
    sd = opt.state_dict()
    state = {str(k): {s: to_json(v) for s, v in st.items()} for k, st in sd['state'].items()}
    groups = [{k: to_json(v) for k, v in g.items()} for g in sd['param_groups']]
    at_n = {k: to_json(v) for k, v in model.state_dict().items()}
    grads = [step() for _ in range(M)]
    final = {k: to_json(v) for k, v in model.state_dict().items()}
    return {
        'label': label, 'optimizer': name, 'kwargs': {k: to_json(v) for k, v in kwargs.items()}, 'grouped': grouped,
        'named_parameters': list(named), 'shapes': {n: list(p.shape) for n, p in named.items()},
        'param_names': names, 'N': N, 'M': M,
        'optimizer_state': {'state': state, 'param_groups': groups},
        'model_state': at_n, 'grads': grads, 'final': final,
    }


def main():
    torch.set_num_threads(1)
    data = {'torch': torch.__version__, 'generator': 'scripts/export_torch_state.py',
            'cases': [run_case(i, *c) for i, c in enumerate(CASES)]}
    if '--check' in sys.argv:
        old = json.load(open(OUT))
        worst = 0.0
        same = len(old['cases']) == len(data['cases'])
        for a, b in zip(old['cases'], data['cases']):
            same = same and a['label'] == b['label'] and a['param_names'] == b['param_names']
            for key in ('model_state', 'final'):
                for n, v in b[key].items():
                    scale = max(1.0, max(abs(z) for z in v))
                    worst = max(worst, max(abs(u - w) / scale for u, w in zip(a[key][n], v)))
        print(f'torch state check: worst relative difference vs committed file {worst:.3g}')
        sys.exit(0 if worst <= 1e-6 and same else 1)
    with open(OUT, 'w') as f:
        f.write(json.dumps(data, separators=(',', ':')) + '\n')
    print(f'wrote {OUT}: {len(data["cases"])} cases, torch {torch.__version__}')


if __name__ == '__main__':
    main()
