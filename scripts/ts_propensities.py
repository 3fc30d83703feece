# Independent reference for the Thompson-sampling propensities (src/bandits/thompson.ts: BernoulliTS and
# GaussianTS report a fixed-count Monte Carlo estimate): the exact probability that each arm's posterior
# sample is the largest, p_k = integral of f_k(x) * prod_{j != k} F_j(x) dx, by SciPy quadrature over
# SciPy's Beta and Student-t densities and distribution functions, for a few posterior states written to
# test/fixtures/ts-propensities.json (read by test/bandits-ts-propensity.test.mjs).
#   /usr/bin/python3 scripts/ts_propensities.py          # writes the fixture
#   /usr/bin/python3 scripts/ts_propensities.py --check  # recomputes it and compares (1e-12)
# Posteriors (as the policies document them):
#   BernoulliTS: arm k ~ Beta(alpha + S_k, beta + N_k - S_k)  (N pulls, S reward sum; fractional S too)
#   GaussianTS:  Normal-Gamma (mu0, kappa0, alpha0, beta0) after n rewards with sum s, sum of squares q:
#     kn = k0 + n, mn = (k0 mu0 + s)/kn, an = a0 + n/2, bn = b0 + max(0, q - s xbar)/2 + k0 n (xbar - mu0)^2/(2 kn),
#     and the posterior sample of the mean is Student-t with 2 an degrees of freedom, location mn,
#     scale sqrt(bn/(an kn)).
import json, math, os, sys
import numpy as np
import scipy
from scipy import integrate, stats

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'ts-propensities.json')

BERNOULLI = [
    {'name': 'three arms, uniform prior', 'alpha': 1, 'beta': 1, 'pulls': [10, 12, 8], 'rewards': [4, 6, 3]},
    {'name': 'four arms, Beta(0.5, 2) prior, one arm barely pulled', 'alpha': 0.5, 'beta': 2, 'pulls': [50, 40, 30, 5], 'rewards': [30, 22, 15, 3]},
    {'name': 'two close arms, many pulls', 'alpha': 1, 'beta': 1, 'pulls': [200, 180], 'rewards': [110, 104]},
    {'name': 'fractional rewards and an unpulled arm', 'alpha': 1, 'beta': 1, 'pulls': [7, 9, 4, 0], 'rewards': [3.5, 5.25, 2.1, 0]},
]
GAUSSIAN = [
    {'name': 'three arms, default prior', 'priorMean': 0, 'priorCount': 1, 'priorShape': 1, 'priorRate': 1,
     'pulls': [5, 8, 3], 'rewards': [2.5, 6.0, 0.9], 'squares': [2.0, 5.5, 1.0]},
    {'name': 'four arms, informative prior, an unpulled arm (heavy tails)', 'priorMean': 0.5, 'priorCount': 0.3, 'priorShape': 0.8, 'priorRate': 2,
     'pulls': [20, 15, 10, 0], 'rewards': [14.0, 9.0, 7.5, 0], 'squares': [16.0, 11.0, 9.0, 0]},
    {'name': 'two arms of negative rewards', 'priorMean': 0, 'priorCount': 1, 'priorShape': 1, 'priorRate': 1,
     'pulls': [30, 25], 'rewards': [-12.0, -9.5], 'squares': [40.0, 30.0]},
]


def beta_dists(c):
    return [stats.beta(c['alpha'] + s, c['beta'] + n - s) for n, s in zip(c['pulls'], c['rewards'])]


def t_dists(c):
    out = []
    for n, s, q in zip(c['pulls'], c['rewards'], c['squares']):
        k0, m0, a0, b0 = c['priorCount'], c['priorMean'], c['priorShape'], c['priorRate']
        kn = k0 + n
        mn = (k0 * m0 + s) / kn
        an = a0 + n / 2
        bn = b0
        if n > 0:
            xb = s / n
            bn = b0 + 0.5 * max(0.0, q - s * xb) + k0 * n * (xb - m0) ** 2 / (2 * kn)
        out.append(stats.t(df=2 * an, loc=mn, scale=math.sqrt(bn / (an * kn))))
    return out


def win_probs(ds, lo, hi):
    """p_k = integral of pdf_k * prod_{j != k} cdf_j over (lo, hi), split at each distribution's centre and spread."""
    pts = sorted({float(x) for d in ds for x in (d.mean() if np.isfinite(d.mean()) else d.median(), d.ppf(0.001), d.ppf(0.999))})
    pts = [x for x in pts if lo < x < hi]
    edges = [lo] + pts + [hi]
    ps = []
    for k, dk in enumerate(ds):
        f = lambda x, k=k, dk=dk: dk.pdf(x) * math.prod(d.cdf(x) for j, d in enumerate(ds) if j != k)
        total = 0.0
        for a, b in zip(edges[:-1], edges[1:]):
            v, err = integrate.quad(f, a, b, epsabs=1e-14, epsrel=1e-12, limit=400)
            assert err < 1e-10, (k, a, b, err)
            total += v
        ps.append(total)
    s = sum(ps)
    assert abs(s - 1) < 1e-9, ('probabilities sum to', s)
    return ps


def compute():
    rows = []
    for c in BERNOULLI:
        rows.append({'policy': 'BernoulliTS', **c, 'p': win_probs(beta_dists(c), 0.0, 1.0)})
    for c in GAUSSIAN:
        rows.append({'policy': 'GaussianTS', **c, 'p': win_probs(t_dists(c), -math.inf, math.inf)})
    return {'source': f'scipy {scipy.__version__}: integrate.quad of pdf_k * prod_j cdf_j (scipy.stats.beta / scipy.stats.t), scripts/ts_propensities.py',
            'rows': rows}


if __name__ == '__main__':
    res = compute()
    if '--check' in sys.argv:
        with open(OUT) as f:
            old = json.load(f)
        assert len(old['rows']) == len(res['rows'])
        for a, b in zip(old['rows'], res['rows']):
            assert {k: v for k, v in a.items() if k != 'p'} == {k: v for k, v in b.items() if k != 'p'}, a['name']
            for x, y in zip(a['p'], b['p']):
                assert abs(x - y) <= 1e-12, (a['name'], x, y)
        print('ts-propensities.json matches')
    else:
        with open(OUT, 'w') as f:
            json.dump(res, f, indent=1)
            f.write('\n')
        for r in res['rows']:
            print(r['policy'], r['name'], ['%.6f' % x for x in r['p']])
        print(len(res['rows']), 'states ->', OUT)
