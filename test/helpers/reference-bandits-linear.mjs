// Independent JS references of the linear contextual policies (LinUCB, LinTS), written from the
// definitions in assembly/bandits/linear.ts: the f64 Sherman–Morrison fold in the two-lane order (plain
// JS doubles are exact), and the f32 scores with Math.fround after every operation in the four-lane
// order. The event-keyed normal comes from reference-bandits.mjs (the engine's ln/cos/sqrt passed as M).
import { normalRef, uniformRef } from './reference-bandits.mjs';

const f = Math.fround;
const S_TIE = 1, S_SAMPLE = 0x100;

/** A reference policy state: per arm M = A⁻¹ (d×d) and b (d), f64. */
export function linState(K, d, lambda) {
  const arms = [];
  for (let k = 0; k < K; k++) arms.push(newArm(d, lambda));
  return { d, lambda, arms, active: new Array(K).fill(true) };
}
export function newArm(d, lambda) {
  const M = new Float64Array(d * d);
  for (let i = 0; i < d; i++) M[i * d + i] = 1 / lambda;
  return { M, b: new Float64Array(d) };
}

/** Σ a_j b_j in the kernels' two-lane order (even j, odd j; an odd d's last term joins the even lane). */
function dot2(a, ao, b, bo, d) {
  let e = 0, o = 0, j = 0;
  for (; j + 2 <= d; j += 2) { e += a[ao + j] * b[bo + j]; o += a[ao + j + 1] * b[bo + j + 1]; }
  if (j < d) e += a[ao + j] * b[bo + j];
  return e + o;
}

/** Sherman–Morrison with w = u/√s (sqrt passed in: IEEE, so Math.sqrt is exact too). */
export function linLearnRef(st, arm, x64, r) {
  const { d } = st, { M, b } = st.arms[arm];
  const u = new Float64Array(d);
  for (let i = 0; i < d; i++) u[i] = dot2(M, i * d, x64, 0, d);
  const s = 1 + dot2(x64, 0, u, 0, d);
  const rs = Math.sqrt(s);
  for (let i = 0; i < d; i++) u[i] = u[i] / rs;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) M[i * d + j] = M[i * d + j] - u[i] * u[j];
  for (let i = 0; i < d; i++) b[i] = b[i] + r * x64[i];
}

/** θ = M b (f64, two-lane order). */
export function thetaRef(st, arm) {
  const { d } = st, { M, b } = st.arms[arm];
  return Float64Array.from({ length: d }, (_, i) => dot2(M, i * d, b, 0, d));
}

/** The f32 score of one arm for context x (plain numbers, rounded to f32 here): { mean, sd: √max(q,0) }. */
export function linScoreParts(st, arm, xin) {
  const { d } = st, dp = (d + 3) & ~3, { M } = st.arms[arm];
  const th = thetaRef(st, arm);
  const x = new Array(dp).fill(0);
  for (let j = 0; j < d; j++) x[j] = f(xin[j]);
  const t32 = new Array(dp).fill(0);
  for (let j = 0; j < d; j++) t32[j] = f(th[j]);
  const m = [0, 0, 0, 0];
  for (let j = 0; j < dp; j += 4) for (let l = 0; l < 4; l++) m[l] = f(m[l] + f(t32[j + l] * x[j + l]));
  const a = [0, 0, 0, 0];
  for (let i = 0; i < d; i++) {
    const len = ((i >> 2) + 1) << 2, r = [0, 0, 0, 0];
    for (let j = 0; j < len; j += 4) for (let l = 0; l < 4; l++) {
      const jj = j + l, p = jj < i ? f(2 * M[i * d + jj]) : jj === i ? f(M[i * d + jj]) : 0;
      r[l] = f(r[l] + f(p * x[jj]));
    }
    for (let l = 0; l < 4; l++) a[l] = f(a[l] + f(x[i] * r[l]));
  }
  const mean = f(f(m[0] + m[1]) + f(m[2] + m[3]));
  const q = f(f(a[0] + a[1]) + f(a[2] + a[3]));
  return { mean, sq: f(Math.sqrt(q > 0 ? q : 0)) };
}

/** pickMax of the family (NaN as -Infinity, ties by draw 0 of stream S_TIE). */
function pick(sc, offered, key, h) {
  let m = -Infinity, c = 0;
  for (let k = 0; k < sc.length; k++) { if (!offered[k]) continue; const v = Number.isNaN(sc[k]) ? -Infinity : sc[k]; if (v > m) { m = v; c = 1; } else if (v === m) c++; }
  if (c === 0) return { arm: -1, ties: 0 };
  let idx = 0;
  if (c > 1) { idx = Math.floor(uniformRef(key, h, S_TIE, 0) * c); if (idx >= c) idx = c - 1; }
  let j = 0;
  for (let k = 0; k < sc.length; k++) { if (!offered[k]) continue; const v = Number.isNaN(sc[k]) ? -Infinity : sc[k]; if (v === m) { if (j === idx) return { arm: k, ties: c }; j++; } }
  return { arm: -1, ties: 0 };
}

/**
 * One decision: contexts(k) gives arm k's context; offered[k] the action set ∧ active arms.
 * mode 'ucb' (coef α) or 'ts' (coef v, draws for the propensity). Returns { arm, propensity, scores }.
 */
export function linDecideRef(st, contexts, offered, mode, coef, key, h, M, draws = 0) {
  const K = st.arms.length, a32 = f(coef);
  const sc = new Float64Array(K), parts = [];
  for (let k = 0; k < K; k++) {
    if (!offered[k]) { sc[k] = -Infinity; parts.push(null); continue; }
    const { mean, sq } = linScoreParts(st, k, contexts(k));
    if (mode === 'ucb') { sc[k] = f(mean + f(a32 * sq)); parts.push(null); } else {
      const sd = f(a32 * sq), z = f(normalRef(key, h, S_SAMPLE + k, 0, M));
      sc[k] = f(mean + f(sd * z)); parts.push({ mean, sd });
    }
  }
  const { arm, ties } = pick(sc, offered, key, h);
  let propensity = arm < 0 ? 0 : 1 / ties;
  if (mode === 'ts' && arm >= 0) {
    let wins = 1;
    for (let m = 1; m <= draws; m++) {
      let best = -Infinity, c = 0, mine = false;
      for (let k = 0; k < K; k++) {
        if (!offered[k]) continue;
        const z = f(normalRef(key, h, S_SAMPLE + k, m, M));
        const s = f(parts[k].mean + f(parts[k].sd * z));
        if (s > best) { best = s; c = 1; mine = k === arm; } else if (s === best) { c++; if (k === arm) mine = true; }
      }
      if (mine) wins += 1 / c;
    }
    propensity = wins / (draws + 1);
  }
  return { arm, propensity, scores: sc };
}
