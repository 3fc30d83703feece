// Independent f64-exact JS references of the online family's kernels (assembly/online/*.ts), written
// from the papers' update rules with every operation an IEEE double operation in the kernels' order:
// 4-lane sums (element i in lane i mod 4, folded (l0 + l1) + (l2 + l3)), the sort order key descending
// then index ascending, no fused multiply-add. exp/log are the engine's deterministic routines passed
// in as M (never the host's Math.exp/log); sqrt is IEEE-exact everywhere.

export function dot4(x, y, n = x.length, xo = 0, yo = 0) {
  const a = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) a[i & 3] += x[xo + i] * y[yo + i];
  return (a[0] + a[1]) + (a[2] + a[3]);
}
export function abs4(x, n = x.length) {
  const a = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) a[i & 3] += Math.abs(x[i]);
  return (a[0] + a[1]) + (a[2] + a[3]);
}

/** Weighted simplex projection: argmin Σ h_i (x_i − y_i)² over {x ≥ 0, Σx = r} (h null: Euclidean). */
export function simplexRef(y, r, h = null) {
  const n = y.length;
  const key = Float64Array.from(y, (v, i) => (h ? h[i] * v : v));
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (key[a] > key[b] || (key[a] === key[b] && a < b) ? -1 : 1));
  let sy = 0, sw = 0, tau = 0;
  for (const k of idx) {
    sy += y[k];
    sw += h ? 1 / h[k] : 1;
    const tj = (sy - r) / sw;
    if (key[k] > tj) tau = tj;
  }
  return Float64Array.from(y, (v, i) => { const u = v - (h ? tau / h[i] : tau); return u > 0 ? u : 0; });
}

const diagAt = (h, y, mu) => { const x = Float64Array.from(y, (v, i) => (h[i] * v) / (h[i] + mu)); return [x, Math.sqrt(dot4(x, x))]; };
export function l2Ref(y, r, h = null) {
  const ny = Math.sqrt(dot4(y, y));
  if (ny <= r) return Float64Array.from(y);
  if (!h) { const s = r / ny; return Float64Array.from(y, (v) => v * s); }
  let hm = 0;
  for (const v of h) hm = Math.max(hm, v);
  let lo = 0, hi = (hm * ny) / r;
  for (let k = 0; k < 64 && diagAt(h, y, hi)[1] > r; k++) hi *= 2;
  for (let it = 0; it < 200; it++) {
    if (hi - lo <= 1e-12 * hi) break;
    const mid = 0.5 * (lo + hi);
    if (!(mid > lo && mid < hi)) break;
    if (diagAt(h, y, mid)[1] > r) lo = mid; else hi = mid;
  }
  return diagAt(h, y, hi)[0];
}

/** The kernels' project(kind, ...): kinds unconstrained, simplex, l1Ball, l2Ball, box. */
export function projectRef(set, y, h = null) {
  const { kind, radius: r } = set;
  if (kind === 'simplex') return simplexRef(y, r, h);
  if (kind === 'l1Ball') {
    if (abs4(y) <= r) return Float64Array.from(y);
    const a = simplexRef(Float64Array.from(y, Math.abs), r, h);
    return a.map((v, i) => (y[i] < 0 ? -v : v));
  }
  if (kind === 'l2Ball') return l2Ref(y, r, h);
  if (kind === 'box') { const lo = set.lower, hi = set.upper; return Float64Array.from(y, (v, i) => Math.min(Math.max(v, lo[i]), hi[i])); }
  return Float64Array.from(y);
}

/** (A + μI)⁻¹ b by Cholesky in the kernel's order; null when a pivot fails. */
function mahaAt(n, A, b, mu) {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const d = A[j * n + j] + mu - dot4(L, L, j, j * n, j * n);
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) L[i * n + j] = (A[i * n + j] - dot4(L, L, j, i * n, j * n)) / ljj;
  }
  const z = new Float64Array(n), x = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = (b[i] - dot4(L, z, i, i * n, 0)) / L[i * n + i];
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return [x, Math.sqrt(dot4(x, x))];
}
export function mahaRef(y, r, A) {
  const n = y.length, ny = Math.sqrt(dot4(y, y));
  if (ny <= r) return Float64Array.from(y);
  const b = new Float64Array(n);
  let tr = 0;
  for (let i = 0; i < n; i++) { b[i] = dot4(A, y, n, i * n, 0); tr += A[i * n + i]; }
  let lo = 0, hi = (tr * ny) / r;
  const norm = (mu) => { const v = mahaAt(n, A, b, mu); return v ? v[1] : Infinity; };
  for (let k = 0; k < 64; k++) { if (norm(hi) <= r) break; hi *= 2; }
  for (let it = 0; it < 200; it++) {
    if (hi - lo <= 1e-12 * hi) break;
    const mid = 0.5 * (lo + hi);
    if (!(mid > lo && mid < hi)) break;
    if (norm(mid) > r) lo = mid; else hi = mid;
  }
  return mahaAt(n, A, b, hi)[0];
}

// ---- learners: state objects { t, x, ... } ----

export function ogdRef(set, opts, x0) {
  const o = { stepRule: 'sqrt', lipschitz: 1, diameter: set.diameter, lambda: 1, ...opts };
  const lr = o.lr ?? o.diameter / o.lipschitz;
  const st = { t: 0, x: Float64Array.from(x0) };
  return {
    st,
    update(g) {
      st.t += 1;
      const eta = o.stepRule === 'sqrt' ? (o.diameter / o.lipschitz) / Math.sqrt(st.t) : o.stepRule === 'strongly-convex' ? 1 / (o.lambda * st.t) : lr;
      const y = Float64Array.from(st.x, (v, i) => v + -eta * g[i]);
      st.x = projectRef(set, y);
      return eta;
    },
  };
}

export function adagradRef(set, { lr, delta = 1e-8 }, x0) {
  const n = set.dim, st = { t: 0, x: Float64Array.from(x0), s: new Float64Array(n) };
  return {
    st,
    update(g) {
      st.t += 1;
      const h = new Float64Array(n), y = new Float64Array(n);
      for (let i = 0; i < n; i++) { st.s[i] += g[i] * g[i]; h[i] = delta + Math.sqrt(st.s[i]); y[i] = st.x[i] - (lr * g[i]) / h[i]; }
      st.x = projectRef(set, y, set.kind === 'box' || set.kind === 'unconstrained' ? null : h);
    },
  };
}

function egDecision(n, pm, r, G, eta, M) {
  const m = pm ? 2 * n : n, w = new Float64Array(m);
  let mx = -Infinity;
  for (let i = 0; i < m; i++) { w[i] = -eta * G[i]; if (w[i] > mx) mx = w[i]; }
  let sum = 0;
  for (let i = 0; i < m; i++) { const d = w[i] - mx; w[i] = d !== d ? 1 : M.exp(d); sum += w[i]; }
  return Float64Array.from({ length: n }, (_, i) => (pm ? (r * (w[i] - w[n + i])) / sum : (r * w[i]) / sum));
}
export function egRef(set, { stepRule = 'sqrt', c }, M) {
  const n = set.dim, pm = set.kind === 'l1Ball', st = { t: 0, G: new Float64Array(pm ? 2 * n : n) };
  st.x = egDecision(n, pm, set.radius, st.G, 0, M);
  return {
    st,
    update(g) {
      st.t += 1;
      for (let i = 0; i < n; i++) { st.G[i] += g[i]; if (pm) st.G[n + i] -= g[i]; }
      st.x = egDecision(n, pm, set.radius, st.G, stepRule === 'sqrt' ? c / Math.sqrt(st.t + 1) : c, M);
    },
  };
}

/** FTRL-Proximal, McMahan et al. 2013 Algorithm 1, transcribed (f64). */
export function ftrlRef(d, { alpha = 0.1, beta = 1, l1 = 0, l2 = 0 } = {}, M) {
  const z = new Float64Array(d), nn = new Float64Array(d), st = { t: 0, z, n: nn };
  const w = (i) => (Math.abs(z[i]) <= l1 ? 0 : -(z[i] - (z[i] < 0 ? -l1 : l1)) / ((beta + Math.sqrt(nn[i])) / alpha + l2));
  const margin = (idx, val) => { let m = 0; for (let j = 0; j < val.length; j++) m += w(idx ? idx[j] : j) * val[j]; return m; };
  const sig = (m) => 1 / (1 + M.exp(-m));
  const step = (i, g) => {
    const wi = w(i), n2 = nn[i] + g * g;
    const sigma = (Math.sqrt(n2) - Math.sqrt(nn[i])) / alpha;
    z[i] = z[i] + g - sigma * wi;
    nn[i] = n2;
  };
  return {
    st,
    weights: () => Float64Array.from({ length: d }, (_, i) => w(i)),
    predict: (idx, val) => sig(margin(idx, val)),
    logistic(idx, val, y) {
      st.t += 1;
      const p = sig(margin(idx, val)), e = p - y;
      for (let j = 0; j < val.length; j++) step(idx ? idx[j] : j, e * val[j]);
      return p;
    },
    gradient(idx, g) { st.t += 1; for (let j = 0; j < g.length; j++) step(idx ? idx[j] : j, g[j]); },
  };
}

export function onsRef(set, { gamma, epsilon }, x0) {
  const n = set.dim, A = new Float64Array(n * n), Ai = new Float64Array(n * n);
  for (let i = 0; i < n; i++) { A[i * n + i] = epsilon; Ai[i * n + i] = 1 / epsilon; }
  const st = { t: 0, x: Float64Array.from(x0), A, Ai };
  return {
    st,
    update(g) {
      st.t += 1;
      const u = Float64Array.from({ length: n }, (_, i) => dot4(Ai, g, n, i * n, 0));
      const den = 1 + dot4(g, u);
      const step = 1 / gamma;
      const y = Float64Array.from(st.x, (v, i) => v - step * (u[i] / den));
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = A[i * n + j] + g[i] * g[j];
      for (let i = 0; i < n; i++) { const c = -(u[i] / den); for (let j = 0; j < n; j++) Ai[i * n + j] = Ai[i * n + j] + c * u[j]; }
      st.x = set.kind === 'l2Ball' ? mahaRef(y, set.radius, A) : y;
    },
  };
}

// ---- expert aggregation (opera's rules, gradient trick) ----
const LOSS = {
  square: (x, y) => (x - y) * (x - y), absolute: (x, y) => Math.abs(x - y),
  pinball: (x, y, tau) => ((y < x ? 1 : 0) - tau) * (x - y), percentage: (x, y) => Math.abs(x - y) / y,
};
const sgn = (v) => (v > 0 ? 1 : v < 0 ? -1 : 0);
const SLOPE = {
  square: (p, y) => 2 * (p - y), absolute: (p, y) => sgn(p - y), pinball: (p, y, tau) => (y < p ? 1 : 0) - tau, percentage: (p, y) => sgn(p - y) / y,
};
function softmax(v, M) {
  let mx = -Infinity;
  for (const a of v) if (a > mx) mx = a;
  const p = Float64Array.from(v, (a) => { const d = a - mx; return d !== d ? 1 : M.exp(d); });
  let s = 0;
  for (const e of p) s += e;
  return p.map((e) => e / s);
}

/** rule: 'EWA' | 'FixedShare' | 'MLpol' | 'BOA'; o: { eta?, alpha?, loss, tau, gradient } */
export function aggregationRef(rule, N, o, M) {
  const st = { t: 0, a: new Float64Array(N), b: new Float64Array(N), e: new Float64Array(N) };
  if (rule === 'MLpol') st.b.fill(M.exp(700));
  const { loss = 'square', tau = 0.5, gradient = true } = o;
  const weights = () => {
    const t = st.t + 1;
    if (rule === 'EWA') {
      const eta = o.eta === undefined ? Math.sqrt(8 * M.log(Math.max(N, 2))) / Math.sqrt(t) : o.eta;
      return softmax(st.a.map((r) => eta * r), M);
    }
    if (rule === 'FixedShare') return softmax(st.a, M);
    if (rule === 'MLpol') {
      if (!st.a.some((r) => r > 0)) return new Float64Array(N).fill(1 / N);
      const w = st.a.map((r, i) => (r > 0 ? st.b[i] * r : 0));
      let s = 0, inf = 0;
      for (const v of w) { s += v; if (v === Infinity) inf += 1; }
      if (inf > 0) return w.map((v) => (v === Infinity ? 1 / inf : 0));
      if (!(s > 0)) return new Float64Array(N).fill(1 / N);
      return w.map((v) => v / s);
    }
    let cnt = 0, mx = -Infinity;
    const v = new Float64Array(N);
    for (let i = 0; i < N; i++) if (st.e[i] > 0) { v[i] = -M.log(st.e[i]) / 2 + st.b[i] / Math.sqrt(st.e[i]); if (v[i] > mx) mx = v[i]; cnt += 1; }
    let s = 0;
    for (let i = 0; i < N; i++) if (st.e[i] > 0) { v[i] = M.exp(v[i] - mx); s += v[i]; }
    const p = new Float64Array(N);
    let tot = 0;
    for (let i = 0; i < N; i++) { p[i] = st.e[i] > 0 ? (cnt * v[i]) / s : 1; tot += p[i]; }
    return p.map((w) => w / tot);
  };
  const combine = (p, x) => { let s = 0; for (let i = 0; i < N; i++) s += x[i] * p[i]; return s; };
  return {
    st, weights, combine,
    /** form 0: update(losses); form 1: update(y, advice). Returns [forecast or ⟨p,ℓ⟩, loss]. */
    update(input, y) {
      const p = weights();
      let out, r;
      if (y === undefined) {
        let lp = 0;
        for (let i = 0; i < N; i++) lp += input[i] * p[i];
        r = Float64Array.from(input, (l) => lp - l);
        out = [lp, lp];
      } else {
        const pred = combine(p, input);
        out = [pred, LOSS[loss](pred, y, tau)];
        if (gradient) { const s = SLOPE[loss](pred, y, tau), lp = s * pred; r = Float64Array.from(input, (x) => lp - s * x); } else { const lp = LOSS[loss](pred, y, tau); r = Float64Array.from(input, (x) => lp - LOSS[loss](x, y, tau)); }
      }
      st.t += 1;
      if (rule === 'EWA') for (let i = 0; i < N; i++) st.a[i] += r[i];
      else if (rule === 'FixedShare') {
        const w = softmax(st.a.map((l, i) => l + o.eta * r[i]), M);
        const al = o.alpha ?? 0.01, base = al / N, keep = 1 - al;
        for (let i = 0; i < N; i++) st.a[i] = M.log(base + keep * w[i]);
      } else if (rule === 'MLpol') {
        for (let i = 0; i < N; i++) { st.a[i] += r[i]; st.b[i] = 1 / (1 / st.b[i] + r[i] * r[i]); }
      } else {
        for (let i = 0; i < N; i++) {
          const ei = st.e[i] + 2.2 * (r[i] * r[i]);
          st.e[i] = ei; st.a[i] += r[i];
          if (ei > 0) st.b[i] = st.b[i] + (r[i] - (r[i] * r[i]) / Math.sqrt(ei));
        }
      }
      return out;
    },
  };
}
