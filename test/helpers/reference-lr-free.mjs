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

/** The engine's fixed-order reduction of per-element f64 terms term(i), i in [0, n). */
export function blockedSum(n, term) {
  const parts = [];
  for (let b = 0; b < n; b += 4096) {
    const a = [0, 0, 0, 0];
    for (let i = b; i < Math.min(b + 4096, n); i++) a[(i - b) & 3] += term(i);
    parts.push((a[0] + a[1]) + (a[2] + a[3]));
  }
  const fold = (lo, len) => (len === 1 ? parts[lo] : fold(lo, len >> 1) + fold(lo + (len >> 1), len - (len >> 1)));
  return parts.length ? fold(0, parts.length) : 0;
}

/**
 * The harness trajectory (test/helpers/harness.mjs: SPEC, seeds, gradients) on the flat arena, for
 * optimizers whose step reduces over all tensors: `step(p, g, t)` sees the whole arena (padding zeros
 * included, as in a ParamSet); returns the final parameters per tensor.
 */
export function flatReference(spec, steps, randomArray, rng, grads, step) {
  const ts = [];
  let off = 0;
  for (const [, shape] of Object.entries(spec)) {
    const size = [shape].flat().reduce((a, b) => a * b, 1);
    ts.push({ off, size });
    off += Math.ceil(size / 4) * 4;
  }
  const p = new Float32Array(off), g = new Float32Array(off);
  ts.forEach((t, i) => p.set(randomArray(t.size, i + 1), t.off));
  for (let k = 0; k < steps; k++) {
    const r = rng(100 + k);
    for (const t of ts) g.set(grads(k, t.size, r), t.off);
    step(p, g, k + 1);
  }
  return ts.map((t) => p.slice(t.off, t.off + t.size));
}

/**
 * Prodigy over runs [{ off, n, weightDecay?, eps? }] (per-group options; the harness arena is one run
 * [{ off: 0, n }]); returns { st, step(p, g, t) } (st.d is the estimate).
 */
export function prodigyRef(runs, h, pow, sqrt) {
  if (typeof runs === 'number') runs = [{ off: 0, n: runs }];
  const { lr = 1, betas: [b1, b2] = [0.9, 0.999], decouple = true,
    useBiasCorrection = false, safeguardWarmup = false, d0 = 1e-6, dCoef = 1, growthRate = Infinity } = h;
  const b3 = h.beta3 ?? sqrt(b2);
  const N = Math.max(...runs.map((r) => r.off + r.n));
  const st = { m: new Float32Array(N), v: new Float32Array(N), s: new Float32Array(N), p0: new Float32Array(N), d: d0, dMax: d0, dNum: 0, k: 0 };
  const rs = runs.map((r) => ({ ...r, wd: r.weightDecay ?? h.weightDecay ?? 0, eps: r.eps ?? h.eps ?? 1e-8 }));
  const step = (p, g, t) => {
    const d = st.d;
    const bc = useBiasCorrection ? sqrt(1 - pow(b2, st.k + 1)) / (1 - pow(b1, st.k + 1)) : 1;
    const dlr = d * lr * bc;
    let num = st.dNum * b3, denom = 0;
    const fb1 = f(b1), a1 = f(d * (1 - b1)), fb2 = f(b2), a2 = f(d * d * (1 - b2)), fb3 = f(b3), a3 = f((d / d0) * (safeguardWarmup ? d : dlr));
    for (const r of rs) {
      const coupled = r.wd !== 0 && !decouple, fwd = f(r.wd);
      const c = (i) => (coupled ? f(g[i] + f(fwd * p[i])) : g[i]);
      if (t > 1) num += (d / d0) * dlr * blockedSum(r.n, (i) => c(r.off + i) * f(st.p0[r.off + i] - p[r.off + i]));
      for (let i = r.off; i < r.off + r.n; i++) {
        if (t === 1) st.p0[i] = p[i];
        const ci = c(i);
        st.m[i] = f(f(st.m[i] * fb1) + f(a1 * ci));
        st.v[i] = f(f(st.v[i] * fb2) + f(f(a2 * ci) * ci));
        st.s[i] = f(f(st.s[i] * fb3) + f(a3 * ci));
      }
      denom += blockedSum(r.n, (i) => Math.abs(st.s[r.off + i]));
    }
    if (denom === 0) return;
    const dHat = dCoef * num / denom;
    let dn = d;
    if (dn === d0) dn = Math.max(dn, dHat);
    st.dMax = Math.max(st.dMax, dHat);
    st.d = Math.min(st.dMax, dn * growthRate);
    st.dNum = num;
    for (const r of rs) {
      const dEps = f(st.d * r.eps), nwd = f(-r.wd * dlr), ndlr = f(-dlr);
      for (let i = r.off; i < r.off + r.n; i++) {
        let pi = p[i];
        const den = f(f(Math.sqrt(st.v[i])) + dEps);
        if (r.wd !== 0 && decouple) pi = f(pi + f(nwd * pi));
        p[i] = f(pi + f(ndlr * f(st.m[i] / den)));
      }
    }
    st.k++;
  };
  return { st, step };
}

/** DoG over runs [{ off, n, h }] of one group (the harness arena: one run); returns step(p, g, t). */
export function dogRef(runs, h, sqrt) {
  const { repsRel = 1e-6, lr = 1, weightDecay: wd = 0, eps = 1e-8, initEta = 0 } = h;
  const N = Math.max(...runs.map((r) => r.off + r.n)), x0 = new Float32Array(N), st = { rbar: 0, G: 0, eta: 0 };
  const fwd = f(wd);
  const c = (p, g, i) => (wd !== 0 ? f(g[i] + f(fwd * p[i])) : g[i]);
  const over = (term) => runs.reduce((s, r) => s + blockedSum(r.n, (i) => term(r.off + i)), 0);
  const step = (p, g, t) => {
    const gsq = over((i) => c(p, g, i) ** 2);
    if (t === 1) {
      st.rbar = repsRel * (1 + sqrt(over((i) => p[i] * p[i])));
      st.G = gsq + eps;
    } else {
      st.rbar = Math.max(st.rbar, sqrt(over((i) => f(p[i] - x0[i]) ** 2)));
      st.G += gsq;
    }
    st.eta = t === 1 && initEta > 0 ? initEta : lr * st.rbar / sqrt(st.G);
    const ne = f(-st.eta);
    for (const r of runs) {
      for (let i = r.off; i < r.off + r.n; i++) {
        if (t === 1) x0[i] = p[i];
        p[i] = f(p[i] + f(ne * c(p, g, i)));
      }
    }
  };
  return { st, step };
}

/**
 * One SAM/ASAM step on the flat arena: grad(p) returns the gradient (a fresh Float32Array), baseStep(p, g)
 * is the base optimizer's reference step. Returns the perturbation scale used.
 */
export function samRef(p, grad, { rho = 0.05, adaptive = false }, sqrt, baseStep) {
  const n = p.length, g = grad(p);
  const sq = adaptive ? blockedSum(n, (i) => f(Math.abs(p[i]) * g[i]) ** 2) : blockedSum(n, (i) => g[i] * g[i]);
  const scale = f(rho / (sqrt(sq) + 1e-12)), old = p.slice();
  for (let i = 0; i < n; i++) p[i] = f(p[i] + (adaptive ? f(f(f(p[i] * p[i]) * g[i]) * scale) : f(g[i] * scale)));
  const g2 = grad(p);
  p.set(old);
  baseStep(p, g2);
  return scale;
}
