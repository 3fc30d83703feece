"""Independent reference derivatives of the built-in MLP model (bilevel.models.mlp, issue 9) from real torch 1.13
autograd in float64, for test/bilevel-mlp.test.mjs. The model is written once as a torch expression
    g(x, w) = (1/n) Σᵢ ωᵢ CE(W₂ tanh(W₁Xᵢ + b₁) + b₂, tᵢ) + ½ρ‖w‖²,
    hyper 'logRidge': ρ = e^{x₀}, ωᵢ = cᵢ;  'sampleWeights': ωᵢ = cᵢσ(xᵢ), ρ = alpha;  the upper level: ωᵢ = 1, ρ = 0
with w = [W₁ (H×d), b₁ (H), W₂ (K×H), b₂ (K)] flattened row-major, and everything else is autograd:
∇_w g, the Hessian-vector product ∇²_ww g·v (double backward), the cross products ∇²_xw g·v and ∇²_wx g·u,
∇_x g, and the full Hessian (torch.autograd.functional.hessian). No formula of simdopt's is used. The data,
weights and directions are drawn here (numpy seeded) and stored with torch's results.
  /usr/bin/python3 scripts/golden_mlp.py            # rewrite test/fixtures/bilevel-mlp-golden.json
  /usr/bin/python3 scripts/golden_mlp.py --check    # regenerate and compare with the committed file
"""
import json, os, sys
import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'bilevel-mlp-golden.json')
D = torch.float64
CHECK_TOL = 1e-12
KEYS = ('value', 'grad', 'hvp', 'cross', 'crossT', 'gradX', 'hessian')


def T(a):
    return torch.tensor(np.asarray(a), dtype=D)


def case(seed, n, d, H, K, hyper, alpha=1e-3, weights=None):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n, d))
    t = rng.randint(0, K, n)
    P = H * d + H + K * H + K
    w = rng.normal(0, 0.7, P)
    v = rng.normal(0, 1, P)
    dx = 1 if hyper == 'logRidge' else n
    x = [float(np.log(0.05))] if hyper == 'logRidge' else rng.uniform(-2, 2, n).tolist()
    u = rng.normal(0, 1, dx)
    c = None if weights is None else np.asarray(weights)
    Xt, tt = T(X), torch.tensor(t)

    def g(xx, ww, upper=False):
        W1 = ww[:H * d].reshape(H, d)
        b1 = ww[H * d:H * d + H]
        W2 = ww[H * d + H:H * d + H + K * H].reshape(K, H)
        b2 = ww[H * d + H + K * H:]
        z = torch.tanh(Xt @ W1.T + b1) @ W2.T + b2
        ce = torch.logsumexp(z, 1) - z[torch.arange(n), tt]
        if upper:
            return ce.mean()
        cc = T(np.ones(n)) if c is None else T(c)
        if hyper == 'logRidge':
            return (cc * ce).mean() + 0.5 * torch.exp(xx[0]) * (ww @ ww)
        return (cc * torch.sigmoid(xx) * ce).mean() + 0.5 * alpha * (ww @ ww)

    xv, wv, vv, uv = T(x).requires_grad_(), T(w).requires_grad_(), T(v), T(u)
    val = g(xv, wv)
    gw = torch.autograd.grad(val, wv, create_graph=True)[0]
    hvp = torch.autograd.grad(gw @ vv, wv, retain_graph=True)[0]
    cross = torch.autograd.grad(gw @ vv, xv, retain_graph=True)[0]
    gx = torch.autograd.grad(val, xv, create_graph=True)[0]
    crossT = torch.autograd.grad(gx @ uv, wv, retain_graph=True)[0]
    hess = torch.autograd.functional.hessian(lambda ww: g(xv.detach(), ww), wv.detach())
    up = g(xv, wv, upper=True)
    upgrad = torch.autograd.grad(up, wv)[0]
    lst = lambda a: a.detach().reshape(-1).tolist()
    return dict(seed=seed, n=n, d=d, hidden=H, classes=K, hyper=hyper, alpha=alpha, weights=weights,
                X=X.reshape(-1).tolist(), t=t.tolist(), w=w.tolist(), v=v.tolist(), x=x, u=u.tolist(),
                value=float(val), grad=lst(gw), hvp=lst(hvp), cross=lst(cross), crossT=lst(crossT), gradX=lst(gx),
                hessian=lst(hess), upperValue=float(up), upperGrad=lst(upgrad))


def cases():
    rng = np.random.RandomState(7)
    return [case(41, 23, 5, 4, 3, 'logRidge'),
            case(42, 19, 6, 3, 4, 'logRidge', weights=rng.uniform(0, 2, 19).tolist()),
            case(43, 21, 4, 5, 3, 'sampleWeights', alpha=0.02),
            case(44, 17, 7, 2, 5, 'sampleWeights', alpha=0.1, weights=rng.uniform(0, 2, 17).tolist())]


def check(old, new):
    ok = len(old['cases']) == len(new['cases'])
    worst = 0.0
    for a, b in zip(old['cases'], new['cases']):
        for k in ('seed', 'n', 'd', 'hidden', 'classes', 'hyper', 'alpha', 'weights', 'X', 't', 'w', 'v', 'x', 'u'):
            ok = ok and a[k] == b[k]
        for k in KEYS + ('upperValue', 'upperGrad'):
            p, q = (a[k], b[k]) if isinstance(a[k], list) else ([a[k]], [b[k]])
            s = max(1e-300, max(abs(z) for z in q))
            worst = max(worst, max(abs(y - z) for y, z in zip(p, q)) / s)
    ok = ok and worst <= CHECK_TOL
    print(f'mlp golden check: worst relative difference vs committed file {worst:.3g} (limit {CHECK_TOL:g}):', 'ok' if ok else 'FAILED')
    return 0 if ok else 1


def main():
    torch.set_num_threads(1)
    data = {'torch': torch.__version__, 'generator': 'scripts/golden_mlp.py', 'dtype': 'float64', 'cases': cases()}
    if '--check' in sys.argv:
        sys.exit(check(json.load(open(OUT)), data))
    with open(OUT, 'w') as fh:
        fh.write(json.dumps(data, separators=(',', ':')) + '\n')
    print(f'wrote {OUT}: {len(data["cases"])} cases, torch {torch.__version__}')


if __name__ == '__main__':
    main()
