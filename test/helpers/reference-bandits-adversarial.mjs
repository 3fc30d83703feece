// Independent JS references of the adversarial policies (src/bandits/adversarial.ts), written from the
// papers' definitions and the documented parametrisation (option defaults included), with every
// operation an IEEE double operation in the kernels' order; exp/log/sqrt are the engine's deterministic
// routines passed in as M (never the host's Math). State per copy: { t, S: Float64Array } (Exp4: G).
import { uniformRef } from './reference-bandits.mjs';

const S_DRAW = 4;
const E_MINUS_1 = 1.718281828459045;

/** The documented defaults: options (as given) -> the checked options the policy saves. */
export function resolveOptions(kind, o, K, M) {
  const T = o.horizon ?? 0;
  switch (kind) {
    case 'EXP3': return { horizon: T, gamma: o.gamma ?? (T > 0 && K > 1 ? Math.min(1, M.sqrt((K * M.log(K)) / (E_MINUS_1 * T))) : 0), eta: o.eta ?? 0 };
    case 'EXP3IX': return { eta: o.eta ?? 0, horizon: T, gamma: o.gamma ?? 'eta/2' };
    case 'EXP3P': {
      const d = o.delta ?? 0.05;
      return { horizon: T, delta: d, alpha: o.alpha ?? 2 * M.sqrt(M.log((K * T) / d)), gamma: o.gamma ?? (K > 1 ? Math.min(0.6, 2 * M.sqrt((0.6 * K * M.log(K)) / T)) : 0.6) };
    }
    case 'TsallisINF': { const est = o.estimator ?? 'rv'; return { estimator: est, eta0: o.eta0 ?? (est === 'rv' ? 4 : 2) }; }
    case 'Hedge': return { eta: o.eta ?? 0, horizon: T };
    case 'FixedShare': return { eta: o.eta ?? 0, horizon: T, share: o.share ?? (T > 0 ? 1 / T : 0.01) };
    case 'EXP4': {
      const N = o.experts;
      return { experts: N, horizon: T, gamma: o.gamma ?? (T > 0 && N > 1 ? Math.min(1, M.sqrt((K * M.log(N)) / (E_MINUS_1 * T))) : 0.1) };
    }
    default: throw new Error(kind);
  }
}

/** η (or γ) at round t with Ka active arms: 0 c; 1 c√(ln Ka/(Ka t)); 2 c√(ln Ka/t); 3 c/√t; 4 c/Ka; 5 c√(ln Ka/Ka); 6 c√(ln Ka). */
export function rateRef(mode, c, t, Ka, M) {
  if (mode === 0) return c;
  if (mode === 1) return c * M.sqrt(M.log(Ka) / (Ka * t));
  if (mode === 2) return c * M.sqrt(M.log(Ka) / t);
  if (mode === 3) return c / M.sqrt(t);
  if (mode === 4) return c / Ka;
  if (mode === 5) return c * M.sqrt(M.log(Ka) / Ka);
  return c * M.sqrt(M.log(Ka));
}

/** The policy's decide parameters [etaMode, etaC, gamma, sign] from its resolved options (as documented). */
export function decideParams(kind, h, M) {
  switch (kind) {
    case 'EXP3':
      if (h.gamma > 0) return h.eta > 0 ? [0, h.eta, h.gamma, 1] : [4, h.gamma, h.gamma, 1];
      if (h.eta > 0) return [0, h.eta, 0, -1];
      return h.horizon > 0 ? [5, M.sqrt(2 / h.horizon), 0, -1] : [1, 1, 0, -1];
    case 'EXP3IX': return [...ixEta(h, M), 0, -1];
    case 'EXP3P': return [4, h.gamma / 3, h.gamma, 1];
    case 'Hedge': return [...hedgeEta(h, M), 0, 1];
    case 'FixedShare': return [0, 1, 0, 1];
    default: throw new Error(kind);
  }
}
const ixEta = (h, M) => (h.eta > 0 ? [0, h.eta] : h.horizon > 0 ? [5, M.sqrt(2 / h.horizon)] : [1, M.sqrt(2)]);
const hedgeEta = (h, M) => (h.eta > 0 ? [0, h.eta] : h.horizon > 0 ? [6, M.sqrt(8 / h.horizon)] : [2, M.sqrt(8)]);
/** [kind, gMode, c1, c2] of the bandit-feedback fold. */
export function learnParams(kind, h, M) {
  switch (kind) {
    case 'EXP3': return [h.gamma > 0 ? 0 : 1, 0, 0, 0];
    case 'EXP3IX': { if (h.gamma !== 'eta/2') return [2, 0, h.gamma, 0]; const [m, c] = ixEta(h, M); return [2, m, c / 2, 0]; }
    case 'EXP3P': return [3, 0, h.alpha, h.horizon];
    case 'TsallisINF': return [h.estimator === 'rv' ? 4 : 1, 0, h.eta0, 0];
    default: throw new Error(kind);
  }
}
export const hedgeParams = (kind, h, M) => (kind === 'Hedge' ? [-1, 0, 0] : [h.share, ...hedgeEta(h, M)]);

const count = (active) => active.reduce((n, a) => n + (a ? 1 : 0), 0);

/** Draw from p (0 on removed arms) with draw 0 of stream S_DRAW: { arm, propensity }. */
export function drawRef(p, key, h) {
  let tot = 0;
  for (let k = 0; k < p.length; k++) tot += p[k];
  const x = uniformRef(key, h, S_DRAW, 0) * tot;
  let c = 0, arm = -1, last = -1;
  for (let k = 0; k < p.length; k++) {
    if (p[k] > 0) last = k;
    c += p[k];
    if (x < c) { arm = k; break; }
  }
  if (arm < 0) arm = last;
  return { arm, propensity: arm < 0 ? 0 : p[arm] };
}

/** Exponential-weights decide: p = (1 - γ) softmax(sign·η·S) + γ/Ka over the active arms. */
export function expDecideRef(st, active, [mode, c, gamma, sign], key, h, M) {
  const K = st.S.length, Ka = count(active), t = st.t + 1;
  const eta = sign * rateRef(mode, c, t, Ka, M);
  let m = -Infinity;
  for (let k = 0; k < K; k++) if (active[k]) { const z = eta * st.S[k]; if (z > m) m = z; }
  const p = new Float64Array(K);
  let sum = 0;
  for (let k = 0; k < K; k++) if (active[k]) { p[k] = M.exp(eta * st.S[k] - m); sum += p[k]; }
  const g = gamma / Ka, a = 1 - gamma;
  for (let k = 0; k < K; k++) if (active[k]) p[k] = a * (p[k] / sum) + g;
  return { ...drawRef(p, key, h), scores: p };
}

/** Tsallis-INF decide: p_k = 4/(η(L_k - x))², Newton on y = min L - x from 2/η. */
export function tsallisDecideRef(st, active, eta0, key, h, M) {
  const K = st.S.length, L = st.S, eta = eta0 / M.sqrt(st.t + 1);
  let m = Infinity;
  for (let k = 0; k < K; k++) if (active[k] && L[k] < m) m = L[k];
  let y = 2 / eta;
  for (let it = 0; it < 100; it++) {
    let s = 0, s3 = 0;
    for (let k = 0; k < K; k++) {
      if (!active[k]) continue;
      const q = 2 / (eta * (L[k] - m + y));
      const w = q * q;
      s += w; s3 += w * q;
    }
    const y2 = y + (s - 1) / (eta * s3);
    if (!(y2 > y)) break;
    y = y2;
  }
  const p = new Float64Array(K);
  let sum = 0;
  for (let k = 0; k < K; k++) if (active[k]) { const q = 2 / (eta * (L[k] - m + y)); p[k] = q * q; sum += p[k]; }
  for (let k = 0; k < K; k++) p[k] = p[k] / sum;
  return { ...drawRef(p, key, h), scores: p };
}

/** Bandit-feedback fold of one event (arm a, reward x, propensity p, decision vector pv). */
export function expLearnRef(st, active, a, x, p, pv, [kind, gMode, c1, c2], M) {
  const K = st.S.length, Ka = count(active), t = st.t + 1, S = st.S;
  if (kind === 0) S[a] = S[a] + x / p;
  else if (kind === 1) S[a] = S[a] + (1 - x) / p;
  else if (kind === 2) S[a] = S[a] + (1 - x) / (p + rateRef(gMode, c1, t, Ka, M));
  else if (kind === 3) {
    const b = M.sqrt(Ka * c2);
    for (let k = 0; k < K; k++) {
      if (!active[k]) continue;
      let g = c1 / (pv[k] * b);
      if (k === a) g = x / p + g;
      S[k] = S[k] + g;
    }
  } else {
    const eta = c1 / M.sqrt(t), e2 = eta * eta;
    for (let k = 0; k < K; k++) {
      if (!active[k]) continue;
      const B = pv[k] >= e2 ? 0.5 : 0;
      S[k] = S[k] + (k === a ? (1 - x - B) / p + B : B);
    }
  }
  st.t = t;
}

/** Full-information fold of one reward vector v (Hedge: share < 0; Fixed-Share: share = α). */
export function hedgeLearnRef(st, active, v, [share, mode, c], M) {
  const K = st.S.length, Ka = count(active), t = st.t + 1, S = st.S;
  if (share < 0) { for (let k = 0; k < K; k++) if (active[k]) S[k] = S[k] + v[k]; } else {
    const eta = rateRef(mode, c, t, Ka, M);
    let m = -Infinity;
    for (let k = 0; k < K; k++) { if (!active[k]) continue; S[k] = S[k] + eta * v[k]; if (S[k] > m) m = S[k]; }
    let sum = 0;
    for (let k = 0; k < K; k++) if (active[k]) sum += M.exp(S[k] - m);
    const g = share / Ka, a = 1 - share;
    for (let k = 0; k < K; k++) if (active[k]) S[k] = M.log(a * (M.exp(S[k] - m) / sum) + g);
  }
  st.t = t;
}

/** EXP4 decide: q = softmax(η G) over experts (η = γ/Ka), p_k = (1-γ) Σ_j q_j advice[j·K+k] + γ/Ka. */
export function exp4DecideRef(st, active, gamma, advice, key, h, M) {
  const K = active.length, N = st.G.length, Ka = count(active), eta = gamma / Ka;
  let m = -Infinity;
  for (let j = 0; j < N; j++) { const z = eta * st.G[j]; if (z > m) m = z; }
  const q = new Float64Array(N);
  let sum = 0;
  for (let j = 0; j < N; j++) { q[j] = M.exp(eta * st.G[j] - m); sum += q[j]; }
  for (let j = 0; j < N; j++) q[j] = q[j] / sum;
  const g = gamma / Ka, a = 1 - gamma, p = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    if (!active[k]) continue;
    let s = 0;
    for (let j = 0; j < N; j++) s += q[j] * advice[j * K + k];
    p[k] = a * s + g;
  }
  return { ...drawRef(p, key, h), scores: p };
}
export function exp4LearnRef(st, K, a, x, p, advice) {
  const xh = x / p;
  for (let j = 0; j < st.G.length; j++) st.G[j] = st.G[j] + advice[j * K + a] * xh;
  st.t += 1;
}
