// f32-exact JS references of the Adagrad / RMSprop / Adadelta / Rprop kernels: Math.fround after every
// operation, in the kernels' operation order (assembly/adagrad.ts, rmsprop.ts, adadelta.ts, rprop.ts).
// Per-step scalars are computed in f64 exactly as the optimizers compute them, then rounded once.
const f = Math.fround;
// f32 FMA emulated in f64 exactly as assembly/fma.ts: a*b exact, one f64 rounding, one f32 rounding.
const fma = (a, b, c) => f(a * b + c);
// The fast default (torchBits: false) replaces some of those FMAs by a plain f32 a*b + c (two roundings).
const madd = (a, b, c) => f(f(a * b) + c);

/** One Adagrad step; `s` = { sum } (pre-filled with initialAccumulatorValue), t the 1-based step. */
export function adagradRef(p, g, s, { lr = 1e-2, lrDecay = 0, weightDecay = 0, eps = 1e-10, maximize = false }, t) {
  const negClr = f(-(lr / (1 + (t - 1) * lrDecay))), fe = f(eps), wd = f(weightDecay);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i];
    let d = g[i];
    if (maximize) d = -d;
    if (weightDecay !== 0) d = f(d + f(wd * pi));
    const sum = f(s.sum[i] + f(d * d));
    s.sum[i] = sum;
    const std = f(f(Math.sqrt(sum)) + fe);
    p[i] = f(pi + f(f(negClr * d) / std));
  }
}

/** One RMSprop step; `s` = { sq, ga, buf }. */
export function rmspropRef(p, g, s, { lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false, maximize = false, torchBits = false }) {
  const F = torchBits ? fma : madd; // weight decay and the square average stay fused in both modes
  const fa = f(alpha), oma = f(1 - alpha), fe = f(eps), wd = f(weightDecay), mom = f(momentum), negLr = f(-lr);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i];
    let d = g[i];
    if (maximize) d = -d;
    if (weightDecay !== 0) d = fma(wd, pi, d);
    const sq = fma(f(oma * d), d, f(s.sq[i] * fa));
    s.sq[i] = sq;
    let avg = sq;
    if (centered) {
      const a = F(oma, d, f(s.ga[i] * fa));
      s.ga[i] = a;
      avg = F(-a, a, sq);
    }
    avg = f(f(Math.sqrt(avg)) + fe);
    if (momentum > 0) {
      const b = f(f(s.buf[i] * mom) + f(d / avg));
      s.buf[i] = b;
      p[i] = F(negLr, b, pi);
    } else {
      p[i] = f(pi + f(f(negLr * d) / avg));
    }
  }
}

/** One Adadelta step; `s` = { sq, acc }. */
export function adadeltaRef(p, g, s, { lr = 1.0, rho = 0.9, eps = 1e-6, weightDecay = 0, maximize = false, torchBits = false }) {
  const F = torchBits ? fma : madd; // weight decay stays fused in both modes
  const fr = f(rho), omr = f(1 - rho), fe = f(eps), wd = f(weightDecay), negLr = f(-lr);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i];
    let d = g[i];
    if (maximize) d = -d;
    if (weightDecay !== 0) d = fma(wd, pi, d);
    const sq = F(f(omr * d), d, f(s.sq[i] * fr));
    s.sq[i] = sq;
    const std = f(Math.sqrt(f(sq + fe)));
    const a = s.acc[i];
    const delta = f(f(f(Math.sqrt(f(a + fe))) / std) * d);
    s.acc[i] = F(f(omr * delta), delta, f(a * fr));
    p[i] = F(negLr, delta, pi);
  }
}

/** One Rprop step; `s` = { prev, step }, first = true on step 1 (step sizes start at lr). */
export function rpropRef(p, g, s, { lr = 1e-2, etas = [0.5, 1.2], stepSizes = [1e-6, 50], maximize = false }, first) {
  const flr = f(lr), em = f(etas[0]), ep = f(etas[1]), lo = f(stepSizes[0]), hi = f(stepSizes[1]);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i];
    let d = g[i];
    if (maximize) d = -d;
    const s0 = first ? flr : s.step[i];
    const q = f(d * s.prev[i]);
    const eta = q > 0 ? ep : q < 0 ? em : 1;
    const st = Math.min(Math.max(f(s0 * eta), lo), hi);
    s.step[i] = st;
    if (q < 0) d = 0;
    p[i] = d > 0 ? f(pi + -st) : d < 0 ? f(pi + st) : pi;
    s.prev[i] = d;
  }
}
