// f32-exact JS references of the composable transformations (src/transforms, assembly/transforms.ts):
// Math.fround after every operation, in optax's operation order as the kernels implement it. They
// work on flat Float32Arrays with a ParamSet's layout (tensors 4-aligned, zero padding), so global
// reductions see exactly what the engine sees. Per-step f64 scalars use the engine's pow/sqrt (passed in).
const f = Math.fround;

/** The ParamSet layout of `spec` (same rule as src/params.ts). */
export function layout(spec) {
  const tensors = [];
  let off = 0;
  for (const [name, shape] of Object.entries(spec)) {
    const size = (Array.isArray(shape) ? shape : [shape]).reduce((a, b) => a * b, 1);
    tensors.push({ name, size, offset: off });
    off += Math.ceil(size / 4) * 4;
  }
  return { tensors, size: off };
}

/** Runs of the tensors selected by `sel` within `within` (src/transforms/base.ts selectRuns). */
export function selectRuns(L, sel, within) {
  const runs = [];
  L.tensors.forEach((t, i) => {
    const end = i + 1 < L.tensors.length ? L.tensors[i + 1].offset : L.size;
    if (!within.some((r) => t.offset >= r.off && t.offset < r.off + r.n) || !sel(t.name)) return;
    const last = runs[runs.length - 1];
    if (last && last.off + last.n === t.offset) last.n = end - last.off; else runs.push({ off: t.offset, n: end - t.offset });
  });
  return runs;
}

/** The engine's blocked f64 reduction over x[off, off+n): 4096-blocks, lane i mod 4, pairwise fold. */
export function blockedSum(x, off, n, term = (v) => v * v) {
  if (n === 0) return 0;
  const parts = [];
  for (let b = 0; b < n; b += 4096) {
    const e = Math.min(b + 4096, n), a = [0, 0, 0, 0];
    for (let i = b; i < e; i++) a[(i - b) % 4] += term(x[off + i]);
    parts.push((a[0] + a[1]) + (a[2] + a[3]));
  }
  const pw = (lo, k) => (k === 1 ? parts[lo] : pw(lo, k >> 1) + pw(lo + (k >> 1), k - (k >> 1)));
  return pw(0, parts.length);
}
const nonFinite = (x, runs) => runs.reduce((s, r) => s + blockedSum(x, r.off, r.n, (v) => (Number.isFinite(v) ? 0 : 1)), 0);

function each(runs, fn) { for (const r of runs) for (let i = r.off; i < r.off + r.n; i++) fn(i); }
const tensorsIn = (L, runs) => L.tensors.filter((t) => runs.some((r) => t.offset >= r.off && t.offset < r.off + r.n));

// Each reference transformation: { init(L, runs) -> state, update(u, state, p) } on flat arrays.
// `m` is { pow, sqrt } (the engine's deterministic f64 math).
export const R = {
  chain: (...ts) => ({
    init: (L, runs, p0) => ({ inner: ts.map((t) => t.init(L, runs, p0)) }),
    update: (u, s, p) => ts.forEach((t, i) => t.update(u, s.inner[i], p)),
  }),
  identity: () => ({ init: () => ({}), update: () => {} }),
  scale: (a, sign = 1) => ({
    init: (L, runs) => ({ runs, count: 0 }),
    update(u, s) {
      const v = f(sign * (typeof a === 'function' ? a(s.count) : a));
      each(s.runs, (i) => { u[i] = f(u[i] * v); });
      s.count++;
    },
  }),
  lr: (lr) => R.scale(lr, -1),
  sign: () => ({ init: (L, runs) => ({ runs }), update(u, s) { each(s.runs, (i) => { const x = u[i]; u[i] = x > 0 ? 1 : x < 0 ? -1 : x; }); } }),
  adam: ({ b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, nesterov = false } = {}, m) => ({
    init: (L, runs) => ({ runs, count: 0, mu: new Float32Array(L.size), nu: new Float32Array(L.size) }),
    update(u, s) {
      const t = s.count + 1;
      const bc1 = f(1 - m.pow(b1, t)), bc2 = f(1 - m.pow(b2, t)), bc1n = f(nesterov ? 1 - m.pow(b1, t + 1) : 1);
      const fb1 = f(b1), fomb1 = f(1 - b1), fb2 = f(b2), fomb2 = f(1 - b2), fe = f(eps), fr = f(epsRoot);
      each(s.runs, (i) => {
        const g = u[i];
        const mi = f(f(fomb1 * g) + f(fb1 * s.mu[i]));
        const vi = f(f(fomb2 * f(g * g)) + f(fb2 * s.nu[i]));
        s.mu[i] = mi; s.nu[i] = vi;
        const den = f(f(Math.sqrt(f(f(vi / bc2) + fr))) + fe);
        const mh = nesterov ? f(f(fb1 * f(mi / bc1n)) + f(fomb1 * f(g / bc1))) : f(mi / bc1);
        u[i] = f(mh / den);
      });
      s.count = t;
    },
  }),
  rms: ({ decay = 0.9, eps = 1e-8, epsInSqrt = true, initialScale = 0 } = {}) => ({
    init: (L, runs) => ({ runs, nu: new Float32Array(L.size).fill(initialScale) }),
    update(u, s) {
      const d = f(decay), omd = f(1 - decay), fe = f(eps);
      each(s.runs, (i) => {
        const g = u[i];
        const vi = f(f(omd * f(g * g)) + f(d * s.nu[i]));
        s.nu[i] = vi;
        u[i] = f(g / (epsInSqrt ? f(Math.sqrt(f(vi + fe))) : f(f(Math.sqrt(vi)) + fe)));
      });
    },
  }),
  stddev: ({ decay = 0.9, eps = 1e-8 } = {}) => ({
    init: (L, runs) => ({ runs, mu: new Float32Array(L.size), nu: new Float32Array(L.size) }),
    update(u, s) {
      const d = f(decay), omd = f(1 - decay), fe = f(eps);
      each(s.runs, (i) => {
        const g = u[i];
        const mi = f(f(omd * g) + f(d * s.mu[i]));
        const vi = f(f(omd * f(g * g)) + f(d * s.nu[i]));
        s.mu[i] = mi; s.nu[i] = vi;
        u[i] = f(g / f(Math.sqrt(f(f(vi - f(mi * mi)) + fe))));
      });
    },
  }),
  trace: ({ decay, nesterov = false }) => ({
    init: (L, runs) => ({ runs, tr: new Float32Array(L.size) }),
    update(u, s) {
      const d = f(decay);
      each(s.runs, (i) => {
        const g = u[i], ti = f(g + f(d * s.tr[i]));
        s.tr[i] = ti;
        u[i] = nesterov ? f(g + f(d * ti)) : ti;
      });
    },
  }),
  ema: ({ decay, debias = true }, m) => ({
    init: (L, runs) => ({ runs, count: 0, e: new Float32Array(L.size) }),
    update(u, s) {
      const t = s.count + 1, d = f(decay), omd = f(1 - decay), bc = f(debias ? 1 - m.pow(decay, t) : 1);
      each(s.runs, (i) => { const ei = f(f(omd * u[i]) + f(d * s.e[i])); s.e[i] = ei; u[i] = debias ? f(ei / bc) : ei; });
      s.count = t;
    },
  }),
  decay: (wd) => ({
    init: (L, runs) => ({ runs, count: 0 }),
    update(u, s, p) {
      const a = f(typeof wd === 'function' ? wd(s.count) : wd);
      if (a !== 0) each(s.runs, (i) => { u[i] = f(u[i] + f(a * p[i])); });
      s.count++;
    },
  }),
  clip: (d) => ({ init: (L, runs) => ({ runs }), update(u, s) { const fd = f(d); each(s.runs, (i) => { u[i] = Math.min(Math.max(u[i], -fd), fd); }); } }),
  clipNorm: (c, m) => ({
    init: (L, runs) => ({ runs }),
    update(u, s) {
      const norm = f(m.sqrt(s.runs.reduce((a, r) => a + blockedSum(u, r.off, r.n), 0)));
      if (norm < f(c)) return;
      const fc = f(c);
      each(s.runs, (i) => { u[i] = f(f(u[i] / norm) * fc); });
    },
  }),
  agc: ({ clipping, eps = 1e-3 }, m) => ({
    init: (L, runs) => ({ ts: tensorsIn(L, runs) }),
    update(u, s, p) {
      for (const t of s.ts) {
        const gn = f(m.sqrt(blockedSum(u, t.offset, t.size))), pn = f(m.sqrt(blockedSum(p, t.offset, t.size)));
        const mx = f(f(clipping) * Math.max(pn, f(eps)));
        if (gn < mx) continue;
        const fac = f(mx / Math.max(gn, f(1e-6)));
        for (let i = t.offset; i < t.offset + t.size; i++) u[i] = f(u[i] * fac);
      }
    },
  }),
  masked: (inner, sel) => ({
    init: (L, runs, p0) => ({ inner: inner.init(L, selectRuns(L, sel, runs), p0) }),
    update: (u, s, p) => inner.update(u, s.inner, p),
  }),
  skip: (inner = R.identity()) => ({
    init: (L, runs, p0) => ({ runs, skipped: 0, nonFinite: 0, inner: inner.init(L, runs, p0) }),
    update(u, s, p) {
      const n = nonFinite(u, s.runs);
      s.nonFinite = n;
      if (n > 0) { each(s.runs, (i) => { u[i] = 0; }); s.skipped++; return; }
      inner.update(u, s.inner, p);
    },
  }),
  zero: () => ({
    init: (L, runs) => ({ runs, zeroed: 0, last: 0 }),
    update(u, s) {
      const n = nonFinite(u, s.runs);
      each(s.runs, (i) => { if (!Number.isFinite(u[i])) u[i] = 0; });
      s.last = n; s.zeroed += n;
    },
  }),
  multiSteps: (inner, k) => ({
    init: (L, runs, p0) => ({ runs, mini: 0, acc: new Float32Array(L.size), inner: inner.init(L, runs, p0) }),
    update(u, s, p) {
      const c = f(s.mini + 1), last = s.mini + 1 >= k;
      each(s.runs, (i) => {
        const a = f(s.acc[i] + f(f(u[i] - s.acc[i]) / c));
        if (last) { u[i] = a; s.acc[i] = 0; } else { s.acc[i] = a; u[i] = 0; }
      });
      if (!last) { s.mini++; return; }
      s.mini = 0;
      inner.update(u, s.inner, p);
    },
  }),
  lookahead: (inner, { syncPeriod, alpha }) => ({
    init: (L, runs, p0) => ({ runs, count: 0, slow: Float32Array.from(p0), inner: inner.init(L, runs, p0) }),
    update(u, s, p) {
      inner.update(u, s.inner, p);
      s.count++;
      if (s.count % syncPeriod !== 0) return;
      const a = f(alpha);
      each(s.runs, (i) => {
        const sl = f(s.slow[i] + f(a * f(f(p[i] + u[i]) - s.slow[i])));
        s.slow[i] = sl; u[i] = f(sl - p[i]);
      });
    },
  }),
};

/** Lookahead wrapper sync: φ ← φ + α(p − φ); p ← φ */
export function lookaheadSyncRef(p, slow, alpha) {
  const a = f(alpha);
  for (let i = 0; i < p.length; i++) { const s = f(slow[i] + f(a * f(p[i] - slow[i]))); slow[i] = s; p[i] = s; }
}
/** EMA wrapper update: e ← (1−d)·p + d·e */
export function emaTrackRef(p, e, decay) {
  const d = f(decay), omd = f(1 - decay);
  for (let i = 0; i < p.length; i++) e[i] = f(f(omd * p[i]) + f(d * e[i]));
}
/** SWA running mean: a ← a + (p − a)/n */
export function runMeanRef(a, p, n) {
  const c = f(n);
  for (let i = 0; i < p.length; i++) a[i] = f(a[i] + f(f(p[i] - a[i]) / c));
}
