// f32-exact JS references of the Adamax / NAdam / RAdam / Lion kernels: Math.fround after every
// operation, in the kernels' operation order (assembly/adamax.ts, nadam.ts, radam.ts, lion.ts).
// Per-step scalars are computed in f64 exactly as the optimizers compute them (with the engine's
// pow / sqrt, passed in), then rounded once.
const f = Math.fround;
// f32 FMA emulated in f64 exactly as assembly/fma.ts: a*b exact, one f64 rounding, one f32 rounding.
const fma = (a, b, c) => f(a * b + c);
// The fast default (torchBits: false) replaces some of those FMAs by a plain f32 a*b + c (two roundings).
const madd = (a, b, c) => f(f(a * b) + c);

/** One Adamax step; `s` = { m, u }, t the 1-based step. */
export function adamaxRef(p, g, s, { lr = 2e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, maximize = false }, t, pow) {
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), fe = f(eps), wd = f(weightDecay);
  const negClr = f(-(lr / (1 - pow(betas[0], t))));
  for (let i = 0; i < p.length; i++) {
    const pi = p[i];
    let d = g[i];
    if (maximize) d = -d;
    if (weightDecay !== 0) d = fma(wd, pi, d);
    const m = fma(omb1, d, f(s.m[i] * b1));
    const u = Math.max(f(s.u[i] * b2), f(Math.abs(d) + fe));
    s.m[i] = m; s.u[i] = u;
    p[i] = f(pi + f(f(negClr * m) / u));
  }
}

/** NAdam's per-step f64 scalars from the running mu_product (as src/optim/nadam.ts; torch 1.13's mu_product_next). */
export function nadamScalars({ lr = 2e-3, betas = [0.9, 0.999], momentumDecay = 4e-3 }, t, muProduct, pow) {
  const mu = betas[0] * (1 - 0.5 * pow(0.96, t * momentumDecay));
  const muNext = betas[0] * (1 - 0.5 * pow(0.96, (t + 1) * momentumDecay));
  const prod = muProduct * mu, prodNext = prod * mu * muNext;
  return { prod, bc2: 1 - pow(betas[1], t), s1: -lr * (1 - mu) / (1 - prod), s2: -lr * muNext / (1 - prodNext) };
}

/** One NAdam step; `s` = { m, v }, `sc` = nadamScalars(...) of this step (shared by all tensors). */
export function nadamRef(p, g, s, { betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, torchBits = false }, sc) {
  const F = torchBits ? fma : madd; // weight decay stays fused in both modes
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), omb2 = f(1 - betas[1]), fe = f(eps), wd = f(weightDecay);
  const bc2 = f(sc.bc2), s1 = f(sc.s1), s2 = f(sc.s2);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i];
    let d = g[i];
    if (weightDecay !== 0) d = fma(wd, pi, d);
    const m = F(omb1, d, f(s.m[i] * b1));
    const v = F(f(omb2 * d), d, f(s.v[i] * b2));
    s.m[i] = m; s.v[i] = v;
    const den = f(f(Math.sqrt(f(v / bc2))) + fe);
    const p1 = f(pi + f(f(s1 * d) / den));
    p[i] = f(p1 + f(f(s2 * m) / den));
  }
}

/** One RAdam step; `s` = { m, v }, t the 1-based step. */
export function radamRef(p, g, s, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 }, t, pow, sqrt) {
  const b2t = pow(betas[1], t), bc1 = 1 - pow(betas[0], t), bc2 = 1 - b2t;
  const rhoInf = 2 / (1 - betas[1]) - 1, rhoT = rhoInf - 2 * t * b2t / bc2;
  const rectify = rhoT > 5;
  const rect = f(rectify ? sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 1);
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), omb2 = f(1 - betas[1]), fe = f(eps), wd = f(weightDecay);
  const fbc1 = f(bc1), flr = f(lr), sq = f(sqrt(bc2));
  for (let i = 0; i < p.length; i++) {
    const pi = p[i];
    let d = g[i];
    if (weightDecay !== 0) d = fma(wd, pi, d);
    const m = fma(omb1, d, f(s.m[i] * b1));
    const v = fma(f(omb2 * d), d, f(s.v[i] * b2));
    s.m[i] = m; s.v[i] = v;
    let x = f(f(m / fbc1) * flr);
    if (rectify) x = f(f(x * f(f(1 / f(f(Math.sqrt(v)) + fe)) * sq)) * rect);
    p[i] = f(pi - x);
  }
  return rectify;
}

/** One Lion step; `s` = { m }. */
export function lionRef(p, g, s, { lr = 1e-4, betas = [0.9, 0.99], weightDecay = 0, torchBits = false }) {
  const F = torchBits ? fma : madd;
  const b1 = f(betas[0]), omb1 = f(1 - betas[0]), b2 = f(betas[1]), omb2 = f(1 - betas[1]);
  const negLr = f(-lr), decay = f(1 - lr * weightDecay);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i], mo = s.m[i];
    const c = F(omb1, gi, f(mo * b1));
    const sg = (c > 0 ? 1 : 0) - (c < 0 ? 1 : 0);
    p[i] = f(f(p[i] * decay) + f(negLr * sg));
    s.m[i] = F(omb2, gi, f(mo * b2));
  }
}
