// Independent JS reference of off-policy evaluation (src/bandits/ope.ts, assembly/bandits/ope.ts),
// written from the estimators' definitions (Open Bandit Pipeline's forms) and Maurer & Pontil's
// empirical Bernstein bound. Every operation is an IEEE double operation in the kernels' order, so
// the results match bit for bit; ln and sqrt come from the engine (M), the bootstrap's draws from
// the Philox reference.
import { philoxRef } from './reference-bandits.mjs';

const u53 = (a, b) => ((a >>> 5) * 67108864 + (b >>> 6)) * 1.1102230246251565e-16;
export const S_BOOTSTRAP = 0x40000001;
export const NAMES = ['ips', 'clippedIps', 'snips', 'dm', 'dr', 'switchDr'];

/** { value, stdError, bootstrap, bernstein } per estimator, maxWeight, effectiveSampleSize. */
export function opeRef({ arms, propensities, rewards, target, rewardModel }, { arms: K, clip = 10, switchTau = 10, level = 0.95, bootstrap: B = 1000, seed = 0 }, M) {
  const n = arms.length;
  let q = rewardModel, qStride = rewardModel && rewardModel.length === n * K ? K : 0;
  if (!q) {
    const s = new Float64Array(K), c = new Float64Array(K);
    for (let i = 0; i < n; i++) { s[arms[i]] += rewards[i]; c[arms[i]] += 1; }
    q = Array.from(s, (x, k) => (c[k] > 0 ? x / c[k] : 0));
  }
  const T = Array.from({ length: 6 }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const a = arms[i], w = target[i * K + a] / propensities[i], r = rewards[i];
    let dm = 0;
    for (let k = 0; k < K; k++) dm += target[i * K + k] * q[i * qStride + k];
    const res = w * (r - q[i * qStride + a]);
    T[0][i] = w; T[1][i] = w * r; T[2][i] = (w < clip ? w : clip) * r; T[3][i] = dm; T[4][i] = dm + res; T[5][i] = w <= switchTau ? dm + res : dm;
  }
  let sw = 0, swr = 0, sw2 = 0, wmax = 0;
  for (let i = 0; i < n; i++) { sw += T[0][i]; swr += T[1][i]; }
  for (let i = 0; i < n; i++) { const w = T[0][i]; sw2 += w * w; if (w > wmax) wmax = w; }
  const snips = sw > 0 ? swr / sw : 0, wbar = sw / n;
  const z = (e, i) => (e < 2 ? T[e + 1][i] : e === 2 ? (wbar > 0 ? snips + (T[1][i] - T[0][i] * snips) / wbar : 0) : T[e][i]);
  let boot = null;
  if (B > 0) {
    const key = [seed % 4294967296, Math.floor(seed / 4294967296)];
    boot = Array.from({ length: 6 }, () => new Float64Array(B));
    for (let b = 0; b < B; b++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, w4;
      for (let j = 0; j < n; j++) {
        if ((j & 1) === 0) w4 = philoxRef([b, 0x4f504521, S_BOOTSTRAP, j >> 1], key);
        const u = (j & 1) === 0 ? u53(w4[0], w4[1]) : u53(w4[2], w4[3]);
        let i = Math.floor(u * n);
        if (i >= n) i = n - 1;
        s0 += T[0][i]; s1 += T[1][i]; s2 += T[2][i]; s3 += T[3][i]; s4 += T[4][i]; s5 += T[5][i];
      }
      boot[0][b] = s1 / n; boot[1][b] = s2 / n; boot[2][b] = s0 > 0 ? s1 / s0 : 0; boot[3][b] = s3 / n; boot[4][b] = s4 / n; boot[5][b] = s5 / n;
    }
    for (const r of boot) r.sort((x, y) => x - y);
  }
  const alpha = 1 - level, L = M.log(4 / alpha), estimates = {};
  NAMES.forEach((name, e) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += z(e, i);
    const mean = e === 2 ? snips : s / n;
    let v = 0, lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) { const x = z(e, i), d = x - mean; v += d * d; if (x < lo) lo = x; if (x > hi) hi = x; }
    const V = n > 1 ? v / (n - 1) : 0, half = M.sqrt((2 * V * L) / n) + (7 * (hi - lo) * L) / (3 * (n - 1));
    const bi = boot ? [boot[e][Math.floor(((B - 1) * alpha) / 2)], boot[e][Math.ceil((B - 1) * (1 - alpha / 2))]] : null;
    estimates[name] = { value: mean, stdError: M.sqrt(V / n), bootstrap: bi, bernstein: [mean - half, mean + half] };
  });
  return { n, maxWeight: wmax, effectiveSampleSize: sw2 > 0 ? (sw * sw) / sw2 : 0, estimates };
}
