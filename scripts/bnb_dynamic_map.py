#!/usr/bin/env python3
"""bitsandbytes' 8-bit blockwise optimizer-state numerics, implemented from their published description
in torch 1.13 (bitsandbytes itself is CUDA-first and not installable here), and the fixture the JS tests
match bit for bit (test/fixtures/bnb-8bit.json).

Dynamic map (bitsandbytes.functional.create_dynamic_map(signed, max_exponent_bits=7, total_bits=8),
after Dettmers 2015, "8-Bit Approximations for Parallelism in Deep Learning"): for i = 0..6 take
k = 2^i (signed) or 2^(i+1) (unsigned) intervals of torch.linspace(0.1, 1, k + 1) (float32), their
midpoints (a + b) / 2 in float32, scaled by float32(10^(i-6)); the signed map also takes the negatives;
then 0 and 1 are added and the 256 values sorted. torch.linspace's float32 bits depend on the CPU
kernel torch dispatches to (here: AVX2, 8 lanes, two vectors per loop, each vector base and scalar
element start + step*idx fused into an FMA); src/optim/quant8.ts reproduces exactly those bits and test/optim-quant8.test.mjs checks them
against the maps stored here.

Blockwise state quantization, as bitsandbytes' kOptimizerStatic8bit{1,2}StateBlockwise kernels do it:
blocks of 256 elements of one tensor, absmax = max |s| per block (float32), x = s / absmax (an IEEE
float32 division, where CUDA uses __fdividef), then the 7-step binary search of quantize_2D over the
sorted map (pivot 127, steps 64..1; the bracket starts at [-1, 1] signed or [0, 1] unsigned) and the
nearest of the final pivot and its bracket neighbour by a strict midpoint test ((a + b) * 0.5 in
float32). For the signed (first-moment) map a sign fix follows: if the chosen code's sign bit differs
from s's, move one index toward s's sign (uint8 wrap-around, as the kernel's unsigned char does).
Dequantize: code[q] * absmax.

8-bit updates (dequantize -> update in float32 -> new absmax -> requantize), scalars as the kernels
form them in float32 except the bias corrections: beta^t by exponentiation by squaring in float64
(CUDA uses __powf), correction1 = 1 - beta1^t, correction2 = sqrt(1 - beta2^t), step_size =
float32(-lr * correction2 / correction1), both computed in float64 and rounded once. A tail block
(fewer than 256 elements) also takes the kernel's padded elements (gradient 0, state1 code 128,
state2 code 0) into its absmax, as bitsandbytes' block reduction does.

32-bit state (tensors below min_8bit_size = 4096 elements, or optim_bits = 32): run32() below.

  /usr/bin/python3 scripts/bnb_dynamic_map.py          writes test/fixtures/bnb-8bit.json
  /usr/bin/python3 scripts/bnb_dynamic_map.py --check   recomputes it and fails unless the file matches
"""
import base64, json, math, os, sys
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'bnb-8bit.json')
F32 = torch.float32
BLOCK = 256


def f32(x):
    return torch.tensor(x, dtype=F32)


def create_dynamic_map(signed):
    data = []
    for i in range(7):
        k = 2 ** i if signed else 2 ** (i + 1)
        b = torch.linspace(0.1, 1, k + 1, dtype=F32)
        mids = (b[:-1] + b[1:]) / 2.0
        data += ((10 ** (i - 6)) * mids).tolist()
        if signed:
            data += (-(10 ** (i - 6)) * mids).tolist()
    data += [0.0, 1.0]
    assert len(data) == 256
    data.sort()
    return torch.tensor(data, dtype=F32)


def search(x, code, signed):
    """quantize_2D's binary search + strict midpoint rounding; x float32, returns int64 codes."""
    pivot = torch.full(x.shape, 127, dtype=torch.int64)
    up_p = torch.full(x.shape, 255, dtype=torch.int64)
    lo_p = torch.zeros(x.shape, dtype=torch.int64)
    lower = torch.full(x.shape, -1.0 if signed else 0.0, dtype=F32)
    upper = torch.full(x.shape, 1.0, dtype=F32)
    val = code[pivot]
    step = 64
    while step > 0:
        gt = x > val
        lo_p = torch.where(gt, pivot, lo_p)
        lower = torch.where(gt, val, lower)
        up_p = torch.where(gt, up_p, pivot)
        upper = torch.where(gt, upper, val)
        pivot = torch.where(gt, pivot + step, pivot - step)
        val = code[pivot]
        step //= 2
    gt = x > val
    hi = torch.where(x > (upper + val) * f32(0.5), up_p, pivot)
    lo = torch.where(x < (lower + val) * f32(0.5), lo_p, pivot)
    return torch.where(gt, hi, lo)


def requantize(s, absmax_b, code, signed):
    """s: float32 values of one tensor; absmax_b: their block's absmax per element."""
    q = search(s / absmax_b, code, signed)
    if signed:
        wrong = torch.signbit(code[q]) != torch.signbit(s)
        q = torch.where(wrong, torch.where(s > 0, q + 1, q - 1), q) & 255
    return q


def block_absmax(s, pad=None):
    n = s.numel(); nb = (n + BLOCK - 1) // BLOCK
    a = torch.empty(nb, dtype=F32)
    for b in range(nb):
        m = s[b * BLOCK:(b + 1) * BLOCK].abs().max()
        if pad is not None and n - b * BLOCK < BLOCK:
            m = torch.maximum(m, pad[b].abs())
        a[b] = m
    return a


def per_elem(a, n):
    return a.repeat_interleave(BLOCK)[:n]


def quantize_blockwise(x, code, signed):
    a = block_absmax(x)
    return requantize(x, per_elem(a, x.numel()), code, signed), a


def dequantize(q, a, code):
    return code[q] * per_elem(a, q.numel())


def powi(b, t):
    r, x = 1.0, b
    while t:
        if t & 1: r *= x
        x *= x; t >>= 1
    return r


def grad(k, n):
    """Step k's gradient: an integer hash mapped to float32 in [-1, 1) times a per-step scale, exact in
    float32 in both languages (test/helpers/reference-quant8.mjs has the same formula)."""
    i = torch.arange(n, dtype=torch.int64)
    h = (i * 2654435761 + (k + 1) * 40503) % 4093
    scale = float(2.0 ** -(k % 5))
    return ((h.to(F32) - 2046.0) / 2048.0) * f32(scale)


def init_param(n):
    i = torch.arange(n, dtype=torch.int64)
    return (((i * 7919) % 1999).to(F32) - 999.0) / 1000.0


def run(kind, h, n, steps, maps):
    qs, qu = maps
    p = init_param(n)
    nb = (n + BLOCK - 1) // BLOCK
    c1 = torch.zeros(n, dtype=torch.int64); a1 = torch.zeros(nb, dtype=F32)
    c2 = torch.zeros(n, dtype=torch.int64); a2 = torch.zeros(nb, dtype=F32)
    lr, wd = f32(h['lr']), f32(h.get('weightDecay', 0.0))
    decay = f32(1.0) - lr * wd
    tail = n % BLOCK != 0
    for t in range(1, steps + 1):
        g = grad(t - 1, n)
        s1 = dequantize(c1, a1, qs)
        pad1 = torch.zeros(nb, dtype=F32)
        if kind == 'adam':
            b1, b2, eps = f32(h['betas'][0]), f32(h['betas'][1]), f32(h['eps'])
            s2 = dequantize(c2, a2, qu)
            ok = torch.isfinite(g)
            s2 = torch.where(ok, s2 * b2 + ((f32(1.0) - b2) * g) * g, f32(0.0))
            s1 = torch.where(ok, s1 * b1 + (f32(1.0) - b1) * g, f32(0.0))
            if tail: pad1[-1] = (qs[128] * a1[-1]) * b1 + (f32(1.0) - b1) * f32(0.0)
            na1 = block_absmax(s1, pad1 if tail else None); na2 = block_absmax(s2)
            c1v = 1.0 - powi(float(b1), t); c2v = math.sqrt(1.0 - powi(float(b2), t))
            step_size = f32(-float(lr) * c2v / c1v); c2eps = f32(c2v) * eps
            pn = p + step_size * (s1 / (torch.sqrt(s2) + c2eps))
            if float(wd) > 0: pn = pn * decay
            p = torch.where(ok, pn, p)
            c2 = requantize(s2, per_elem(na2, n), qu, False); a2 = na2
        elif kind == 'lion':
            b1, b2 = f32(h['betas'][0]), f32(h['betas'][1])
            if float(wd) > 0: p = p * decay
            c = s1 * b1 + (f32(1.0) - b1) * g
            u = lr * ((c > 0).to(F32) - (c < 0).to(F32))
            s1 = s1 * b2 + (f32(1.0) - b2) * g
            if tail: pad1[-1] = (qs[128] * a1[-1]) * b2 + (f32(1.0) - b2) * f32(0.0)
            na1 = block_absmax(s1, pad1 if tail else None)
            p = p - u
        elif kind == 'momentum':
            b1 = f32(h['momentum'])
            gw = g + p * wd if float(wd) > 0 else g
            s1 = gw if t == 1 else s1 * b1 + gw
            if tail and t > 1: pad1[-1] = (qs[128] * a1[-1]) * b1 + f32(0.0)
            na1 = block_absmax(s1, pad1 if tail else None)
            p = p - lr * s1
        c1 = requantize(s1, per_elem(na1, n), qs, True); a1 = na1
    out = {'param': p.tolist(), 'state1': c1.tolist(), 'absmax1': a1.tolist()}
    if kind == 'adam': out.update(state2=c2.tolist(), absmax2=a2.tolist())
    return out


def run32(kind, h, n, steps):
    """bitsandbytes' 32-bit state path (kOptimizer32bit2State / kOptimizer32bit1State), which it takes for
    tensors below min_8bit_size elements or with optim_bits = 32: the same float32 updates without
    quantization, except Adam's second moment (1 - beta2) * (g * g) where the 8-bit kernel forms
    ((1 - beta2) * g) * g, and no non-finite test. Scalars as run() forms them."""
    p = init_param(n)
    s1 = torch.zeros(n, dtype=F32); s2 = torch.zeros(n, dtype=F32)
    lr, wd = f32(h['lr']), f32(h.get('weightDecay', 0.0))
    decay = f32(1.0) - lr * wd
    for t in range(1, steps + 1):
        g = grad(t - 1, n)
        if kind == 'adam':
            b1, b2, eps = f32(h['betas'][0]), f32(h['betas'][1]), f32(h['eps'])
            s1 = s1 * b1 + (f32(1.0) - b1) * g
            s2 = s2 * b2 + (f32(1.0) - b2) * (g * g)
            c1v = 1.0 - powi(float(b1), t); c2v = math.sqrt(1.0 - powi(float(b2), t))
            step_size = f32(-float(lr) * c2v / c1v); c2eps = f32(c2v) * eps
            p = p + step_size * (s1 / (torch.sqrt(s2) + c2eps))
            if float(wd) > 0: p = p * decay
        elif kind == 'lion':
            b1, b2 = f32(h['betas'][0]), f32(h['betas'][1])
            if float(wd) > 0: p = p * decay
            c = s1 * b1 + (f32(1.0) - b1) * g
            p = p - lr * ((c > 0).to(F32) - (c < 0).to(F32))
            s1 = s1 * b2 + (f32(1.0) - b2) * g
        elif kind == 'momentum':
            b1 = f32(h['momentum'])
            gw = g + p * wd if float(wd) > 0 else g
            s1 = gw if t == 1 else s1 * b1 + gw
            p = p - lr * s1
    out = {'param': p.tolist(), 'state1': s1.tolist()}
    if kind == 'adam': out['state2'] = s2.tolist()
    return out


def b64(out, bits):
    """A trajectory's arrays as base64 of their little-endian bytes (float32; uint8 codes for 8-bit states)."""
    enc = {}
    for k, v in out.items():
        dt = torch.uint8 if bits == 8 and k in ('state1', 'state2') else F32
        enc[k] = base64.b64encode(torch.tensor(v, dtype=dt).numpy().astype('<f4' if dt == F32 else 'u1').tobytes()).decode('ascii')
    return enc


def fixture():
    qs, qu = create_dynamic_map(True), create_dynamic_map(False)
    # Round-trip inputs: awkward sizes, a block of zeros, signed zeros, values far below a block's max.
    n = 1100
    x = init_param(n) * grad(3, n)
    x[256:512] = 0.0
    x[600] = -0.0; x[601] = 1e-30; x[602] = -1e-30; x[603] = 50.0
    x[1000:1100] = x[1000:1100] * 1e-4
    rt = {}
    for name, code, signed in (('signed', qs, True), ('unsigned', qu, False)):
        xi = x if signed else x.abs()
        q, a = quantize_blockwise(xi, code, signed)
        rt[name] = {'input': xi.tolist(), 'codes': q.tolist(), 'absmax': a.tolist(), 'dequantized': dequantize(q, a, code).tolist()}
    cases = [
        ['adam', {'lr': 1e-2, 'betas': [0.9, 0.999], 'eps': 1e-8}, 600, 12],
        ['adam', {'lr': 3e-3, 'betas': [0.8, 0.99], 'eps': 1e-6, 'weightDecay': 0.1}, 1100, 12],
        ['lion', {'lr': 1e-3, 'betas': [0.9, 0.99]}, 600, 12],
        ['lion', {'lr': 3e-4, 'betas': [0.95, 0.98], 'weightDecay': 0.5}, 1100, 12],
        ['momentum', {'lr': 1e-2, 'momentum': 0.9}, 600, 12],
        ['momentum', {'lr': 5e-3, 'momentum': 0.5, 'weightDecay': 0.01}, 1100, 12],
    ]

    # Whole optimizers (src/optim/bnb8bit.ts): per tensor, 8-bit state when it has >= 4096 elements (bnb's
    # min_8bit_size) unless overridden to 32 bits ('bits'), else the 32-bit path; gradients grad(k, n) per tensor.
    class_cases = [
        ['adam', {'lr': 1e-3, 'betas': [0.9, 0.999], 'eps': 1e-8, 'weightDecay': 1e-2}, [['w', 4100, 8], ['b', 600, 32]], 10],
        ['adam', {'lr': 1e-2, 'betas': [0.9, 0.99], 'eps': 1e-8}, [['w', 4096, 8], ['b', 4095, 32]], 10],
        ['lion', {'lr': 1e-3, 'betas': [0.9, 0.99], 'weightDecay': 0.1}, [['w', 4100, 8], ['emb', 4200, 32], ['b', 300, 32]], 10],
        ['momentum', {'lr': 1e-2, 'momentum': 0.9, 'weightDecay': 1e-2}, [['w', 4100, 8], ['b', 70, 32]], 10],
    ]
    classes = [{'kind': k, 'hyper': h, 'steps': s, 'tensors': [
        {'name': nm, 'n': n_, 'bits': bits, **b64(run(k, h, n_, s, (qs, qu)) if bits == 8 else run32(k, h, n_, s), bits)} for nm, n_, bits in ts]}
        for k, h, ts, s in class_cases]
    traj = [{'kind': k, 'hyper': h, 'n': n_, 'steps': s, **run(k, h, n_, s, (qs, qu))} for k, h, n_, s in cases]
    return {'generator': 'scripts/bnb_dynamic_map.py', 'torch': torch.__version__, 'block': BLOCK,
            'signedMap': qs.tolist(), 'unsignedMap': qu.tolist(), 'roundTrip': rt, 'trajectories': traj, 'classes': classes}


def main():
    text = json.dumps(fixture(), separators=(',', ':')) + '\n'
    if '--check' in sys.argv:
        with open(OUT) as fh:
            if fh.read() != text:
                sys.exit(f'{OUT} differs from what scripts/bnb_dynamic_map.py computes')
        print('bnb_dynamic_map: fixture matches')
        return
    with open(OUT, 'w') as fh: fh.write(text)
    print(f'wrote {OUT}')


if __name__ == '__main__':
    main()
