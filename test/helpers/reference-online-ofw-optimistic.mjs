// f64-exact JS references of assembly/online/ofw.ts (the sets' linear-optimisation oracle, online
// Frank–Wolfe) and assembly/online/optimistic.ts (optimistic OMD and FTRL), written from the update
// rules with every operation an IEEE double operation in the kernels' order (4-lane sums via dot4, no
// fused multiply-add). Sets are { kind, dim, radius, lower?, upper? }.
import { dot4, projectRef } from './reference-online.mjs';

/** argmin over the set of ⟨c, v⟩ with the kernel's tie rules. */
export function lmoRef(set, c) {
  const n = c.length, v = new Float64Array(n), r = set.radius;
  if (set.kind === 'simplex') {
    let j = 0;
    for (let i = 1; i < n; i++) if (c[i] < c[j]) j = i;
    v[j] = r;
  } else if (set.kind === 'l1Ball') {
    let j = 0;
    for (let i = 1; i < n; i++) if (Math.abs(c[i]) > Math.abs(c[j])) j = i;
    if (Math.abs(c[j]) > 0) v[j] = c[j] > 0 ? -r : r;
  } else if (set.kind === 'l2Ball') {
    let m = 0;
    for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(c[i]));
    if (m > 0) {
      for (let i = 0; i < n; i++) v[i] = c[i] / m;
      const s = r / Math.sqrt(dot4(v, v));
      for (let i = 0; i < n; i++) v[i] = -(v[i] * s);
    }
  } else if (set.kind === 'box') {
    for (let i = 0; i < n; i++) v[i] = c[i] < 0 ? set.upper[i] : set.lower[i];
  } else throw new Error('unbounded');
  return v;
}

/** Online Frank–Wolfe with weight eta (Hazan §7.3): st = { t, x, x1, G }. */
export function ofwRef(set, eta, x0) {
  const n = set.dim, st = { t: 0, x: Float64Array.from(x0), x1: Float64Array.from(x0), G: new Float64Array(n) };
  return {
    st,
    update(g) {
      st.t += 1;
      const c = new Float64Array(n);
      for (let i = 0; i < n; i++) { st.G[i] = st.G[i] + g[i]; c[i] = eta * st.G[i] + 2 * (st.x[i] - st.x1[i]); }
      const v = lmoRef(set, c);
      let sigma = 2 / Math.sqrt(st.t);
      if (sigma > 1) sigma = 1;
      const keep = 1 - sigma;
      for (let i = 0; i < n; i++) st.x[i] = keep * st.x[i] + sigma * v[i];
      return sigma;
    },
  };
}

const gap = (g, m) => { const d = Float64Array.from(g, (v, i) => v - m[i]); return dot4(d, d); };

/**
 * Optimistic OMD ('omd') or FTRL ('ftrl'), Euclidean: o = { lipschitz, diameter, lr? } as the learner's
 * options; st = { t, x, xh | x1, G, m, S }. update(g, hint?) returns η_{t+1}.
 */
export function optimisticRef(kind, set, o, x0) {
  const n = set.dim, B = 4 * o.lipschitz * o.lipschitz, adaptive = o.lr === undefined, c = o.lr ?? o.diameter;
  const eta = (S) => (adaptive ? c / Math.sqrt(B + S) : c);
  const st = { t: 0, x: Float64Array.from(x0), p: Float64Array.from(x0), G: new Float64Array(n), m: new Float64Array(n), S: 0 };
  return {
    st,
    update(g, hint) {
      st.t += 1;
      if (kind === 'omd') {
        const e = eta(st.S);
        st.S = st.S + gap(g, st.m);
        st.p = projectRef(set, Float64Array.from(st.p, (v, i) => v + -e * g[i]));
        st.m = Float64Array.from(hint ?? g);
        const e2 = eta(st.S);
        st.x = projectRef(set, Float64Array.from(st.p, (v, i) => v + -e2 * st.m[i]));
        return e2;
      }
      st.S = st.S + gap(g, st.m);
      for (let i = 0; i < n; i++) st.G[i] = st.G[i] + g[i];
      st.m = Float64Array.from(hint ?? g);
      const e = eta(st.S);
      st.x = projectRef(set, Float64Array.from(st.p, (v, i) => v - e * (st.G[i] + st.m[i])));
      return e;
    },
  };
}
