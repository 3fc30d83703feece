// cbify on scikit-learn's digits (test/fixtures/digits.json, from scripts/make_digits_fixture.py): the
// 1,797 labelled 8x8 images become a 10-armed contextual bandit stream (VW's --cbify; src/bandits/cbify.ts).
// Each policy sees the 64 pixels (/16) and a constant 1, picks a digit and sees only whether it was right;
// it is scored by its progressive-validation loss, against the full-information ridge learner.
//   node examples/cbify-digits.mjs            (prints the table the README shows)
import { readFileSync } from 'node:fs';
import { init, bandits } from 'simdopt';

const data = JSON.parse(readFileSync(new URL('../test/fixtures/digits.json', import.meta.url), 'utf8'));
const order = [...data.train, ...data.test];          // the fixture's seeded, stratified shuffle
const dim = data.features + 1, n = order.length;
const features = new Float64Array(n * dim), labels = new Int32Array(n);
order.forEach((row, i) => {
  for (let j = 0; j < data.features; j++) features[i * dim + j] = (data.pixels.charCodeAt(row * data.features + j) - 97) / data.maxPixel;
  features[i * dim + data.features] = 1;
  labels[i] = Number(data.labels[row]);
});

const engine = await init({ threads: 1 });
const arms = data.classes, seed = 7;
export const POLICIES = {
  'ε-greedy (ε = 0.05)': () => new bandits.LinEpsilonGreedy(engine, { arms, dim, epsilon: 0.05, seed }),
  'LinUCB (α = 0.5)': () => new bandits.LinUCB(engine, { arms, dim, alpha: 0.5, seed }),
  'LinTS (v = 0.1)': () => new bandits.LinTS(engine, { arms, dim, alpha: 0.1, seed, propensityDraws: 0 }),
  'SquareCB (γ₀ = 10)': () => new bandits.SquareCB(engine, { arms, dim, gamma: 10, seed }),
};
const policies = Object.fromEntries(Object.entries(POLICIES).map(([k, f]) => [k, f()]));
const res = bandits.cbify(engine, { features, labels, dim, policies, supervised: 'supervised (full information)', every: 600 });
console.log(`cbify on digits: n = ${res.n}, ${res.classes} classes, d = ${dim}`);
console.log('| learner | PV loss | accuracy | loss after 600 / 1200 | significantly better than |');
console.log('|---|---|---|---|---|');
for (const [name, r] of Object.entries(res.results)) {
  console.log(`| ${name} | ${r.loss.toFixed(4)} | ${(100 * r.accuracy).toFixed(2)}% | ${r.curve[0].toFixed(4)} / ${r.curve[1].toFixed(4)} | ${res.better[name].join(', ') || '—'} |`);
}
for (const p of Object.values(policies)) p.free();
await engine.dispose();
