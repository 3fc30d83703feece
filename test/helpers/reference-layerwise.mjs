// f32-exact JS references of the layer-wise optimizers (LAMB, LARS, NovoGrad, Adafactor): Math.fround
// after every f32 operation in the kernels' order (assembly/lamb.ts, lars.ts, novograd.ts,
// adafactor.ts), per-tensor sums of squares in segment.ts's fixed blocked order, per-tensor scalars in
// f64 exactly as the optimizers compute them (engine pow / sqrt passed in), rounded once.
const f = Math.fround;
const BLOCK = 4096;

function pairwise(a, lo, n) {
  if (n === 1) return a[lo];
  const h = n >> 1;
  return pairwise(a, lo, h) + pairwise(a, lo + h, n - h);
}

/** Σ x[i]² of one tensor in segment.ts's order: 4096-element blocks, 4 f64 lanes, pairwise fold. */
export function segSumSq(x) {
  const parts = [];
  for (let b = 0; b < x.length; b += BLOCK) {
    const l = [0, 0, 0, 0];
    for (let i = b; i < Math.min(b + BLOCK, x.length); i++) l[i & 3] += x[i] * x[i];
    parts.push((l[0] + l[1]) + (l[2] + l[3]));
  }
  return parts.length ? pairwise(parts, 0, parts.length) : 0;
}

/** One LAMB step on one tensor; `s` = { m, v }. */
export function lambRef(p, g, s, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-6, weightDecay = 0 }, t, pow, sqrt) {
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), omb2 = f(1 - betas[1]);
  const bc1 = f(1 - pow(betas[0], t)), bc2 = f(1 - pow(betas[1], t)), fe = f(eps), wd = f(weightDecay);
  const u = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const m = f(f(omb1 * gi) + f(b1 * s.m[i]));
    const v = f(f(omb2 * f(gi * gi)) + f(b2 * s.v[i]));
    s.m[i] = m; s.v[i] = v;
    let ui = f(f(m / bc1) / f(f(Math.sqrt(f(v / bc2))) + fe));
    if (weightDecay !== 0) ui = f(ui + f(wd * p[i]));
    u[i] = ui;
  }
  const pn = sqrt(segSumSq(p)), un = sqrt(segSumSq(u));
  const ratio = pn === 0 || un === 0 ? 1 : pn / un;
  const k = f(-lr * ratio);
  for (let i = 0; i < p.length; i++) p[i] = f(p[i] + f(k * u[i]));
  return ratio;
}

/** One LARS step on one tensor; `s` = { m }. */
export function larsRef(p, g, s, { lr = 1, momentum = 0.9, nesterov = false, weightDecay = 0, trustCoefficient = 1e-3, eps = 0, trustRatio = true }, sqrt) {
  const wd = f(weightDecay), mu = f(momentum);
  const u = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) u[i] = weightDecay !== 0 ? f(g[i] + f(wd * p[i])) : g[i];
  let ratio = 1;
  if (trustRatio) {
    const pn = sqrt(segSumSq(p)), un = sqrt(segSumSq(u));
    if (pn !== 0 && un !== 0) ratio = trustCoefficient * pn / (un + eps);
  }
  const k = f(-lr * ratio);
  for (let i = 0; i < p.length; i++) {
    const d = f(k * u[i]);
    const mn = f(d + f(mu * s.m[i]));
    s.m[i] = mn;
    p[i] = f(p[i] + (nesterov ? f(d + f(mu * mn)) : mn));
  }
  return ratio;
}

/** One NovoGrad step on one tensor; `s` = { m, nu } (nu a number, kept in f64). */
export function novogradRef(p, g, s, { lr = 1e-3, betas = [0.9, 0.25], eps = 1e-6, weightDecay = 0 }, t, sqrt) {
  const g2 = segSumSq(g);
  s.nu = t === 1 ? g2 : (1 - betas[1]) * g2 + betas[1] * s.nu;
  const den = f(sqrt(s.nu) + eps), b1 = f(betas[0]), wd = f(weightDecay), negLr = f(-lr);
  for (let i = 0; i < p.length; i++) {
    let a = f(g[i] / den);
    if (weightDecay !== 0) a = f(a + f(wd * p[i]));
    const mn = f(f(b1 * s.m[i]) + a);
    s.m[i] = mn;
    p[i] = f(p[i] + f(negLr * mn));
  }
}

/** Adafactor's per-tensor state for `shape`: { vr, vc } (≥ 2 dims) or { v }, plus m with beta1. */
export function adafactorState(shape, momentum) {
  const n = shape.reduce((a, b) => a * b, 1), st = {};
  if (shape.length >= 2) {
    const R = shape[shape.length - 2], C = shape[shape.length - 1], B = n / (R * C);
    Object.assign(st, { vr: new Float32Array(B * R), vc: new Float32Array(B * C) });
  } else st.v = new Float32Array(n);
  if (momentum) st.m = new Float32Array(n);
  return st;
}

/** One Adafactor step (HF semantics) on one tensor of `shape`; `s` from adafactorState. */
export function adafactorRef(p, g, s, shape, {
  lr, eps = [1e-30, 1e-3], clipThreshold = 1, decayRate = -0.8, beta1, weightDecay = 0,
  scaleParameter = true, relativeStep = lr === undefined, warmupInit = false,
}, t, pow, sqrt) {
  const n = p.length;
  const b2t = 1 - pow(t, decayRate), fb = f(b2t), fob = f(1 - b2t), e1 = f(eps[0]);
  const rho = relativeStep ? Math.min(warmupInit ? 1e-6 * t : 1e-2, 1 / sqrt(t)) : lr;
  const lrl = scaleParameter ? Math.max(eps[1], sqrt(segSumSq(p)) / sqrt(n)) * rho : rho;
  const u = new Float32Array(n);
  const rsqrt = (x) => f(1 / f(Math.sqrt(x)));
  if (shape.length >= 2) {
    const R = shape[shape.length - 2], C = shape[shape.length - 1], B = n / (R * C);
    for (let b = 0; b < B; b++) {
      const base = b * R * C, acc = new Float64Array(C);
      for (let i = 0; i < R; i++) {
        const l = [0, 0, 0, 0];
        for (let j = 0; j < C; j++) {
          const gi = g[base + i * C + j], q = f(f(gi * gi) + e1);
          l[j & 3] += q;
          acc[j] += q;
        }
        const rs = (l[0] + l[1]) + (l[2] + l[3]);
        s.vr[b * R + i] = f(f(s.vr[b * R + i] * fb) + f(fob * f(rs / C)));
      }
      let rsum = 0;
      for (let i = 0; i < R; i++) rsum += s.vr[b * R + i];
      const rm = f(rsum / R);
      const cf = new Float32Array(C);
      for (let j = 0; j < C; j++) {
        const v = f(f(s.vc[b * C + j] * fb) + f(fob * f(acc[j] / R)));
        s.vc[b * C + j] = v;
        cf[j] = rsqrt(v);
      }
      for (let i = 0; i < R; i++) {
        const rf = rsqrt(f(s.vr[b * R + i] / rm));
        for (let j = 0; j < C; j++) { const k = base + i * C + j; u[k] = f(f(rf * cf[j]) * g[k]); }
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const v = f(f(s.v[i] * fb) + f(fob * f(f(gi * gi) + e1)));
      s.v[i] = v;
      u[i] = f(rsqrt(v) * gi);
    }
  }
  const rms = sqrt(segSumSq(u)) / sqrt(n);
  const k = f(lrl / Math.max(1, rms / clipThreshold)), w = f(-weightDecay * lrl);
  const fb1 = f(beta1 ?? 0), fomb1 = f(1 - (beta1 ?? 0));
  for (let i = 0; i < n; i++) {
    let x = f(k * u[i]);
    if (beta1 !== undefined) { x = f(f(fb1 * s.m[i]) + f(fomb1 * x)); s.m[i] = x; }
    let pi = p[i];
    if (weightDecay !== 0) pi = f(pi + f(w * pi));
    p[i] = f(pi - x);
  }
}
