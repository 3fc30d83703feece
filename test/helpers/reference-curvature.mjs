// f32-exact JS references of the curvature kernels (assembly/rng.ts, adahessian.ts, sophia.ts,
// precond.ts): Math.fround after every f32 operation, in the kernels' order; the Rademacher hash
// re-implemented with Math.imul; blocked f64 norms with the engine's lane and fold order. Per-step
// scalars are computed in f64 exactly as the optimizers compute them (engine pow / sqrt passed in).
const f = Math.fround;

function mix(x) {
  x = (x ^ (x >>> 16)) >>> 0; x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0; x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** z(i) of (seed, stream) for i in [offset, offset + n), as assembly/rng.ts. */
export function rademacherRef(n, seed, stream, offset = 0) {
  const k1 = mix((seed + mix((stream + 0x9e3779b9) >>> 0)) >>> 0), k2 = mix((k1 ^ 0x85ebca6b) >>> 0);
  const z = new Float32Array(n);
  for (let i = 0; i < n; i++) z[i] = mix((mix((offset + i + k1) >>> 0) ^ k2) >>> 0) >>> 31 ? -1 : 1;
  return z;
}

/** Arena offsets of tensors of these sizes (each starts on a multiple of 4, as ParamSet). */
export function arenaOffsets(sizes) {
  let o = 0;
  return sizes.map((n) => { const r = o; o += Math.ceil(n / 4) * 4; return r; });
}

/** Blocked f64 sum of term(i), i in [0, n): blocks of 4096, lane i mod 4, (l0+l1)+(l2+l3), pairwise fold. */
export function blockedSum(n, term) {
  const parts = [];
  for (let b = 0; b < n; b += 4096) {
    const e = Math.min(b + 4096, n), l = [0, 0, 0, 0];
    for (let i = b; i < e; i++) l[(i - b) & 3] += term(i);
    parts.push((l[0] + l[1]) + (l[2] + l[3]));
  }
  const fold = (lo, hi) => (hi - lo === 1 ? parts[lo] : fold(lo, lo + ((hi - lo) >> 1)) + fold(lo + ((hi - lo) >> 1), hi));
  return parts.length ? fold(0, parts.length) : 0;
}

/** One AdaHessian step on one tensor; `s` = { m, v }; z, hz this step's draw and H·z. */
export function adahessianRef(p, g, z, hz, s, { lr = 0.15, betas = [0.9, 0.999], eps = 1e-4, weightDecay = 0, hessianPower = 1 }, t, pow) {
  const k = hessianPower, b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), omb2 = f(1 - betas[1]);
  const bc1 = f(1 - pow(betas[0], t)), cbk = f(pow(1 - pow(betas[1], t), k / 2)), fe = f(eps), flr = f(lr), wd = f(weightDecay);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i], d = f(z[i] * hz[i]);
    const m = f(f(s.m[i] * b1) + f(omb1 * g[i]));
    const v = f(f(s.v[i] * b2) + f(f(omb2 * d) * d));
    s.m[i] = m; s.v[i] = v;
    let pk = f(Math.sqrt(v));
    if (k !== 1) pk = f(pow(pk, k));
    const denom = f(f(pk / cbk) + fe);
    const u = f(f(f(m / bc1) / denom) + f(wd * pi));
    p[i] = f(pi - f(flr * u));
  }
}

/** One Sophia step on one tensor; `s` = { m, h }; hess: this step refreshes h from z, hz. */
export function sophiaRef(p, g, z, hz, s, { lr = 1e-3, betas = [0.965, 0.99], eps = 1e-8, weightDecay = 1e-4, gamma = 0.01 }, hess) {
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), omb2 = f(1 - betas[1]);
  const fg = f(gamma), fe = f(eps), negLr = f(-lr), decay = f(1 - lr * weightDecay);
  for (let i = 0; i < p.length; i++) {
    const m = f(f(s.m[i] * b1) + f(omb1 * g[i]));
    s.m[i] = m;
    let h = s.h[i];
    if (hess) { h = f(f(h * b2) + f(omb2 * f(z[i] * hz[i]))); s.h[i] = h; }
    const r = Math.min(Math.max(f(m / Math.max(f(fg * h), fe)), -1), 1);
    p[i] = f(f(p[i] * decay) + f(negLr * r));
  }
}

/** D = init ? z*hz : D*b2 + (1-b2)*(z*hz). */
export function precondEmaRef(d, z, hz, beta2, init) {
  const b2 = f(beta2), omb2 = f(1 - beta2);
  for (let i = 0; i < d.length; i++) {
    const e = f(z[i] * hz[i]);
    d[i] = init ? e : f(f(d[i] * b2) + f(omb2 * e));
  }
}

/** Blocked Σ e²·D̂ (inv: e²/D̂), e = x − y (y given) or x, D̂ = max(|D|, α) in f32. */
export function precondNormRef(x, y, d, alpha, inv) {
  const fa = f(alpha);
  return blockedSum(x.length, (i) => {
    const e = y ? f(x[i] - y[i]) : x[i], w = Math.max(Math.abs(d[i]), fa), e2 = e * e;
    return inv ? e2 / w : e2 * w;
  });
}

/** save: pp = p, gp = g; p = p + negEta * (g / max(|D|, α)). */
export function precondStepRef(p, g, d, pp, gp, eta, alpha) {
  const negEta = f(-eta), fa = f(alpha);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i], gi = g[i];
    if (pp) { pp[i] = pi; gp[i] = gi; }
    p[i] = f(pi + f(negEta * f(gi / Math.max(Math.abs(d[i]), fa))));
  }
}

/**
 * OASIS over a list of tensors `xs` = [{ p, g, z, hz, d, pp, gp }] for step t (1-based); `sc` =
 * { eta, theta } carried between steps (as src/optim/oasis.ts).
 */
export function oasisStepRef(xs, { lr = 1e-3, beta2 = 0.99, alpha = 1e-5, adaptiveLr = true }, t, sc, sqrt) {
  const first = t === 1;
  for (const x of xs) precondEmaRef(x.d, x.z, x.hz, beta2, first);
  let eta;
  if (!adaptiveLr || first) eta = lr;
  else {
    let num = 0, den = 0;
    for (const x of xs) num += precondNormRef(x.p, x.pp, x.d, alpha, false);
    for (const x of xs) den += precondNormRef(x.g, x.gp, x.d, alpha, true);
    const grow = sc.theta === Infinity ? Infinity : sqrt(1 + sc.theta) * sc.eta;
    const ratio = den > 0 ? sqrt(num) / (2 * sqrt(den)) : Infinity;
    eta = Math.min(grow, ratio);
    if (eta === Infinity) eta = sc.eta;
  }
  for (const x of xs) precondStepRef(x.p, x.g, x.d, adaptiveLr ? x.pp : null, adaptiveLr ? x.gp : null, eta, alpha);
  sc.theta = first || sc.eta === 0 ? Infinity : eta / sc.eta;
  sc.eta = eta;
}

/** SANIA over tensors `xs` = [{ p, g, z, hz, d }] for step t with the loss at the current point (metric as src/optim/sania.ts). */
export function saniaStepRef(xs, { lr = 1, beta2 = 0.99, alpha = 1e-5, fStar = 0, metric = 'hutchinson' }, t, loss) {
  for (const x of xs) {
    if (metric === 'hutchinson') precondEmaRef(x.d, x.z, x.hz, beta2, t === 1);
    else if (metric === 'adam-sqr') precondEmaRef(x.d, x.g, x.g, beta2, t === 1);
    else for (let i = 0; i < x.d.length; i++) x.d[i] = f(x.d[i] + f(x.g[i] * x.g[i]));
  }
  let den = 0;
  for (const x of xs) den += precondNormRef(x.g, null, x.d, alpha, true);
  let s = den > 0 ? lr * Math.max(loss - fStar, 0) / den : 0;
  if (!Number.isFinite(s)) s = 0;
  for (const x of xs) precondStepRef(x.p, x.g, x.d, null, null, s, alpha);
  return s;
}

/** AdaHessian's spatial averaging: z*hz replaced by the block mean of |z*hz| (blocks of bs); returns [z', hz']. */
export function blockMeanRef(z, hz, bs) {
  const z2 = new Float32Array(z.length), h2 = new Float32Array(hz.length);
  for (let b = 0; b < z.length; b += bs) {
    let s = 0;
    for (let j = b; j < b + bs; j++) s = f(s + Math.abs(f(z[j] * hz[j])));
    const mean = f(s / bs);
    for (let j = b; j < b + bs; j++) { z2[j] = 1; h2[j] = mean; }
  }
  return [z2, h2];
}
