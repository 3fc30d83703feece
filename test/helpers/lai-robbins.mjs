// Lai–Robbins checks of a Thompson-sampling policy under bandits.simulate (see
// test/bandits-ts-theory.test.mjs for the theory and what is asserted).
import assert from 'node:assert/strict';
import { init, bandits } from '../../dist/index.js';

export const klBernoulli = (p, q) => p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
/** K_inf of a Gaussian arm with unknown variance σ² (Burnetas & Katehakis 1996): ½·ln(1 + Δ²/σ²). */
export const klGaussUnknown = (gap, sd) => 0.5 * Math.log(1 + (gap * gap) / (sd * sd));

/**
 * Simulate `policy` on `env` (Bernoulli means, or Gaussian { means, sd }) for T = 1e5 rounds, R = 100
 * repetitions (seed 1) and assert the Lai–Robbins approach; returns the measured figures.
 */
export async function laiRobbinsCheck(policy, env, { T = 100000, R = 100 } = {}) {
  const e = await init({ threads: 1 });
  const mu = env.means, best = Math.max(...mu), gaussian = env.type === 'gaussian';
  const kinf = (m) => (gaussian ? klGaussUnknown(best - m, env.sd) : klBernoulli(m, best));
  const C = mu.reduce((s, m) => (m < best ? s + (best - m) / kinf(m) : s), 0);
  const cps = [T / 100, T / 10, T];
  const res = bandits.simulate(e, { env, policies: [policy], horizon: T, repetitions: R, seed: 1, checkpoints: cps });
  const m = res.policies[0].regret.mean, pulls = res.policies[0].pulls;
  const ratio = Array.from(m, (x, i) => x / Math.log(cps[i]) / C);
  const slope = (m[2] - m[1]) / Math.log(10) / C;
  const arms = mu.map((x, a) => (x < best ? pulls[a] / (Math.log(T) / kinf(x)) : null));
  const name = `${typeof policy === 'string' ? policy : policy.policy} on ${env.type} (${mu.join(', ')})`;
  console.log(`${name}: C(μ) = ${C.toFixed(4)}; regret/ln t / C at t = ${cps.join(', ')}: ${ratio.map((x) => x.toFixed(3)).join(', ')}; last decade's slope / C ${slope.toFixed(3)}; N_a(T)·K_inf/ln T: ${arms.filter((x) => x !== null).map((x) => x.toFixed(3)).join(', ')}`);
  assert.ok(ratio[2] <= 1.15 && ratio[2] >= 0.45, `${name}: regret(T)/ln T / C = ${ratio[2]}`);
  assert.ok(ratio[0] < ratio[1] && ratio[1] < ratio[2], `${name}: regret/ln t / C does not rise with t: ${ratio}`);
  assert.ok(slope >= 0.6 && slope <= 1.15, `${name}: last decade's slope / C = ${slope}`);
  if (!gaussian) for (const [a, x] of arms.entries()) if (x !== null) assert.ok(x <= 1.15, `${name}: arm ${a} pulls ${pulls[a]} vs ln T/kl ${Math.log(T) / kinf(mu[a])}`);
  await e.dispose();
  return { C, ratio, slope, arms };
}
