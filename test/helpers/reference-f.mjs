// f32-exact JS references of the learning-rate-free optimizers (assembly/schedulefree.ts, prodigy.ts,
// dog.ts, sam.ts): Math.fround after every f32 operation, in the kernels' order; per-step scalars in
// f64 exactly as the optimizers compute them (with the engine's pow/sqrt passed in); reductions
// emulate the engine's fixed blocked order (4096-element blocks, 4 f64 lanes, pairwise fold).
const f = Math.fround;
const fma = (a, b, c) => f(a * b + c);
const lerp = (y, z, w, omw, big) => (big ? f(z - f(f(z - y) * omw)) : f(y + f(w * f(z - y))));
export const lerpArgs = (w) => [f(w), f(1 - w), Math.abs(w) >= 0.5];

/** Schedule-Free per-group scalars for step k (0-based); mutates st = { weightSum, lrMax }. */
export function sfScalars(st, h, k, adamw, pow, sqrt) {
  const warm = h.warmupSteps ?? 0;
  let lr = (h.lr ?? (adamw ? 0.0025 : 1)) * (k < warm ? (k + 1) / warm : 1);
  if (adamw) lr *= sqrt(1 - pow((h.betas ?? [0.9, 0.999])[1], k + 1));
  st.lrMax = Math.max(lr, st.lrMax);
  const weight = pow(k + 1, h.r ?? 0) * pow(st.lrMax, h.weightLrPower ?? 2);
  st.weightSum += weight;
  const ckp1 = st.weightSum === 0 ? 0 : weight / st.weightSum;
  const beta = adamw ? (h.betas ?? [0.9, 0.999])[0] : (h.momentum ?? 0.9);
  return { ckp1, lr, coef: lr * (beta * (1 - ckp1) - 1) };
}

/** One Schedule-Free SGD (adamw = false) or AdamW step on y = p with state s = { z, v }. */
export function sfRef(p, g, s, h, sc, first, adamw) {
  const [w, omw, big] = lerpArgs(sc.ckp1), coef = f(sc.coef), negLr = f(-sc.lr), wd = f(h.weightDecay ?? 0);
  const [b1, b2] = h.betas ?? [0.9, 0.999], fb2 = f(b2), fomb2 = f(1 - b2), eps = f(h.eps ?? 1e-8);
  for (let i = 0; i < p.length; i++) {
    const y = p[i], z = first ? y : s.z[i], gi = g[i];
    let d = gi;
    if (adamw) {
      const v = fma(f(fomb2 * gi), gi, f(s.v[i] * fb2));
      s.v[i] = v;
      d = f(gi / f(f(Math.sqrt(v)) + eps));
    }
    if ((h.weightDecay ?? 0) !== 0) d = f(d + f(wd * y));
    p[i] = f(lerp(y, z, w, omw, big) + f(coef * d));
    s.z[i] = f(z + f(negLr * d));
  }
}

/** p ← lerp(p, z, w) (Schedule-Free eval()/train()). */
export function sfLerpRef(p, z, w) {
  const [fw, omw, big] = lerpArgs(w);
  for (let i = 0; i < p.length; i++) p[i] = lerp(p[i], z[i], fw, omw, big);
}
