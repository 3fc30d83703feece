// bandits.simulate with the contextual policies that need more than a context vector: HybridLinUCB
// (an env with shared features: Li et al.'s hybrid model μ_a = xᵀθ_a + z_aᵀβ, z_a drawn per arm in
// wasm) and DLinUCB / SWLinUCB (one θ, a feature vector per arm: they see the disjoint env in its
// exact one-θ block form e_a ⊗ x, dim K·d), on stationary and drifting (piecewise-constant θ) linear
// environments. The env kernels against their JS reference bit for bit; each simulated policy equals
// the same policy driven by hand through its serving API with the reference's contexts and rewards
// (same pulls, same regret); results identical across builds; the drifting policies beat stationary
// LinUCB on a drifting env by a stated factor; typed refusals.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init, bandits, InvalidArgumentError } from '../dist/index.js';
import { blockRef, hybridRef, keyOf, linearRef, S_ENV } from './helpers/reference-envs.mjs';
import { normalRef } from './helpers/reference-bandits.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const mathOf = (e) => ({ log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), cos: (x) => e.cos(x), exp: (x) => e.exp(x) });
const same = (a, b, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const THETA = [[1, 0], [0, 1], [0.5, 0.5]];
const BETA = [0.8, -0.6];

test('env kernels: hybrid contexts, shared features and means, and the block features, bit for bit the reference', async () => {
  const e = await init({ threads: 1 });
  const M = mathOf(e), R = 5, d = 2, K = 3, k = 2, [k0, k1] = keyOf(31);
  const th = e.from(THETA.flat(), { dtype: 'f64' }), be = e.from(BETA, { dtype: 'f64' });
  const ctx = e.alloc(R * d, 'f64'), z = e.alloc(R * K * k, 'f64'), mu = e.alloc(R * K, 'f64'), best = e.alloc(R, 'f64'), blk = e.alloc(R * K * K * d, 'f64');
  e.run('bd_env_hybrid_ctx', R, [d, K, th.ptr, k, be.ptr, k0, k1, 9, ctx.ptr, z.ptr, mu.ptr, best.ptr], 1, 1);
  const want = Array.from({ length: R }, (_, r) => hybridRef(THETA, d, BETA, keyOf(31), r, 9, M));
  same(ctx.array.slice(), want.flatMap((w) => w.x), 'x');
  same(ctx.array.slice(), Array.from({ length: R }, (_, r) => linearRef(THETA, d, keyOf(31), r, 9, M).x).flat(), 'x as the plain linear env');
  same(z.array.slice(), want.flatMap((w) => w.z.flat()), 'z');
  same(mu.array.slice(), want.flatMap((w) => w.mu), 'means');
  same(best.array.slice(), want.map((w) => w.best), 'best');
  blk.array.fill(7);
  e.run('bd_env_block_ctx', R, [d, K, ctx.ptr, blk.ptr], 1, 1);
  same(blk.array.slice(), want.flatMap((w) => blockRef(w.x, K).flat()), 'block features');
  for (const b of [th, be, ctx, z, mu, best, blk]) b.free();
  await e.dispose();
});

/** The simulation by hand: R instances through decideBatch/learn, contexts and rewards from the reference. */
function byHand(e, C, options, env, T, R, seed, form) {
  const M = mathOf(e), K = env.theta.length, d = env.theta[0].length, key = keyOf(env.seed);
  const pols = Array.from({ length: R }, () => new C(e, { seed, ...options, arms: K, dedupWindow: 0 }));
  const pulls = new Float64Array(R * K), regret = new Float64Array(R);
  for (let t = 0; t < T; t++) {
    let th = env.theta;
    (env.changePoints ?? []).forEach((c, i) => { if (t >= c) th = env.thetas[i]; });
    for (let r = 0; r < R; r++) {
      const w = env.shared ? hybridRef(th, d, env.shared, key, r, t, M) : linearRef(th, d, key, r, t, M);
      const id = `${t}:${r}`, blk = form === 'arms' ? blockRef(w.x, K) : null;
      const a = form === 'arms' ? pols[r].decideBatch(blk.flat(), [id]).arms[0]
        : form === 'shared' ? pols[r].decideBatch(w.x, [id], { shared: w.z.flat() }).arms[0] : pols[r].decideBatch(w.x, [id]).arms[0];
      const reward = w.mu[a] + env.noise * normalRef(key, [r, t], S_ENV, a, M);
      regret[r] += w.best - w.mu[a];
      pulls[r * K + a]++;
      pols[r].learn([{ eventId: id, arm: a, reward, context: form === 'arms' ? blk[a] : w.x, ...(form === 'shared' ? { shared: w.z[a] } : {}) }]);
    }
  }
  for (const p of pols) p.free();
  const colm = Array.from({ length: K }, (_, k) => { let s = 0; for (let r = 0; r < R; r++) s += pulls[r * K + k]; return s / R; });
  return { pulls: colm, regret: regret.reduce((x, y) => x + y, 0) / R };
}

const ENVS = {
  hybrid: { type: 'linear', theta: THETA, shared: BETA, noise: 0.3, seed: 31 },
  drifting: { type: 'linear', theta: THETA, noise: 0.3, seed: 32, changePoints: [25], thetas: [[[0, 1], [1, 0], [-0.5, 0.2]]] },
};
const CASES = [
  { name: 'HybridLinUCB', env: 'hybrid', options: { sharedDim: 2, dim: 2 }, form: 'shared' },
  { name: 'DLinUCB', env: 'drifting', options: { dim: 6, gamma: 0.9 }, form: 'arms' },
  { name: 'SWLinUCB', env: 'drifting', options: { dim: 6, tau: 15 }, form: 'arms' },
  { name: 'LinUCB', env: 'drifting', options: { dim: 2 }, form: 'plain' },
];

test('simulate runs HybridLinUCB (shared features) and DLinUCB / SWLinUCB (block features, drifting θ): each equals its serving API driven by hand, same bits in every build', async () => {
  const T = 50, R = 3, seed = 6;
  const first = {};
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    for (const c of CASES) {
      const { [c.env]: env } = ENVS;
      const opts = c.name === 'LinUCB' ? {} : c.name === 'DLinUCB' ? { gamma: 0.9 } : c.name === 'SWLinUCB' ? { tau: 15 } : {};
      const res = bandits.simulate(e, { env, policies: [{ policy: c.name, options: opts }], horizon: T, repetitions: R, seed, checkpoints: [T] });
      const p = res.policies[0];
      assert.equal(p.options.dim, c.options.dim, `${c.name}: dim passed automatically`);
      if (c.form === 'shared') assert.equal(p.options.sharedDim, 2);
      if (!first[c.name]) {
        const want = byHand(e, bandits[c.name], c.options, env, T, R, seed, c.form);
        same(p.pulls, Float64Array.from(want.pulls), `${c.name} pulls`);
        assert.ok(Math.abs(p.regret.mean[0] - want.regret) <= 1e-12 * Math.max(1, want.regret), `${c.name} regret ${p.regret.mean[0]} vs ${want.regret}`);
        first[c.name] = res;
      } else {
        same(p.regret.mean, first[c.name].policies[0].regret.mean, `${c.name} ${JSON.stringify(cfg)} regret`);
        same(p.pulls, first[c.name].policies[0].pulls, `${c.name} ${JSON.stringify(cfg)} pulls`);
      }
    }
    await e.dispose();
  }
});

test('drifting linear env: DLinUCB and SWLinUCB track θ after the change, stationary LinUCB does not (stated factor)', async () => {
  const e = await init({ threads: 1 });
  // two arms, θ_0 and θ_1 swap at T/2: a stationary LinUCB keeps its first-half estimates for long
  const T = 3000, env = { type: 'linear', theta: [[1, 0.2], [0.2, 1]], thetas: [[[0.2, 1], [1, 0.2]]], changePoints: [T / 2], noise: 0.2, seed: 5 };
  const res = bandits.simulate(e, { env, policies: ['LinUCB', { policy: 'DLinUCB', options: { gamma: 0.98 } }, { policy: 'SWLinUCB', options: { tau: 200 } }], horizon: T, repetitions: 4, seed: 2, checkpoints: [T / 2, T] });
  const [lin, dlin, sw] = res.policies.map((p) => p.regret.mean);
  const after = (m) => m[1] - m[0];
  console.log(`drifting env (T = ${T}, swap at ${T / 2}): regret after the change LinUCB ${after(lin).toFixed(1)}, DLinUCB ${after(dlin).toFixed(1)} (${(after(dlin) / after(lin)).toFixed(3)}×), SWLinUCB ${after(sw).toFixed(1)} (${(after(sw) / after(lin)).toFixed(3)}×); total ${lin[1].toFixed(1)} / ${dlin[1].toFixed(1)} / ${sw[1].toFixed(1)}`);
  assert.ok(after(dlin) < 0.5 * after(lin) && after(sw) < 0.5 * after(lin));
  await e.dispose();
});

test('simulate refuses what it cannot run, with a typed error', async () => {
  const e = await init({ threads: 1 });
  const run = (env, policies) => () => bandits.simulate(e, { env, policies, horizon: 5, repetitions: 2 });
  assert.throws(run({ type: 'linear', theta: THETA }, ['HybridLinUCB']), (err) => err instanceof InvalidArgumentError && /needs an env of type "linear" with shared/.test(err.message));
  assert.throws(run(ENVS.hybrid, [{ policy: 'HybridLinUCB', options: { sharedDim: 3 } }]), /sharedDim number 3 is not the env's 2 shared features/);
  assert.throws(run(ENVS.drifting, [{ policy: 'DLinUCB', options: { dim: 2 } }]), /block-feature dimension K·d = 6/);
  assert.throws(run('bernoulli:0.2,0.5', ['SWLinUCB']), /contextual: it needs an env of type "linear"/);
  assert.throws(run({ ...ENVS.drifting, thetas: [[[1, 0]]] }, ['LinUCB']), /thetas\[0\] must be 3 rows of 2 numbers/);
  assert.throws(run({ ...ENVS.drifting, changePoints: [5, 9] }, ['LinUCB']), /changePoints/);
  assert.throws(run({ ...ENVS.hybrid, shared: [NaN] }, ['LinUCB']), /shared\[0\]/);
  // a K·d beyond DLinUCB's largest dim: the constructor's refusal says why the dim is K·d
  assert.throws(run({ type: 'linear', theta: Array.from({ length: 20 }, () => new Array(20).fill(0.1)) }, ['DLinUCB']), /block features, dim = K·d = 400/);
  // a wrapper decides as its inner policy: CUSUM over LinUCB runs on a linear env
  const w = bandits.simulate(e, { env: ENVS.drifting, policies: [{ policy: 'CUSUM', options: { threshold: 2, alpha: 0.1, inner: { policy: 'LinUCB', dim: 2 } } }], horizon: 40, repetitions: 2, seed: 1 });
  assert.equal(w.policies[0].pulls.reduce((x, y) => x + y, 0), 40);
  await e.dispose();
});
