// f64-exact JS references of the randomized context-free policies (src/bandits/randomized.ts,
// src/bandits/thompson.ts), written from their definitions: every operation an IEEE double operation
// in the kernels' order, transcendentals from `M` (the engine's deterministic exp/log/cos/sqrt).
// State `st`: { pulls, rewards, squares[, first] } Float64Arrays; `active`: booleans; `h`: [lo, hi].
import { gammaRef, normalRef, pickRef, uniformRef, zbetaRef } from './reference-bandits.mjs';

const S_EXPLORE = 2, S_UNIFORM = 3, S_SAMPLE = 0x100;
const means = (st, active) => Array.from(st.pulls, (n, k) => (!active[k] ? -Infinity : n > 0 ? st.rewards[k] / n : 0));
const actives = (active) => active.flatMap((a, k) => (a ? [k] : []));

/** ε-greedy: eps fixed, or decay = { c, d } for ε_t = min(1, cK/(d²t)). */
export function egreedyRef(st, active, { eps, decay }, key, h) {
  const scores = Float64Array.from(means(st, active));
  const act = actives(active), Ka = act.length;
  let e = eps;
  if (decay) {
    let t = 0;
    for (let k = 0; k < st.pulls.length; k++) t += st.pulls[k];
    e = decay.c * Ka / (decay.d * decay.d * (t + 1));
    if (!(e < 1)) e = 1;
  }
  const g = pickRef(scores, active, key, h);
  let arm = g.arm;
  if (uniformRef(key, h, S_EXPLORE, 0) < e) arm = act[Math.min(Math.floor(uniformRef(key, h, S_UNIFORM, 0) * Ka), Ka - 1)];
  let p = e / Ka;
  const ties = act.filter((k) => scores[k] === scores[g.arm]).length;
  if (scores[arm] === scores[g.arm]) p += (1 - e) / ties;
  return { arm, propensity: p, scores };
}

/** Softmax with temperature tau. */
export function softmaxRef(st, active, tau, key, h, M) {
  const m = means(st, active), K = m.length;
  let mx = -Infinity;
  for (let k = 0; k < K; k++) if (active[k] && m[k] > mx) mx = m[k];
  const sc = new Float64Array(K);
  let S = 0;
  for (let k = 0; k < K; k++) { if (!active[k]) { sc[k] = -Infinity; continue; } sc[k] = M.exp((m[k] - mx) / tau); S += sc[k]; }
  for (let k = 0; k < K; k++) if (active[k]) sc[k] = sc[k] / S;
  const u = uniformRef(key, h, S_UNIFORM, 0);
  let arm = -1, last = -1, cum = 0;
  for (let k = 0; k < K; k++) {
    if (!active[k]) continue;
    if (sc[k] > 0) last = k;
    cum += sc[k];
    if (cum > u) { arm = k; break; }
  }
  if (arm < 0) arm = last;
  return { arm, propensity: sc[arm], scores: sc };
}

/** Explore-then-commit with m pulls per arm (st has `first`). */
export function etcRef(st, active, m, key, h) {
  const K = st.pulls.length, sc = new Float64Array(K);
  let exploring = false;
  for (let k = 0; k < K; k++) {
    if (!active[k]) sc[k] = -Infinity;
    else if (st.pulls[k] < m) { sc[k] = Infinity; exploring = true; } else sc[k] = st.first[k] / m;
  }
  const r = pickRef(sc, active, key, exploring ? h : [0, 0]);
  return { arm: r.arm, propensity: exploring ? r.propensity : 1, scores: sc };
}
export function etcLearnRef(st, arm, r, m) {
  if (st.pulls[arm] < m) st.first[arm] += r;
  st.pulls[arm] += 1; st.rewards[arm] += r; st.squares[arm] += r * r;
}

/** Posterior draw j of arm k: prior { kind: 'beta', a, b } or { kind: 'gauss', mu0, kap0, al0, be0 }. */
export function tsDrawRef(st, k, prior, key, h, j, M) {
  const n = st.pulls[k], s = st.rewards[k], q = st.squares[k], s0 = S_SAMPLE + k;
  if (prior.kind === 'beta') return zbetaRef(key, h, s0, j, prior.a + s, prior.b + (n - s), M);
  const kn = prior.kap0 + n, mn = (prior.kap0 * prior.mu0 + s) / kn, an = prior.al0 + 0.5 * n;
  let bn = prior.be0;
  if (n > 0) {
    const xb = s / n;
    let ss = q - s * xb;
    if (!(ss > 0)) ss = 0;
    const dm = xb - prior.mu0;
    bn = prior.be0 + 0.5 * ss + prior.kap0 * n * (dm * dm) / (2 * kn);
  }
  const g = gammaRef(key, h, s0, j, an, M);
  const z = normalRef(key, h, (s0 ^ 0x80000000) >>> 0, j, M);
  return mn + z * M.sqrt(bn / (kn * g));
}

/** Thompson sampling decide with `draws` Monte Carlo propensity draws. */
export function tsRef(st, active, prior, draws, key, h, M) {
  const K = st.pulls.length;
  const scores = Float64Array.from({ length: K }, (_, k) => (active[k] ? tsDrawRef(st, k, prior, key, h, 0, M) : -Infinity));
  const { arm } = pickRef(scores, active, key, h);
  let wins = 1;
  for (let m = 1; m <= draws; m++) {
    let best = -Infinity, c = 0, mine = false;
    for (let k = 0; k < K; k++) {
      if (!active[k]) continue;
      let v = tsDrawRef(st, k, prior, key, h, m, M);
      if (Number.isNaN(v)) v = -Infinity;
      if (v > best) { best = v; c = 1; mine = k === arm; } else if (v === best) { c++; if (k === arm) mine = true; }
    }
    if (mine) wins += 1 / c;
  }
  return { arm, propensity: wins / (draws + 1), scores };
}
