// Independent JS references of the regression-oracle contextual policies (LinEpsilonGreedy, SquareCB;
// src/bandits/regression.ts), written from the definitions in assembly/bandits/linreg.ts: the ridge
// regressor is LinUCB's (reference-bandits-linear.mjs), the logistic one an online Newton step per event
// in f64 (dot2's two-lane order; exp/log from the engine, passed in as M), predictions the f32 mean of
// LinUCB's scoring, and the ε-greedy / inverse-gap-weighting distribution sampled by one uniform.
import { uniformRef } from './reference-bandits.mjs';
import { linScoreParts, thetaRef } from './reference-bandits-linear.mjs';

const S_EXPLORE = 2;

function dot2(a, ao, b, bo, d) {
  let e = 0, o = 0, j = 0;
  for (; j + 2 <= d; j += 2) { e += a[ao + j] * b[bo + j]; o += a[ao + j + 1] * b[bo + j + 1]; }
  if (j < d) e += a[ao + j] * b[bo + j];
  return e + o;
}
export const sigmoidRef = (z, M) => 1 / (1 + M.exp(-z));

/** A logistic arm: M = I/λ, θ = 0. */
export function newLogisticArm(d, lambda) {
  const M = new Float64Array(d * d);
  for (let i = 0; i < d; i++) M[i * d + i] = 1 / lambda;
  return { M, b: new Float64Array(d) };                 // b holds θ for the logistic regressor
}
/** One online Newton step of arm `arm` on event (x64, r). */
export function logisticLearnRef(st, arm, x64, r, M) {
  const { d } = st, { M: A, b: th } = st.arms[arm];
  const p = sigmoidRef(dot2(th, 0, x64, 0, d), M);
  const g = p - r, h = p * (1 - p);
  const u = new Float64Array(d);
  for (let i = 0; i < d; i++) u[i] = dot2(A, i * d, x64, 0, d);
  const den = 1 + h * dot2(x64, 0, u, 0, d);
  const cth = g / den, cw = Math.sqrt(h / den);
  for (let i = 0; i < d; i++) th[i] = th[i] - cth * u[i];
  for (let i = 0; i < d; i++) u[i] = u[i] * cw;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] = A[i * d + j] - u[i] * u[j];
}

/**
 * One decision. st: the linear reference state (logistic arms keep θ in `b`, and the mean uses θ
 * directly); mode 'eps' (p1 = ε) or 'squarecb' (p1 = γ₀, p2 = exponent, t = learned + 1).
 */
export function regDecideRef(st, contexts, offered, { regressor, mode, p1, p2 = 0, t = 1 }, key, h, M) {
  const K = st.arms.length, sc = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    if (!offered[k]) { sc[k] = -Infinity; continue; }
    let v = regressor === 'logistic' ? meanDirect(st, k, contexts(k)) : linScoreParts(st, k, contexts(k)).mean;
    if (regressor === 'logistic') v = sigmoidRef(v, M);
    sc[k] = v;
  }
  const gamma = mode === 'squarecb' ? (p2 === 0 ? p1 : p1 * M.exp(p2 * M.log(t))) : 0;
  let n = 0, c = 0, m = -Infinity;
  const val = (k) => (Number.isNaN(sc[k]) ? -Infinity : sc[k]);
  for (let k = 0; k < K; k++) { if (!offered[k]) continue; n++; const v = val(k); if (v > m) { m = v; c = 1; } else if (v === m) c++; }
  if (n === 0) return { arm: -1, propensity: 0, scores: sc };
  let rest = 0;
  if (mode === 'squarecb') for (let k = 0; k < K; k++) { if (!offered[k]) continue; const v = val(k); if (v < m) rest += 1 / (n + gamma * (m - v)); }
  const top = mode === 'eps' ? p1 / n + (1 - p1) / c : (1 - rest) / c, low = mode === 'eps' ? p1 / n : 0;
  const u = uniformRef(key, h, S_EXPLORE, 0);
  let acc = 0, chosen = -1, last = -1, pc = 0, pl = 0;
  const probs = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    if (!offered[k]) continue;
    const v = val(k), p = v === m ? top : mode === 'eps' ? low : 1 / (n + gamma * (m - v));
    probs[k] = p;
    if (p > 0) { last = k; pl = p; }
    acc += p;
    if (chosen < 0 && u < acc) { chosen = k; pc = p; }
  }
  if (chosen < 0) { chosen = last; pc = pl; }
  return { arm: chosen, propensity: pc, scores: sc, probs };
}

/** The f32 mean xᵀθ with θ stored directly (the logistic regressor), in the scoring kernel's lane order. */
function meanDirect(st, arm, xin) {
  const f = Math.fround, { d } = st, dp = (d + 3) & ~3, th = st.arms[arm].b;
  const x = new Array(dp).fill(0), t32 = new Array(dp).fill(0);
  for (let j = 0; j < d; j++) { x[j] = f(xin[j]); t32[j] = f(th[j]); }
  const m = [0, 0, 0, 0];
  for (let j = 0; j < dp; j += 4) for (let l = 0; l < 4; l++) m[l] = f(m[l] + f(t32[j + l] * x[j + l]));
  return f(f(m[0] + m[1]) + f(m[2] + m[3]));
}
/** θ of an arm: A⁻¹b for ridge, the stored vector for logistic. */
export const regThetaRef = (st, arm, regressor) => (regressor === 'logistic' ? Float64Array.from(st.arms[arm].b) : thetaRef(st, arm));
