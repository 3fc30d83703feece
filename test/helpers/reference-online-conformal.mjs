// f64-exact JS references of coin betting (assembly/online/coin.ts) and online conformal prediction
// (assembly/online/conformal.ts), written from the papers' rules with every operation an IEEE double
// operation in the kernels' order (4-lane sums via dot4, the projections of reference-online.mjs).
import { dot4, projectRef } from './reference-online.mjs';

/** KT coin betting; set: { kind, dim, radius, lower, upper }; opts: { mode, epsilon, lipschitz }. Returns null from update when refused. */
export function coinRef(set, { mode = 'coordinate', epsilon = 1, lipschitz = 1 } = {}) {
  const n = set.dim, ball = mode === 'ball';
  const st = { t: 0, w: new Float64Array(n), theta: new Float64Array(n), W: new Float64Array(n).fill(epsilon), y: new Float64Array(n), z: 0, th: 0, Wm: epsilon, S: 0 };
  st.x = projectRef(set, new Float64Array(n));
  return {
    st,
    update(g) {
      const gs = Float64Array.from(g, (v) => v / lipschitz);
      const TOL = 1 + 1e-12;
      if (!ball) {
        if (gs.some((v) => Math.abs(v) > TOL)) return false;
        for (let i = 0; i < n; i++) gs[i] = Math.min(Math.max(gs[i], -1), 1);
      } else {
        const nm = Math.sqrt(dot4(gs, gs));
        if (nm > TOL) return false;
        if (nm > 1) for (let i = 0; i < n; i++) gs[i] = gs[i] / nm;
      }
      if (set.kind !== 'unconstrained') {
        if (!ball) { for (let i = 0; i < n; i++) if (gs[i] * (st.w[i] - st.x[i]) < 0) gs[i] = 0; }
        else {
          const d = Float64Array.from(st.w, (v, i) => v - st.x[i]), dg = dot4(gs, d);
          if (dg < 0) { const c = dg / dot4(d, d); for (let i = 0; i < n; i++) gs[i] = gs[i] - c * d[i]; }
        }
      }
      st.t += 1;
      const t1 = st.t + 1;
      if (!ball) {
        for (let i = 0; i < n; i++) { const c = -gs[i]; st.W[i] = st.W[i] + c * st.w[i]; st.theta[i] = st.theta[i] + c; st.w[i] = (st.theta[i] / t1) * st.W[i]; }
      } else {
        const c = -dot4(gs, st.y);
        st.Wm = st.Wm + c * st.z; st.th = st.th + c; st.z = (st.th / t1) * st.Wm;
        st.S = st.S + dot4(gs, gs);
        if (st.S > 0) {
          const eta = Math.SQRT2 / Math.sqrt(st.S);
          st.y = projectRef({ kind: 'l2Ball', dim: n, radius: 1 }, Float64Array.from(st.y, (v, i) => v - eta * gs[i]));
        }
        st.w = Float64Array.from(st.y, (v) => st.z * v);
      }
      st.x = projectRef(set, st.w);
      return true;
    },
  };
}

const pin = (s, q, tau) => Math.max(tau * (s - q), (1 - tau) * (q - s));
const pinGrad = (s, q, tau) => (s > q ? -tau : s < q ? 1 - tau : 0);
const lifetime = (born, g) => { let b = born, l = g; while (b % 2 === 0) { b /= 2; l *= 2; } return l; };
const prior = (born) => { let k = 0, p = 2; while (p <= born) { p *= 2; k += 1; } return 1 / (born * born * (1 + k)); };
const bet = (e) => (e.age === 0 ? 0 : (e.z / e.age) * (1 + e.wz));

/** ACI / SFOGD / SAOCP: method 'ACI' | 'SFOGD' | 'SAOCP', options as the classes take them. */
export function conformalRef(method, o = {}) {
  const alpha = o.alpha ?? 0.1, tau = 1 - alpha, gamma = o.gamma ?? 0.005, W = o.window ?? 1000, scale = o.scale ?? 0, g = o.lifetime ?? 8;
  const cap = Math.ceil(g / 2) * 54;
  const st = { t: 0, q: o.initial ?? 0, hits: 0, widthSum: 0, inf: 0, max: 0, aT: alpha, ring: [], sorted: [], G: 0, slots: Array.from({ length: cap }, () => null) };
  if (method === 'SAOCP') st.slots[0] = { born: 1, q: st.q, G: 0, z: 0, wz: 0, age: 0 };
  if (method === 'ACI') st.q = 0;
  const aggregate = (fallback) => {
    let num = 0, den = 0, pn = 0, pd = 0;
    for (const e of st.slots) {
      if (!e) continue;
      const pr = prior(e.born), w = bet(e), p = pr * (w > 0 ? w : 0);
      num += p * e.q; den += p; pn += pr * e.q; pd += pr;
    }
    if (den > 0) return num / den;
    return pd > 0 ? pn / pd : fallback;
  };
  const radius = () => {
    if (method !== 'ACI') return st.q;
    const n = st.sorted.length, k = Math.ceil((1 - st.aT) * (n + 1));
    if (k > n) return Infinity;
    if (k < 1) return 0;
    return st.sorted[k - 1];
  };
  return {
    st, radius,
    update(s) {
      const q = radius(), covered = s <= q;
      st.t += 1;
      if (covered) st.hits += 1;
      if (q === Infinity) st.inf += 1; else st.widthSum += 2 * q;
      st.max = Math.max(st.max, s);
      const D = scale > 0 ? scale : st.max;
      if (method === 'ACI') {
        st.aT = st.aT + gamma * (alpha - (covered ? 0 : 1));
        if (st.ring.length === W) { const old = st.ring.shift(); st.sorted.splice(st.sorted.indexOf(old), 1); }
        st.ring.push(s);
        let j = st.sorted.length;
        while (j > 0 && st.sorted[j - 1] > s) j--;
        st.sorted.splice(j, 0, s);
      } else if (method === 'SFOGD') {
        const gr = pinGrad(s, q, tau);
        st.G = st.G + gr * gr;
        if (st.G > 0 && D > 0) st.q = Math.max(0, q - (D / Math.sqrt(st.G)) * gr);
      } else {
        const meta = pin(s, q, tau), norm = D * Math.max(tau, 1 - tau);
        for (const e of st.slots) {
          if (!e) continue;
          const w = bet(e);
          let gc = norm > 0 ? (meta - pin(s, e.q, tau)) / norm : 0;
          gc = Math.min(Math.max(gc, w > 0 ? -1 : 0), 1);
          e.z = e.z + gc; e.wz = e.wz + gc * w; e.age += 1;
          const gr = pinGrad(s, e.q, tau);
          e.G = e.G + gr * gr;
          if (e.G > 0 && D > 0) e.q = Math.max(0, e.q - (D / Math.sqrt(e.G)) * gr);
        }
        const next = st.t + 1;
        let free = -1;
        for (let j = 0; j < cap; j++) {
          const e = st.slots[j];
          if (e && e.born + lifetime(e.born, g) <= next) st.slots[j] = null;
          if (free < 0 && !st.slots[j]) free = j;
        }
        const v = aggregate(q);
        st.slots[free] = { born: next, q: v, G: 0, z: 0, wz: 0, age: 0 };
        st.q = aggregate(v);
      }
      return covered;
    },
  };
}

/** Follow-the-Leading-History (assembly/online/flh.ts); M = { exp } of an engine. */
export function flhRef(set, { lipschitz = 1, diameter = set.diameter, eta = 1 / (lipschitz * diameter), lifetime = 8 } = {}, x0, M) {
  const n = set.dim, cap = Math.ceil(lifetime / 2) * 54;
  const st = { t: 0, x: Float64Array.from(x0), slots: Array.from({ length: cap }, () => null) };
  st.slots[0] = { born: 1, p: 1, age: 0, x: Float64Array.from(x0) };
  const average = () => {
    const y = new Float64Array(n);
    for (const e of st.slots) if (e) for (let i = 0; i < n; i++) y[i] = y[i] + e.p * e.x[i];
    return y;
  };
  return {
    st,
    update(g) {
      st.t += 1;
      let lmin = Infinity;
      const ls = st.slots.map((e) => (e ? dot4(g, e.x) : 0));
      st.slots.forEach((e, j) => { if (e && e.p > 0 && ls[j] < lmin) lmin = ls[j]; });
      let tot = 0;
      st.slots.forEach((e, j) => { if (e) { e.p = e.p * M.exp(-eta * (ls[j] - lmin)); tot += e.p; } });
      for (const e of st.slots) {
        if (!e) continue;
        e.p = e.p / tot; e.age += 1;
        const step = -(diameter / (lipschitz * Math.sqrt(e.age)));
        e.x = projectRef(set, Float64Array.from(e.x, (v, i) => v + step * g[i]));
      }
      const next = st.t + 1;
      let free = -1, rest = 0;
      for (let j = 0; j < cap; j++) {
        const e = st.slots[j];
        if (e && e.born + lifetime2(e.born, lifetime) <= next) st.slots[j] = null;
        if (!st.slots[j]) { if (free < 0) free = j; } else rest += st.slots[j].p;
      }
      const pin = 1 / next;
      let y = average();
      if (rest > 0) {
        const c = (1 - pin) / rest;
        for (const e of st.slots) if (e) e.p = e.p * c;
        y = projectRef(set, y.map((v) => v / rest));
      } else y = projectRef(set, st.x);
      st.slots[free] = { born: next, p: rest > 0 ? pin : 1, age: 0, x: y };
      st.x = average();
    },
  };
}
const lifetime2 = (born, g) => { let b = born, l = g; while (b % 2 === 0) { b /= 2; l *= 2; } return l; };
