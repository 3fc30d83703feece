// Beta-Bernoulli Thompson sampling against the Lai–Robbins bound on the 9-armed instance
// μ = (0.1, …, 0.9) (R = 100, T = 1e5): what is asserted and why is in test/bandits-ts-theory.test.mjs.
// A file of its own because this one instance is the heaviest (9 arms × 2 gammas × 1e7 pulls; a few seconds on
// simulate's fused BernoulliTS path, ~21 s round by round before it).
import { test } from 'vitest';
import { laiRobbinsCheck } from './helpers/lai-robbins.mjs';

test('BernoulliTS approaches the Lai–Robbins rate from below and stays under 1.15·C(μ)·ln T (μ = 0.1, …, 0.9; R = 100, T = 1e5)', async () => {
  await laiRobbinsCheck('BernoulliTS', { type: 'bernoulli', means: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] });
}, 180_000);
