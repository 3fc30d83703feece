"""Independent reference hypergradients for test/bilevel-torch.test.mjs (issue 9, reference §6 T1/T2, and the
logistic / softmax regression models of hyper-cleaning), from real torch 1.13 autograd in float64, two ways
per problem:
  * 'through the solution': y*(x) is computed inside the autograd graph (quadratic lower levels: by
    torch.linalg.solve on the optimality system read off g by autograd; logistic/softmax: Newton's method to
    convergence outside the graph, then one Newton step inside it, whose derivative at the fixed point is
    dy*/dx), and Φ(x) = f(x, y*(x)) is backpropagated to x;
  * 'implicit function theorem': ∇²ᵧᵧg is torch.autograd.functional.hessian of g, ∇²ₓᵧg·v is a double
    backward of ∇ᵧg, ∇Φ = ∇ₓf − ∇²ₓᵧg·[∇²ᵧᵧg]⁻¹∇ᵧf.
No formula of simdopt's (its wasm kernels or test/helpers/reference-bilevel.mjs) is used: the lower and
upper objectives are written once as torch expressions and everything else is autograd. The problems'
data are drawn here (numpy seeded) and stored in the fixture with torch's results, so the JS test builds
the same built-in models from the stored numbers.
  /usr/bin/python3 scripts/golden_bilevel.py            # rewrite test/fixtures/bilevel-golden.json
  /usr/bin/python3 scripts/golden_bilevel.py --check    # regenerate and compare with the committed file
"""
import json, os, sys
import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'bilevel-golden.json')
D = torch.float64
# The two autograd routes must agree to this (relative, per case); the --check compares with the committed
# file to CHECK_TOL (LAPACK's f64 solves may round differently on another CPU, nowhere near this).
AGREE_TOL = 1e-11
CHECK_TOL = 1e-12


def T(a):
    return torch.tensor(np.asarray(a), dtype=D)


def spd(rng, n, mu):
    M = rng.uniform(-0.5, 0.5, (n, n))
    return M.T @ M / n + mu * np.eye(n)


# ---- T1: quadratic bilevel problem (benchopt simulated form) --------------------------------------------
def quad_case(seed, dx, dy, xs):
    rng = np.random.RandomState(seed)
    lower = dict(A=spd(rng, dy, 0.5), B=spd(rng, dx, 0.1), C=rng.uniform(-0.5, 0.5, (dx, dy)),
                 a=rng.uniform(-0.5, 0.5, dy), b=rng.uniform(-0.5, 0.5, dx))
    upper = dict(F=spd(rng, dy, 0.2), H=spd(rng, dx, 0.3), K=0.3 * rng.uniform(-0.5, 0.5, (dx, dy)),
                 f=rng.uniform(-0.5, 0.5, dy), h=rng.uniform(-0.5, 0.5, dx))
    L = {k: T(v) for k, v in lower.items()}
    U = {k: T(v) for k, v in upper.items()}

    def g(x, y):
        return 0.5 * y @ L['A'] @ y + 0.5 * x @ L['B'] @ x + x @ L['C'] @ y + L['a'] @ y + L['b'] @ x

    def f(x, y):
        return 0.5 * y @ U['F'] @ y + 0.5 * x @ U['H'] @ x + x @ U['K'] @ y + U['f'] @ y + U['h'] @ x

    def ystar(x):  # ∇ᵧg = 0, solved in the graph: A y = −(a + Cᵀx), the system read off g by autograd
        y0 = torch.zeros(dy, dtype=D)
        Hyy = torch.autograd.functional.hessian(lambda yy: g(x.detach(), yy), y0)
        rhs = -torch.autograd.grad(g(x, y0.requires_grad_()), y0, create_graph=True)[0]
        return torch.linalg.solve(Hyy, rhs)

    points = [run_point(g, f, ystar, x, dx) for x in xs]
    return {'problem': 'quadratic', 'dx': dx, 'dy': dy,
            'lower': {k: v.flatten().tolist() for k, v in lower.items()},
            'upper': {k: v.flatten().tolist() for k, v in upper.items()}, 'points': points}


# ---- T2: ridge HPO (logRidge, logFeatureRidge) and sample reweighting (sampleWeights) ----------------------
def ridge_data(seed, n, m, d):
    rng = np.random.RandomState(seed)
    w = rng.uniform(-1, 1, d)
    X = rng.uniform(-1, 1, (n, d)); Xv = rng.uniform(-1, 1, (m, d))
    t = X @ w + 0.5 * rng.uniform(-1, 1, n); tv = Xv @ w + 0.5 * rng.uniform(-1, 1, m)
    return X, t, Xv, tv


def ridge_case(seed, n, m, d, hyper, xs, alpha=1e-3):
    X, t, Xv, tv = ridge_data(seed, n, m, d)
    Xt, tt, Xvt, tvt = T(X), T(t), T(Xv), T(tv)

    def weights(x):
        return torch.sigmoid(x) if hyper == 'sampleWeights' else torch.ones(n, dtype=D)

    def rho(x):
        if hyper == 'logRidge': return torch.exp(x[0]) * torch.ones(d, dtype=D)
        if hyper == 'logFeatureRidge': return torch.exp(x)
        return alpha * torch.ones(d, dtype=D)

    def g(x, w):
        r = Xt @ w - tt
        return 0.5 * (weights(x) * r * r).sum() + 0.5 * (rho(x) * w * w).sum()

    def f(x, w):
        r = Xvt @ w - tvt
        return 0.5 * (r * r).sum()

    def ystar(x):  # the lower level is quadratic in w: Hessian (autograd) and −∇g at w = 0 give the normal equations
        w0 = torch.zeros(d, dtype=D, requires_grad=True)
        gw = torch.autograd.grad(g(x, w0), w0, create_graph=True)[0]
        Hww = torch.stack([torch.autograd.grad(gw[j], w0, create_graph=True)[0] for j in range(d)])
        return torch.linalg.solve(Hww, -gw)

    dx = 1 if hyper == 'logRidge' else d if hyper == 'logFeatureRidge' else n
    points = [run_point(g, f, ystar, x, dx) for x in xs]
    out = {'problem': 'ridge', 'hyper': hyper, 'features': d, 'trainX': X.flatten().tolist(), 'trainY': t.tolist(),
           'valX': Xv.flatten().tolist(), 'valY': tv.tolist(), 'points': points}
    if hyper == 'sampleWeights': out['alpha'] = alpha
    return out


# ---- logistic and softmax regression (the hyper-cleaning models): y* by Newton's method in f64 -----------
def glm_case(seed, n, m, d, K, hyper, xs, alpha=1e-3, weights=None):
    """K = 0: binary logistic (labels 0/1, w ∈ R^d); K ≥ 2: softmax (W ∈ R^{K×d}, row-major)."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n, d)); Xv = rng.uniform(-1, 1, (m, d))
    Wt = rng.uniform(-2, 2, (max(K, 1), d))
    def labels(A):
        if K == 0:
            return (A @ Wt[0] + 0.5 * rng.uniform(-1, 1, len(A)) > 0).astype(float)
        return np.argmax(A @ Wt.T + 0.5 * rng.uniform(-1, 1, (len(A), K)), axis=1).astype(float)
    t, tv = labels(X), labels(Xv)
    Xt, Xvt = T(X), T(Xv)
    c = T(weights) if weights is not None else torch.ones(n, dtype=D)
    dy = d if K == 0 else K * d

    def loss(A, lab, w):  # per-sample loss, autograd-differentiable; torch's own logsumexp / softplus
        if K == 0:
            z = A @ w
            return torch.nn.functional.softplus(z) - T(lab) * z
        Z = A @ w.reshape(K, d).T
        return torch.logsumexp(Z, dim=1) - Z[torch.arange(len(A)), torch.tensor(lab, dtype=torch.long)]

    def omega(x):
        return c * torch.sigmoid(x) if hyper == 'sampleWeights' else c

    def rho(x):  # per feature j, shared by every class
        r = torch.exp(x[0]) * torch.ones(d, dtype=D) if hyper == 'logRidge' else torch.exp(x) if hyper == 'logFeatureRidge' else alpha * torch.ones(d, dtype=D)
        return r if K == 0 else r.repeat(K)

    def g(x, w):
        return (omega(x) * loss(Xt, t, w)).sum() / n + 0.5 * (rho(x) * w * w).sum()

    def f(x, w):
        return loss(Xvt, tv, w).sum() / m

    def ystar(x):
        # Newton on ∇_w g = 0 outside the graph (autograd Hessian), then one Newton step inside it from
        # the converged point: its value is y* and its derivative the implicit-function derivative
        w = torch.zeros(dy, dtype=D)
        xd = x.detach()
        for _ in range(100):
            wr = w.clone().requires_grad_()
            gw = torch.autograd.grad(g(xd, wr), wr)[0]
            H = torch.autograd.functional.hessian(lambda ww: g(xd, ww), w)
            step = torch.linalg.solve(H, gw)
            w = w - step
            if float(step.norm()) <= 1e-15 * max(1.0, float(w.norm())):
                break
        wr = w.clone().requires_grad_()
        gw = torch.autograd.grad(g(x, wr), wr, create_graph=True)[0]
        H = torch.autograd.functional.hessian(lambda ww: g(xd, ww), w)
        return w - torch.linalg.solve(H, gw)

    dx = 1 if hyper == 'logRidge' else d if hyper == 'logFeatureRidge' else n
    points = [run_point(g, f, ystar, x, dx) for x in xs]
    out = {'problem': 'logistic' if K == 0 else 'softmax', 'hyper': hyper, 'features': d, 'trainX': X.flatten().tolist(), 'trainY': t.tolist(),
           'valX': Xv.flatten().tolist(), 'valY': tv.tolist(), 'points': points}
    if K: out['classes'] = K
    if hyper == 'sampleWeights': out['alpha'] = alpha
    if weights is not None: out['weights'] = list(weights)
    return out


def run_point(g, f, ystar, x_list, dx):
    x = torch.tensor(x_list, dtype=D, requires_grad=True)
    # route 1: autograd through the solution
    y = ystar(x)
    phi = f(x, y)
    (unrolled,) = torch.autograd.grad(phi, x)
    # route 2: implicit function theorem with autograd products at y*
    ys = y.detach().clone().requires_grad_()
    xd = x.detach().clone().requires_grad_()
    fx, fy = torch.autograd.grad(f(xd, ys), (xd, ys), allow_unused=True)
    fx = torch.zeros(dx, dtype=D) if fx is None else fx
    Hyy = torch.autograd.functional.hessian(lambda yy: g(xd.detach(), yy), ys.detach())
    v = torch.linalg.solve(Hyy, fy)
    gy = torch.autograd.grad(g(xd, ys), ys, create_graph=True)[0]
    (cross,) = torch.autograd.grad(gy, xd, grad_outputs=v)
    ift = fx - cross
    rel = float((ift - unrolled).norm() / unrolled.norm())
    assert rel <= AGREE_TOL, f'autograd routes disagree: {rel}'
    return {'x': list(x_list), 'ystar': y.detach().tolist(), 'phi': float(phi), 'hypergradient': unrolled.tolist(),
            'ift': ift.tolist(), 'routesAgree': rel}


def cases():
    rng = np.random.RandomState(7)
    out = [quad_case(11, 4, 7, [[0.0] * 4, [0.3, -0.2, 0.5, 0.1], [-1.0, 2.0, 0.5, -0.5]]),
           quad_case(12, 1, 3, [[0.7], [-2.0]]),
           ridge_case(21, 40, 30, 6, 'logRidge', [[-0.7], [0.0], [1.5], [-4.0]]),
           ridge_case(22, 50, 25, 5, 'logFeatureRidge', [[0.0] * 5, rng.uniform(-2, 1, 5).tolist()]),
           ridge_case(23, 30, 20, 4, 'sampleWeights', [[0.0] * 30, rng.uniform(-3, 3, 30).tolist()]),
           glm_case(31, 60, 40, 5, 0, 'logRidge', [[-3.0], [0.5]]),
           glm_case(32, 50, 30, 4, 0, 'logFeatureRidge', [rng.uniform(-4, 0, 4).tolist()], weights=rng.uniform(0, 2, 50).tolist()),
           glm_case(33, 40, 30, 3, 0, 'sampleWeights', [rng.uniform(-3, 3, 40).tolist()], alpha=0.05),
           glm_case(34, 60, 40, 4, 3, 'logRidge', [[-2.0], [1.0]]),
           glm_case(35, 50, 30, 3, 4, 'logFeatureRidge', [rng.uniform(-3, 0, 3).tolist()]),
           glm_case(36, 45, 30, 3, 3, 'sampleWeights', [[0.0] * 45, rng.uniform(-3, 3, 45).tolist()], alpha=0.02)]
    return out


def check(old, new):
    ok = len(old['cases']) == len(new['cases'])
    worst = 0.0
    for a, b in zip(old['cases'], new['cases']):
        for k in a:
            if k != 'points': ok = ok and a[k] == b[k]
        for p, q in zip(a['points'], b['points']):
            ok = ok and p['x'] == q['x']
            for key in ('hypergradient', 'ift', 'ystar'):
                s = max(1e-300, max(abs(z) for z in q[key]))
                worst = max(worst, max(abs(u - w) for u, w in zip(p[key], q[key])) / s)
            worst = max(worst, abs(p['phi'] - q['phi']) / max(1e-300, abs(q['phi'])))
    ok = ok and worst <= CHECK_TOL
    print(f'bilevel golden check: worst relative difference vs committed file {worst:.3g} (limit {CHECK_TOL:g}):',
          'ok' if ok else 'FAILED')
    return 0 if ok else 1


def main():
    torch.set_num_threads(1)
    data = {'torch': torch.__version__, 'generator': 'scripts/golden_bilevel.py', 'dtype': 'float64', 'cases': cases()}
    if '--check' in sys.argv:
        sys.exit(check(json.load(open(OUT)), data))
    with open(OUT, 'w') as fh:
        fh.write(json.dumps(data, separators=(',', ':')) + '\n')
    agree = max(p['routesAgree'] for c in data['cases'] for p in c['points'])
    print(f'wrote {OUT}: {len(data["cases"])} cases, {sum(len(c["points"]) for c in data["cases"])} points, '
          f'torch {torch.__version__}; the two autograd routes agree to {agree:.3g}')


if __name__ == '__main__':
    main()
