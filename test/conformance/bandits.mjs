// Cross-runtime conformance of the bandit family: one seeded sequence of 1,000 decisions with learning
// per policy, a context-free one (UCB1) and a contextual one (LinTS, whose decisions draw event-keyed
// normals and Monte Carlo propensities), hashed with SHA-256. Runtime-neutral ESM (no node: imports),
// like trajectory.mjs, so Node, Deno, Bun, Chromium and workerd run the same file.
//
// The environment is integer-seeded (xorshift32) and computed in plain JS (+, ×, comparisons only, so
// every runtime computes the same rewards): UCB1 arms are Bernoulli with integer thresholds; LinTS gets
// a context of DIM f32-exact values per step and reward θ_armᵀx + noise. Each step: decide (eventId
// `s<t>`), record arm, propensity and every score, draw the reward; events are learned in batches of
// 1 to 4. After the last step the policy's statistics (stats()) are recorded too. The hash is over the
// record as f64 little-endian bytes. driveSequence() takes the decide/learn/stats functions, so the JS
// reference in Node (test/conformance/bandits-reference.mjs) runs the very same driver.
import { sha256Hex, xorshift32 } from './trajectory.mjs';

export const BANDIT_STEPS = 1000;
export const BANDIT_SEED = 0xba4d17;
/** Policy options per case (the reference reads them too). */
export const BANDIT_CASES = {
  ucb1: { policy: 'UCB1', options: { arms: 10, alpha: 1, seed: 2 ** 40 + 99 } },
  lints: { policy: 'LinTS', options: { arms: 8, dim: 6, alpha: 0.5, lambda: 1, propensityDraws: 16, seed: 2 ** 35 + 7 } },
};

const u24 = (r) => (r() >>> 8) / 16777216;

/** The seeded environment of a case: { context() -> number[] | null, reward(arm, x) -> number }. */
export function banditEnv(name) {
  const c = BANDIT_CASES[name], K = c.options.arms, r = xorshift32(BANDIT_SEED ^ (name === 'ucb1' ? 1 : 2));
  if (name === 'ucb1') {
    // arm k pays 1 with probability (k + 2)/(K + 4): threshold on the top 24 bits of a draw
    const thr = Array.from({ length: K }, (_, k) => Math.floor(((k + 2) * 16777216) / (K + 4)));
    return { context: () => null, reward: (arm) => ((r() >>> 8) < thr[arm] ? 1 : 0) };
  }
  const d = c.options.dim;
  const theta = Array.from({ length: K }, () => Array.from({ length: d }, () => u24(r) * 2 - 1));
  return {
    context: () => Array.from({ length: d }, () => u24(r) * 2 - 1), // k/2^23 − 1: exact in f32
    reward: (arm, x) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += theta[arm][j] * x[j];
      return s + (u24(r) - 0.5) * 0.2;
    },
  };
}

/**
 * Run one case's sequence through `decide(eventId, x)` -> { arm, propensity, scores },
 * `learn(events)` and `stats()` -> Record<string, Float64Array>. Returns { sha256, arms } (arms: how
 * often each arm was chosen, a readable fact for the test's messages).
 */
export async function driveSequence(name, { decide, learn, stats }) {
  const env = banditEnv(name), K = BANDIT_CASES[name].options.arms;
  const rec = [], count = new Array(K).fill(0);
  let pending = [];
  for (let t = 0; t < BANDIT_STEPS; t++) {
    const eventId = `s${t}`, x = env.context();
    const d = decide(eventId, x);
    rec.push(d.arm, d.propensity, ...d.scores);
    count[d.arm]++;
    const reward = env.reward(d.arm, x);
    pending.push(x ? { eventId, arm: d.arm, reward, context: x } : { eventId, arm: d.arm, reward });
    if (pending.length >= 1 + (t % 4) || t === BANDIT_STEPS - 1) { learn(pending); pending = []; }
  }
  const s = stats();
  for (const k of Object.keys(s).sort()) rec.push(...s[k]);
  return { sha256: await sha256Hex(new Uint8Array(Float64Array.from(rec).buffer)), arms: count };
}

/** Run a case on the library: a fresh engine from `initOptions`, the policy, the sequence. */
export async function runBanditSequence(simdopt, name, initOptions = {}) {
  const c = BANDIT_CASES[name];
  const engine = await simdopt.init(initOptions);
  await engine.ready;
  try {
    const p = new simdopt.bandits[c.policy](engine, c.options);
    const out = await driveSequence(name, {
      decide: (eventId, x) => p.decide(x ? { eventId, context: x } : { eventId }),
      learn: (ev) => p.learn(ev),
      stats: () => p.stats(),
    });
    p.free();
    return { ...out, info: { runtime: engine.info.runtime, simd: engine.info.simd, threads: engine.info.threads, steps: BANDIT_STEPS } };
  } finally {
    await engine.dispose();
  }
}

/** Builds × threads the bandit sequences run under (workerd and non-isolated pages get 1 thread). */
export const BANDIT_CONFIGS = {
  'simd-t1': { threads: 1 },
  'simd-t2': { threads: 2, splitMin: 8 },
  'scalar-t1': { simd: false, threads: 1 },
  'scalar-t2': { simd: false, threads: 2, splitMin: 8 },
};

/** Every case × the named configs: { [case]: { [config]: { sha256, arms, info } | { error } } }. */
export async function runBanditConfigs(simdopt, names = Object.keys(BANDIT_CONFIGS), extraInit = {}) {
  const out = {};
  for (const name of Object.keys(BANDIT_CASES)) {
    out[name] = {};
    for (const cfg of names) {
      try {
        if (!BANDIT_CONFIGS[cfg]) throw new Error(`unknown bandit config ${cfg}`);
        out[name][cfg] = await runBanditSequence(simdopt, name, { ...BANDIT_CONFIGS[cfg], ...extraInit });
      } catch (e) {
        out[name][cfg] = { error: String(e && e.stack || e) };
      }
    }
  }
  return out;
}
