# Independent reference for Bayes-UCB's Beta quantile (assembly/bandits/beta.ts): SciPy's beta.isf
# (Boost's ibeta_inv) over a grid of posteriors Beta(1 + s, 1 + n - s) and levels delta, written to
# test/fixtures/beta-quantiles.json for test/bandits-index-policies.test.mjs.
#   /usr/bin/python3 scripts/beta-quantiles.py           (re)write the fixture
#   /usr/bin/python3 scripts/beta-quantiles.py --check   compare with the committed fixture (CI): same grid,
#                                                        quantiles within 1e-12 relative (Boost's ibeta_inv
#                                                        may differ in the last bits between SciPy builds)
import json, os, sys, scipy
from scipy.stats import beta

rows = []
for n in [0, 1, 2, 5, 10, 37, 100, 1000, 10000, 100000]:
    for frac in [0.0, 0.03, 0.25, 0.5, 0.9, 1.0]:
        s = round(frac * n * 4) / 4  # fractional rewards too
        for delta in [0.5, 0.1, 1e-2, 1e-3, 1e-5, 1e-8, 1e-12]:
            a, b = 1 + s, 1 + n - s
            rows.append([a, b, delta, float(beta.isf(delta, a, b))])
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'beta-quantiles.json')
if '--check' in sys.argv[1:]:
    with open(out) as f:
        old = json.load(f)['rows']
    if len(old) != len(rows) or any(o[:3] != r[:3] for o, r in zip(old, rows)):
        sys.exit('beta-quantiles check: the committed grid differs from the script\'s')
    worst = max(abs(o[3] - r[3]) / max(abs(r[3]), 1e-300) for o, r in zip(old, rows))
    print(f'beta-quantiles check: worst relative difference vs committed file {worst:.3g} (limit 1e-12)')
    sys.exit(0 if worst <= 1e-12 else 1)
with open(out, 'w') as f:
    json.dump({'source': f'scipy {scipy.__version__} scipy.stats.beta.isf(delta, a, b)', 'rows': rows}, f)
print(len(rows), 'rows ->', out)
