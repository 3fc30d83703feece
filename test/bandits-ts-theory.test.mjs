// Thompson sampling against the Lai–Robbins lower bound, through bandits.simulate (R = 100 seeded
// repetitions as policy copies, one decideCopies/learnCopies call per round; rewards drawn in wasm).
//
// The bound (Lai & Robbins 1985; Burnetas & Katehakis 1996): every uniformly good policy has
// liminf_T regret(T)/ln T ≥ C(μ) = Σ_{a ≠ *} (μ* − μ_a)/K_inf(a), with K_inf = kl(μ_a, μ*) for Bernoulli
// arms and ½·ln(1 + Δ_a²/σ²) for Gaussian arms of unknown variance. Beta-Bernoulli TS attains it
// (Kaufmann, Korda & Munos 2012; Agrawal & Goyal 2013: regret ≤ (1 + ε)·C(μ)·ln T + O(K/ε²)).
// What T = 1e5 shows — and what is asserted — is the approach to C from below: measured (seed 1; the
// console lines of this file and of the k9 file), regret/ln t at t = 1e3, 1e4, 1e5 is 0.563, 0.602,
// 0.657·C on μ = (0.1, …, 0.9), 0.409, 0.499, 0.564·C on μ = (0.8, 0.9) and 0.471, 0.560, 0.622·C for
// GaussianTS, rising with every decade of T, with the last decade's slope (regret(T) − regret(T/10))/ln 10
// at 0.876, 0.821 and 0.868·C (BernoulliTS's draws are assembly/core/zig.ts's ziggurat gammas). The bound is a limit (its o(ln T) term may be negative), so a ratio below 1 at a finite
// T is allowed, and the "within 15% of C(μ)" holds here for the upper side only; KL-UCB's ratio
// ≈ 1.0 at this T (test/bandits-index-theory.test.mjs) comes from its extra early exploration.
// That this is TS and not the simulator: bench/simulate.mjs's independent plain-JS Beta-Bernoulli TS
// (its own PRNG and gamma sampler) ends at the same regret on its 10-armed instance (65.86, and 66.07
// with the library's sampler in plain JS, against simulate's 67.85 at T = 1e5, R = 100: README row 12).
// Asserted per instance: ratio(T) ≤ 1.15 (the (1 + ε) upper bound, ε = 0.15) and ≥ 0.45, the ratio
// increasing over T = 1e3, 1e4, 1e5, the last decade's slope in [0.6, 1.15]·C, and (Bernoulli) every
// suboptimal arm's mean pulls N_a(T) ≤ 1.15·ln T/kl(μ_a, μ*) (the per-arm form of the bound).
//
// Cost (one core): a Thompson round draws two Marsaglia–Tsang gammas per arm and copy; BernoulliTS runs
// on simulate's fused path (assembly/bandits/simts.ts, ~35 ns of CPU per arm), GaussianTS round by round
// (~0.25 µs per arm, ~7 s here); the 9-arm instance is in test/bandits-ts-theory-k9.test.mjs.
import { test } from 'vitest';
import { laiRobbinsCheck } from './helpers/lai-robbins.mjs';

test('BernoulliTS approaches the Lai–Robbins rate from below and stays under 1.15·C(μ)·ln T (μ = 0.8, 0.9; R = 100, T = 1e5)', async () => {
  await laiRobbinsCheck('BernoulliTS', { type: 'bernoulli', means: [0.8, 0.9] });
}, 120_000);

test('GaussianTS (Normal-Gamma prior) against the unknown-variance bound Σ Δ/(½ ln(1 + Δ²/σ²)) (μ = 0, 0.5, 1, σ = 1; R = 100, T = 1e5)', async () => {
  // The bound holds for any uniformly good policy; asymptotic optimality of TS for this model is proven
  // for a family of improper priors (Honda & Takemura 2014), not for the conjugate prior used here, so
  // this instance checks the rate, not a theorem about the default prior.
  await laiRobbinsCheck('GaussianTS', { type: 'gaussian', means: [0, 0.5, 1], sd: 1 });
}, 120_000);
