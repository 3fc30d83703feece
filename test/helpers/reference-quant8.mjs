// f32-exact JS references of bitsandbytes' blockwise 8-bit state numerics (scripts/bnb_dynamic_map.py
// documents them): quantize_2D's search with the sign fix, blockwise quantize/dequantize, and the
// 8-bit Adam / Lion / Momentum steps (dequantize → update → requantize), plus the fixture's inputs.
const f = Math.fround;
export const BLOCK = 256;

export function search8(x, map, signed) {
  let pivot = 127, upP = 255, loP = 0, lower = signed ? -1 : 0, upper = 1, val = map[pivot];
  for (let i = 64; i > 0; i >>= 1) {
    if (x > val) { loP = pivot; lower = val; pivot += i; } else { upP = pivot; upper = val; pivot -= i; }
    val = map[pivot];
  }
  if (x > val) return x > f(f(upper + val) * 0.5) ? upP : pivot;
  return x < f(f(lower + val) * 0.5) ? loP : pivot;
}
const signbit = (v) => (v < 0 || Object.is(v, -0) ? 1 : 0);
export function quantSigned(s, absmax, map) {
  let c = search8(f(s / absmax), map, true);
  if (signbit(map[c]) !== signbit(s)) c = (s > 0 ? c + 1 : c - 1) & 255;
  return c;
}
export function quantizeRef(x, map, signed) {
  const n = x.length, nb = Math.ceil(n / BLOCK), codes = new Uint8Array(n), absmax = new Float32Array(nb);
  for (let b = 0; b < nb; b++) {
    let m = -3.4028234663852886e38;
    for (let i = b * BLOCK; i < Math.min(n, (b + 1) * BLOCK); i++) m = Math.max(m, Math.abs(x[i]));
    absmax[b] = m;
    for (let i = b * BLOCK; i < Math.min(n, (b + 1) * BLOCK); i++) codes[i] = signed ? quantSigned(x[i], m, map) : search8(f(x[i] / m), map, false);
  }
  return { codes, absmax };
}
export function dequantizeRef(q, map) {
  return Float32Array.from(q.codes, (c, i) => f(map[c] * q.absmax[Math.floor(i / BLOCK)]));
}

/** The fixture's gradient of step k (exact in f32) and initial parameters. */
export function grad(k, n) {
  const g = new Float32Array(n), scale = 2 ** -(k % 5);
  for (let i = 0; i < n; i++) g[i] = f(((((i * 2654435761) + (k + 1) * 40503) % 4093) - 2046) / 2048 * scale);
  return g;
}
export function initParam(n) { return Float32Array.from({ length: n }, (_, i) => f((((i * 7919) % 1999) - 999) / 1000)); }

export function powi(b, t) { let r = 1, x = b; while (t) { if (t & 1) r *= x; x *= x; t >>= 1; } return r; }

/** Kernel scalars as src/optim/bnb8bit.ts forms them. */
export function adamScalars(h, t) {
  const b1 = f(h.betas[0]), b2 = f(h.betas[1]), c1 = 1 - powi(b1, t), c2 = Math.sqrt(1 - powi(b2, t));
  return { b1, omb1: f(1 - b1), b2, omb2: f(1 - b2), stepSize: f(-f(h.lr) * c2 / c1), c2eps: f(f(c2) * f(h.eps)),
    decay: f(1 - f(f(h.lr) * f(h.weightDecay ?? 0))), wd: (h.weightDecay ?? 0) > 0 };
}

/** One 8-bit step of `kind` on one tensor: st = { p, q1, a1, q2?, a2? }. */
export function step8Ref(kind, h, st, g, t, maps) {
  const [m1map, m2map] = maps, n = st.p.length, nb = Math.ceil(n / BLOCK), lr = f(h.lr), wdv = f(h.weightDecay ?? 0);
  const decay = f(1 - f(lr * wdv)), useWd = (h.weightDecay ?? 0) > 0;
  for (let b = 0; b < nb; b++) {
    const i0 = b * BLOCK, i1 = Math.min(n, i0 + BLOCK), o1 = st.a1[b], o2 = st.a2 ? st.a2[b] : 0;
    const s1 = new Float32Array(i1 - i0), s2 = new Float32Array(i1 - i0), ok = [];
    let m1 = -3.4028234663852886e38, m2 = -3.4028234663852886e38;
    if (kind === 'adam') {
      const k = adamScalars(h, t);
      if (i1 - i0 < BLOCK) { m1 = Math.abs(f(f(f(m1map[128] * o1) * k.b1) + f(k.omb1 * 0))); m2 = 0; }
      for (let i = i0; i < i1; i++) {
        const gi = g[i], j = i - i0; ok[j] = Number.isFinite(gi);
        if (ok[j]) {
          s2[j] = f(f(f(m2map[st.q2[i]] * o2) * k.b2) + f(f(k.omb2 * gi) * gi));
          s1[j] = f(f(f(m1map[st.q1[i]] * o1) * k.b1) + f(k.omb1 * gi));
        }
        m1 = Math.max(m1, Math.abs(s1[j])); m2 = Math.max(m2, Math.abs(s2[j]));
      }
      for (let i = i0; i < i1; i++) {
        const j = i - i0;
        if (ok[j]) {
          let p = f(st.p[i] + f(k.stepSize * f(s1[j] / f(f(Math.sqrt(s2[j])) + k.c2eps))));
          if (k.wd) p = f(p * k.decay);
          st.p[i] = p;
        }
        st.q1[i] = quantSigned(s1[j], m1, m1map);
        st.q2[i] = search8(f(s2[j] / m2), m2map, false);
      }
      st.a1[b] = m1; st.a2[b] = m2;
      continue;
    }
    const b1 = f(kind === 'lion' ? h.betas[0] : h.momentum), b2 = kind === 'lion' ? f(h.betas[1]) : 0;
    const omb1 = f(1 - b1), omb2 = f(1 - b2), first = t === 1;
    if (i1 - i0 < BLOCK) {
      const pad = f(m1map[128] * o1);
      m1 = kind === 'lion' ? Math.abs(f(f(pad * b2) + f(omb2 * 0))) : (first ? 0 : Math.abs(f(f(pad * b1) + 0)));
    }
    for (let i = i0; i < i1; i++) {
      const j = i - i0, s = f(m1map[st.q1[i]] * o1), gi = g[i];
      let p = st.p[i];
      if (kind === 'lion') {
        if (useWd) p = f(p * decay);
        const c = f(f(s * b1) + f(omb1 * gi));
        p = f(p - f(lr * ((c > 0 ? 1 : 0) - (c < 0 ? 1 : 0))));
        s1[j] = f(f(s * b2) + f(omb2 * gi));
      } else {
        const d = useWd ? f(gi + f(p * wdv)) : gi;
        s1[j] = first ? d : f(f(s * b1) + d);
        p = f(p - f(lr * s1[j]));
      }
      st.p[i] = p;
      m1 = Math.max(m1, Math.abs(s1[j]));
    }
    for (let i = i0; i < i1; i++) st.q1[i] = quantSigned(s1[i - i0], m1, m1map);
    st.a1[b] = m1;
  }
}
