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
