// Adversarial bandits and experts (src/bandits/adversarial.ts): EXP3 (both forms), EXP3-IX, EXP3.P,
// Tsallis-INF, Hedge, Fixed-Share and EXP4. Per copy: header[0] = t (events learned so far), then one
// per-arm slot S at offset 2 (the cumulative estimate: gains, losses or log-weights, by policy), and
// for EXP4 the experts' cumulative estimated gains in the header (header[1 .. 1 + N)).
// Weights live in the log domain: probabilities are a max-shifted softmax of η·S (exp_f64 of values
// <= 0), so nothing overflows however large the cumulative estimates grow. Every loop is scalar f64 in
// arm order (no SIMD: the exp/log are scalar fdlibm), so every build gives the same bits.
import { exp_f64, log_f64 } from '../core/math';
import { uniform } from '../core/rng';
import { f64at, setf64, active, S_DRAW } from './common';

// The schedules of η (and of EXP3-IX's γ). t = events learned + 1 (the index of the coming round),
// Ka = active arms. 0: c; 1: c·√(ln Ka / (Ka·t)); 2: c·√(ln Ka / t); 3: c/√t; 4: c/Ka; 5: c·√(ln Ka / Ka);
// 6: c·√(ln Ka) (5 and 6: the horizon-tuned constants, c carrying √(1/T)).
function rate(mode: i32, c: f64, t: f64, Ka: f64): f64 {
  if (mode == 0) return c;
  if (mode == 1) return c * Math.sqrt(log_f64(Ka) / (Ka * t));
  if (mode == 2) return c * Math.sqrt(log_f64(Ka) / t);
  if (mode == 3) return c / Math.sqrt(t);
  if (mode == 4) return c / Ka;
  if (mode == 5) return c * Math.sqrt(log_f64(Ka) / Ka);
  return c * Math.sqrt(log_f64(Ka));
}

function activeCount(mask: usize, K: i32): i32 {
  let n = 0;
  for (let k = 0; k < K; k++) if (active(mask, k)) n++;
  return n;
}

/**
 * Draw an arm from probabilities p[0..K) (zero on removed arms): u = draw 0 of stream S_DRAW, arm k is
 * chosen when u·Σp falls in [c_{k-1}, c_k) (c = running sum in arm order); if rounding leaves u·Σp at
 * or past the last sum, the last arm with p > 0. Writes the arm and its probability p_k.
 */
function draw(p: usize, K: i32, k0: u32, k1: u32, h: usize, outArm: usize, outProp: usize, r: i32): void {
  let tot: f64 = 0;
  for (let k = 0; k < K; k++) tot += f64at(p, k);
  const x = uniform(k0, k1, load<u32>(h), load<u32>(h + 4), S_DRAW, 0) * tot;
  let c: f64 = 0, arm = -1, last = -1;
  for (let k = 0; k < K; k++) {
    const v = f64at(p, k);
    if (v > 0.0) last = k;
    c += v;
    if (x < c) { arm = k; break; }
  }
  if (arm < 0) arm = last;
  store<i32>(outArm + (<usize>r << 2), arm);
  setf64(outProp, r, arm < 0 ? 0.0 : f64at(p, arm));
}

/** p = (1 - γ)·softmax(η·S over active arms) + γ/Ka (max-shifted: exp of values <= 0), 0 on removed arms. */
function mixSoftmax(S: usize, K: i32, mask: usize, eta: f64, gamma: f64, Ka: f64, sc: usize): void {
  let m: f64 = -Infinity;
  for (let k = 0; k < K; k++) if (active(mask, k)) { const z = eta * f64at(S, k); if (z > m) m = z; }
  let sum: f64 = 0;
  for (let k = 0; k < K; k++) {
    let w: f64 = 0;
    if (active(mask, k)) { w = exp_f64(eta * f64at(S, k) - m); sum += w; }
    setf64(sc, k, w);
  }
  const g = gamma / Ka, a = 1.0 - gamma;
  for (let k = 0; k < K; k++) if (active(mask, k)) setf64(sc, k, a * (f64at(sc, k) / sum) + g);
}

/**
 * Exponential-weights decide (EXP3 in both forms, EXP3-IX, EXP3.P, Hedge, Fixed-Share): for copy r,
 * η = rate(etaMode, etaC, t, Ka), scores = p = (1 - γ)·softmax(sign·η·S) + γ/Ka (sign -1 for losses),
 * and an arm drawn from p with its exact probability.
 */
export function bd_exp_decide(start: i32, end: i32, state: usize, stride: i32, K: i32, mask: usize,
                              k0: u32, k1: u32, hashes: usize, etaMode: i32, etaC: f64, gamma: f64, sign: f64,
                              outArm: usize, outProp: usize, outScores: usize): void {
  const Ka = <f64>activeCount(mask, K);
  for (let r = start; r < end; r++) {
    const base = state + (<usize>r * <usize>stride << 3);
    const t = f64at(base, 0) + 1.0;
    const sc = outScores + (<usize>r * <usize>K << 3);
    mixSoftmax(base + 16, K, mask, sign * rate(etaMode, etaC, t, Ka), gamma, Ka, sc);
    for (let k = 0; k < K; k++) if (!active(mask, k)) setf64(sc, k, 0.0);
    draw(sc, K, k0, k1, hashes + (<usize>r << 3), outArm, outProp, r);
  }
}

/**
 * Tsallis-INF (α = 1/2) decide: p_k = 4/(η(L_k - x))² with x < min L chosen so that Σp = 1, η = etaC/√t.
 * With d_k = L_k - min L and y = min L - x: f(y) = Σ 4/(η(d_k + y))² - 1 is convex and decreasing; Newton
 * y <- y + (Σp - 1)/(η Σ p^{3/2}) from y = 2/η (where f >= 0) rises monotonically to the root; it stops
 * when y stops increasing (at most 100 steps). p is then divided by its sum.
 */
export function bd_tsallis_decide(start: i32, end: i32, state: usize, stride: i32, K: i32, mask: usize,
                                  k0: u32, k1: u32, hashes: usize, etaC: f64, outArm: usize, outProp: usize, outScores: usize): void {
  for (let r = start; r < end; r++) {
    const base = state + (<usize>r * <usize>stride << 3), L = base + 16;
    const eta = etaC / Math.sqrt(f64at(base, 0) + 1.0);
    const sc = outScores + (<usize>r * <usize>K << 3);
    let m: f64 = Infinity;
    for (let k = 0; k < K; k++) if (active(mask, k) && f64at(L, k) < m) m = f64at(L, k);
    let y = 2.0 / eta;
    for (let it = 0; it < 100; it++) {
      let s: f64 = 0, s3: f64 = 0;
      for (let k = 0; k < K; k++) {
        if (!active(mask, k)) continue;
        const q = 2.0 / (eta * (f64at(L, k) - m + y));
        const w = q * q;
        s += w; s3 += w * q;
      }
      // q = 2/(η(d + y)): p = q², p^{3/2} = q³, f'(y) = -η·Σq³
      const y2 = y + (s - 1.0) / (eta * s3);
      if (!(y2 > y)) break;
      y = y2;
    }
    let sum: f64 = 0;
    for (let k = 0; k < K; k++) {
      let w: f64 = 0;
      if (active(mask, k)) { const q = 2.0 / (eta * (f64at(L, k) - m + y)); w = q * q; sum += w; }
      setf64(sc, k, w);
    }
    for (let k = 0; k < K; k++) setf64(sc, k, f64at(sc, k) / sum);
    draw(sc, K, k0, k1, hashes + (<usize>r << 3), outArm, outProp, r);
  }
}

/**
 * Fold n bandit-feedback events in order into the cumulative estimates S of copy copies[i] (the caller
 * checked them): event i played arms[i] with probability props[i] at decision time (probs: the whole
 * decision vector, K values per event, for kinds 3 and 4) and got reward x = rewards[i] in [0, 1]
 * (loss ℓ = 1 - x). t = events learned + 1 before the event.
 *   kind 0 (EXP3, gains):          S_a += x/p
 *   kind 1 (losses, IW):           S_a += ℓ/p
 *   kind 2 (EXP3-IX):              S_a += ℓ/(p + γ_t), γ_t = rate(gMode, gC, t, Ka)
 *   kind 3 (EXP3.P, gains):        S_i += [i = a]·x/p + α/(p_i·√(Ka·T)) for every active i (c1 = α, c2 = T)
 *   kind 4 (Tsallis-INF, RV):      B_i = ½·[p_i >= η_t²], η_t = c1/√t; S_a += (ℓ - B_a)/p + B_a, S_i += B_i (i ≠ a)
 * then t += 1.
 */
export function bd_exp_learn(state: usize, stride: i32, K: i32, mask: usize, n: i32, copies: usize, arms: usize,
                             rewards: usize, props: usize, probs: usize, kind: i32, gMode: i32, c1: f64, c2: f64): void {
  const Ka = <f64>activeCount(mask, K);
  for (let i = 0; i < n; i++) {
    const base = state + (<usize>load<i32>(copies + (<usize>i << 2)) * <usize>stride << 3), S = base + 16;
    const a = load<i32>(arms + (<usize>i << 2));
    const x = f64at(rewards, i), p = f64at(props, i);
    const t = f64at(base, 0) + 1.0;
    if (kind == 0) setf64(S, a, f64at(S, a) + x / p);
    else if (kind == 1) setf64(S, a, f64at(S, a) + (1.0 - x) / p);
    else if (kind == 2) setf64(S, a, f64at(S, a) + (1.0 - x) / (p + rate(gMode, c1, t, Ka)));
    else if (kind == 3) {
      const pv = probs + (<usize>i * <usize>K << 3), b = Math.sqrt(Ka * c2);
      for (let k = 0; k < K; k++) {
        if (!active(mask, k)) continue;
        let g = c1 / (f64at(pv, k) * b);
        if (k == a) g = x / p + g;
        setf64(S, k, f64at(S, k) + g);
      }
    } else {
      const pv = probs + (<usize>i * <usize>K << 3), eta = c1 / Math.sqrt(t), e2 = eta * eta;
      for (let k = 0; k < K; k++) {
        if (!active(mask, k)) continue;
        const B: f64 = f64at(pv, k) >= e2 ? 0.5 : 0.0;
        setf64(S, k, f64at(S, k) + (k == a ? (1.0 - x - B) / p + B : B));
      }
    }
    setf64(base, 0, t);
  }
}

/**
 * Full-information fold (Hedge, Fixed-Share): event i gives every arm its reward vectors[i·K + k] in
 * [0, 1]; removed arms are left as they are. Hedge (share < 0): S_k += x_k (cumulative rewards; η is
 * applied at decide time). Fixed-Share (share = α in [0, 1]): S holds normalized log-weights;
 * S_k += η_t·x_k, then S_k <- ln((1 - α)·e^{S_k - M}/Σ + α/Ka) with M = max S, Σ = Σ e^{S_j - M}
 * (Herbster & Warmuth's share step, in the log domain). Then t += 1.
 */
export function bd_hedge_learn(state: usize, stride: i32, K: i32, mask: usize, n: i32, copies: usize, vectors: usize,
                               share: f64, etaMode: i32, etaC: f64): void {
  const Ka = <f64>activeCount(mask, K);
  for (let i = 0; i < n; i++) {
    const base = state + (<usize>load<i32>(copies + (<usize>i << 2)) * <usize>stride << 3), S = base + 16;
    const v = vectors + (<usize>i * <usize>K << 3);
    const t = f64at(base, 0) + 1.0;
    if (share < 0.0) {
      for (let k = 0; k < K; k++) if (active(mask, k)) setf64(S, k, f64at(S, k) + f64at(v, k));
    } else {
      const eta = rate(etaMode, etaC, t, Ka);
      let m: f64 = -Infinity;
      for (let k = 0; k < K; k++) {
        if (!active(mask, k)) continue;
        const z = f64at(S, k) + eta * f64at(v, k);
        setf64(S, k, z);
        if (z > m) m = z;
      }
      let sum: f64 = 0;
      for (let k = 0; k < K; k++) if (active(mask, k)) sum += exp_f64(f64at(S, k) - m);
      const g = share / Ka, a = 1.0 - share;
      for (let k = 0; k < K; k++) if (active(mask, k)) setf64(S, k, log_f64(a * (exp_f64(f64at(S, k) - m) / sum) + g));
    }
    setf64(base, 0, t);
  }
}

/**
 * EXP4 decide (copy 0): q = softmax(η·G) over the N experts (G = header[1 .. 1+N), η = γ/Ka),
 * p_k = (1 - γ)·Σ_j q_j·advice[j·K + k] + γ/Ka over active arms, and an arm drawn from p. `work` holds N f64.
 */
export function bd_exp4_decide(state: usize, K: i32, N: i32, mask: usize, k0: u32, k1: u32, hashes: usize, advice: usize,
                               gamma: f64, work: usize, outArm: usize, outProp: usize, outScores: usize): void {
  const Ka = <f64>activeCount(mask, K), eta = gamma / Ka, G = state + 8;
  let m: f64 = -Infinity;
  for (let j = 0; j < N; j++) { const z = eta * f64at(G, j); if (z > m) m = z; }
  let sum: f64 = 0;
  for (let j = 0; j < N; j++) { const w = exp_f64(eta * f64at(G, j) - m); setf64(work, j, w); sum += w; }
  for (let j = 0; j < N; j++) setf64(work, j, f64at(work, j) / sum);
  const g = gamma / Ka, a = 1.0 - gamma;
  for (let k = 0; k < K; k++) {
    if (!active(mask, k)) { setf64(outScores, k, 0.0); continue; }
    let s: f64 = 0;
    for (let j = 0; j < N; j++) s += f64at(work, j) * f64at(advice, j * K + k);
    setf64(outScores, k, a * s + g);
  }
  draw(outScores, K, k0, k1, hashes, outArm, outProp, 0);
}

/** EXP4 fold: event i (arm a, reward x, propensity p, advice N×K at advice + i·N·K): G_j += advice_j(a)·x/p; t += 1. */
export function bd_exp4_learn(state: usize, K: i32, N: i32, n: i32, arms: usize, rewards: usize, props: usize, advice: usize): void {
  const G = state + 8;
  for (let i = 0; i < n; i++) {
    const a = load<i32>(arms + (<usize>i << 2));
    const xh = f64at(rewards, i) / f64at(props, i);
    const adv = advice + (<usize>i * <usize>N * <usize>K << 3);
    for (let j = 0; j < N; j++) setf64(G, j, f64at(G, j) + f64at(adv, j * K + a) * xh);
    setf64(state, 0, f64at(state, 0) + 1.0);
  }
}

/**
 * The per-event terms that bd_exp_learn (kinds 0, 1, 2 with a round-free γ schedule, 3), bd_hedge_learn
 * (kind 5: Hedge, share < 0; `probs` holds the reward vectors) and bd_exp4_learn (kind 6: the experts'
 * terms; `probs` holds the advice, K = arms, N = experts) add to the cumulative estimates, as (index,
 * term) pairs to outIdx/outVals in event order, then arm (expert) order: the terms of a mergeable
 * delta (src/bandits/delta.ts). They are the same f64 expressions as the learn kernels', so one event
 * per index gives learn's bits; kind 2's γ is rate(gMode, c1, 1, Ka) (the caller passes only schedules
 * that do not depend on the round). Returns the number of pairs.
 */
export function bd_exp_terms(K: i32, N: i32, mask: usize, n: i32, arms: usize, rewards: usize, props: usize, probs: usize,
                             kind: i32, gMode: i32, c1: f64, c2: f64, outIdx: usize, outVals: usize): i32 {
  const Ka = <f64>activeCount(mask, K);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (kind == 5) {
      const v = probs + (<usize>i * <usize>K << 3);
      for (let k = 0; k < K; k++) {
        if (!active(mask, k)) continue;
        store<i32>(outIdx + (<usize>m << 2), k); setf64(outVals, m, f64at(v, k)); m++;
      }
      continue;
    }
    const a = load<i32>(arms + (<usize>i << 2));
    const x = f64at(rewards, i), p = f64at(props, i);
    if (kind == 6) {
      const xh = x / p, adv = probs + (<usize>i * <usize>N * <usize>K << 3);
      for (let j = 0; j < N; j++) { store<i32>(outIdx + (<usize>m << 2), j); setf64(outVals, m, f64at(adv, j * K + a) * xh); m++; }
    } else if (kind == 3) {
      const pv = probs + (<usize>i * <usize>K << 3), b = Math.sqrt(Ka * c2);
      for (let k = 0; k < K; k++) {
        if (!active(mask, k)) continue;
        let g = c1 / (f64at(pv, k) * b);
        if (k == a) g = x / p + g;
        store<i32>(outIdx + (<usize>m << 2), k); setf64(outVals, m, g); m++;
      }
    } else {
      const v = kind == 0 ? x / p : kind == 1 ? (1.0 - x) / p : (1.0 - x) / (p + rate(gMode, c1, 1.0, Ka));
      store<i32>(outIdx + (<usize>m << 2), a); setf64(outVals, m, v); m++;
    }
  }
  return m;
}
