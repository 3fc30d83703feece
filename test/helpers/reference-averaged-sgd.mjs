// f32-exact JS reference of the ASGD kernel (assembly/asgd.ts): Math.fround after every operation, in
// the kernel's operation order; η and μ exactly as src/optim/asgd.ts computes them (f64 with the
// engine's pow, rounded to f32 as torch's float32 state tensors).
const f = Math.fround;
// f32 FMA emulated in f64 exactly as assembly/fma.ts: a*b exact, one f64 rounding, one f32 rounding.
const fma = (a, b, c) => f(a * b + c);
// The fast default (torchBits: false): plain f32 a*b + c (two roundings) instead.
const madd = (a, b, c) => f(f(a * b) + c);

/** Per-group ASGD scalars: call `before(h)` for step t's (η, μ), then `after(h, t, pow)` once per step. */
export function asgdScalars() {
  let eta = null, mu = 1;
  return {
    before: ({ lr = 1e-2 }) => { if (eta === null) eta = f(lr); return { eta, mu }; },
    after: ({ lr = 1e-2, lambd = 1e-4, alpha = 0.75, t0 = 1e6 }, t, pow) => {
      eta = f(lr / pow(1 + lambd * lr * t, alpha));
      mu = f(1 / Math.max(1, t - t0));
    },
  };
}

/** One ASGD step; `s` = { ax }, `sc` = { eta, mu } of this step (shared by all tensors). */
export function asgdRef(p, g, s, { lambd = 1e-4, weightDecay = 0, maximize = false, torchBits = false }, sc) {
  const F = torchBits ? fma : madd;
  const decay = f(1 - lambd * sc.eta), negEta = f(-sc.eta), wd = f(weightDecay), mu = f(sc.mu);
  for (let i = 0; i < p.length; i++) {
    let pi = p[i];
    let d = g[i];
    if (maximize) d = -d;
    if (weightDecay !== 0) d = F(wd, pi, d);
    pi = F(negEta, d, f(pi * decay));
    p[i] = pi;
    s.ax[i] = mu !== 1 ? f(s.ax[i] + f(f(pi - s.ax[i]) * mu)) : pi;
  }
}
