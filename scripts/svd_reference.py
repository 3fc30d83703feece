#!/usr/bin/env python3
"""Reference singular value decompositions (NumPy/LAPACK, f64) of f32 matrices with known decaying
spectra, for test/linalg-svd.test.mjs (linalg.svd, Jacobi and randomized, and linalg.qr).

Each case builds A = U0 diag(sigma) V0^T from orthonormal U0, V0 (np.linalg.qr of a seeded PCG64
Gaussian matrix) and the designed spectrum sigma, rounds A to float32 (stored as little-endian
base64), and records np.linalg.svd(float64(A32)): all singular values, the top `rank` left and right
singular vectors with simdopt's sign convention (in each left vector the entry of largest magnitude,
the first on ties, is positive; the right vector flips with it). scipy.linalg.svdvals (SciPy's own
LAPACK binding) must agree with NumPy's singular values to 1e-12·sigma_1.

  /usr/bin/python3 scripts/svd_reference.py          # write test/fixtures/svd-reference.json
  /usr/bin/python3 scripts/svd_reference.py --check  # regenerate and compare with the committed file
"""
import base64, json, os, sys
import numpy as np
import scipy.linalg

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'svd-reference.json')

CASES = [
    # name, m, n, rank, spectrum
    ('exp', 96, 64, 8, lambda k: 0.7 ** np.arange(k)),
    ('poly-wide', 48, 112, 6, lambda k: 1.0 / (np.arange(k) + 1.0)),
    ('gap', 160, 120, 8, lambda k: np.concatenate([10.0 - np.arange(8), 0.01 * 0.9 ** np.arange(k - 8)])),
]


def signfix(u, v):
    u, v = u.copy(), v.copy()
    for j in range(u.shape[1]):
        i = int(np.argmax(np.abs(u[:, j])))
        if u[i, j] < 0:
            u[:, j] *= -1
            v[:, j] *= -1
    return u, v


def build():
    out = []
    for ci, (name, m, n, rank, spec) in enumerate(CASES):
        rng = np.random.Generator(np.random.PCG64(1000 + ci))
        k = min(m, n)
        u0, _ = np.linalg.qr(rng.standard_normal((m, k)))
        v0, _ = np.linalg.qr(rng.standard_normal((n, k)))
        sig = spec(k)
        a32 = ((u0 * sig) @ v0.T).astype(np.float32)
        a = a32.astype(np.float64)
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        s2 = scipy.linalg.svdvals(a)
        assert np.max(np.abs(s - s2)) <= 1e-12 * s[0], 'numpy and scipy disagree'
        ur, vr = signfix(u[:, :rank], vt[:rank].T)
        out.append({
            'name': name, 'm': m, 'n': n, 'rank': rank, 'designed': sig.tolist(),
            'a': base64.b64encode(a32.astype('<f4').tobytes()).decode(),
            's': s.tolist(), 'u': ur.flatten().tolist(), 'v': vr.flatten().tolist(),
        })
    return {'numpy': np.__version__, 'scipy': scipy.__version__, 'cases': out}


def check(old, new):
    worst = 0.0
    for a, b in zip(old['cases'], new['cases']):
        xa = np.frombuffer(base64.b64decode(a['a']), '<f4'); xb = np.frombuffer(base64.b64decode(b['a']), '<f4')
        worst = max(worst, float(np.max(np.abs(xa - xb))) / float(np.max(np.abs(xa))))
        for key in ('s', 'u', 'v'):
            worst = max(worst, float(np.max(np.abs(np.array(a[key]) - np.array(b[key])))))
    ok = len(old['cases']) == len(new['cases']) and worst <= 1e-6
    print(f'svd reference check: worst difference vs committed file {worst:.3g} (limit 1e-6):', 'ok' if ok else 'FAILED')
    return 0 if ok else 1


if __name__ == '__main__':
    data = build()
    if '--check' in sys.argv:
        with open(OUT) as f:
            sys.exit(check(json.load(f), data))
    with open(OUT, 'w') as f:
        json.dump(data, f)
    print('wrote', OUT)
