"""What the torch-transcription fixture scripts (golden_muon, golden_galore, golden_shampoo) share.

`check_or_write(path, out, check)`: with --check, exit with check(committed fixture, fresh run); else write it.
`trajectory_diff(old, new)`: (same inputs?, worst relative difference) over cases that carry hyper, init, c, t
and checkpoints (lists of flattened tensors), the relative difference being |u - v| / max(1, |v|).
"""
import json, sys


def trajectory_diff(old, new):
    ok = len(old['cases']) == len(new['cases'])
    worst = 0.0
    for a, b in zip(old['cases'], new['cases']):
        ok = ok and a['hyper'] == b['hyper'] and a['init'] == b['init'] and a['c'] == b['c'] and a['t'] == b['t']
        for k in a['checkpoints']:
            for x, y in zip(a['checkpoints'][k], b['checkpoints'][k]):
                for u, v in zip(x, y):
                    worst = max(worst, abs(u - v) / max(1.0, abs(v)))
    return ok, worst


def check_or_write(path, out, check):
    if '--check' in sys.argv:
        with open(path) as f:
            sys.exit(check(json.load(f), out))
    with open(path, 'w') as f:
        json.dump(out, f)
        f.write('\n')
    print('wrote', path)
