// The counter-based PRNG of assembly/core/rng.ts: Philox4x32-10 against Random123's published
// known-answer vectors (kat_vectors) and an independent BigInt implementation, FNV-1a 64 against its
// published vectors, and every sampler bit for bit against the JS references in all four builds,
// plus moment checks with fixed seeds (deterministic, so never flaky).
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { init } from '../dist/index.js';
import { philoxRef, fnvRef, uniformRef, normalRef, gammaRef, betaRef, zigNormalRef, zgammaRef, zbetaRef } from './helpers/reference-bandits.mjs';

const CONFIGS = [{ simd: 'auto', threads: 1 }, { simd: 'auto', threads: 2, splitMin: 8 }, { simd: false, threads: 1 }, { simd: false, threads: 2, splitMin: 8 }];
const hex = (w) => w.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join(' ');

// Random123 kat_vectors, "philox4x32 10": counter (4 words), key (2 words) -> output (4 words)
const KAT = [
  [[0, 0, 0, 0], [0, 0], '6627e8d5 e169c58d bc57ac4c 9b00dbd8'],
  [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], '408f276d 41c83b0e a20bc7c6 6d5451fd'],
  [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], 'd16cfe09 94fdcceb 5001e420 24126ea1'],
];

test('Philox4x32-10 gives Random123\'s known answers, and agrees with an independent BigInt implementation', async () => {
  const e = await init({ threads: 1 });
  const out = e.alloc(4, 'i32');
  const wasm = (c, k) => { e.kernel('rng_philox')(...c, ...k, out.ptr); return [...out.array]; };
  for (const [c, k, want] of KAT) {
    assert.equal(hex(wasm(c, k)), want);
    assert.equal(hex(philoxRef(c, k)), want);
  }
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  for (let i = 0; i < 200; i++) {
    const c = [next(), next(), next(), next()], k = [next(), next()];
    assert.equal(hex(wasm(c, k)), hex(philoxRef(c, k)));
  }
  await e.dispose();
});

test('FNV-1a 64 of event ids: the published vectors, UTF-8 encoding, a batch in one call', async () => {
  const e = await init({ threads: 1 });
  const ids = ['', 'a', 'foobar', 'req-81f3', 'ünïcødé 🎲', 'x'.repeat(1000)];
  const bytes = ids.map((s) => new TextEncoder().encode(s));
  const total = bytes.reduce((s, b) => s + b.length, 0);
  const buf = e.alloc(total, 'u8'), off = e.alloc(ids.length + 1, 'i32'), out = e.alloc(2 * ids.length, 'i32');
  let p = 0;
  bytes.forEach((b, i) => { off.array[i] = p; buf.array.set(b, p); p += b.length; });
  off.array[ids.length] = p;
  e.kernel('rng_hash_batch')(0, ids.length, buf.ptr, off.ptr, out.ptr);
  const words = (i) => [out.array[2 * i] >>> 0, out.array[2 * i + 1] >>> 0];
  const h64 = (i) => hex([words(i)[1], words(i)[0]]).replace(' ', '');
  assert.equal(h64(0), 'cbf29ce484222325');   // FNV-1a 64 of "" (the offset basis)
  assert.equal(h64(1), 'af63dc4c8601ec8c');   // "a"
  assert.equal(h64(2), '85944171f73967e8');   // "foobar"
  for (let i = 0; i < ids.length; i++) assert.deepEqual(words(i), fnvRef(ids[i]), ids[i]);
  await e.dispose();
});

for (const cfg of CONFIGS) {
  test(`uniform, normal, gamma and beta draws equal the references bit for bit (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => {
    const e = await init(cfg);
    await e.ready;
    const M = { log: (x) => e.log(x), cos: (x) => e.cos(x), sqrt: (x) => e.sqrt(x), exp: (x) => e.exp(x) };
    const n = 301, out = e.alloc(n, 'f64'), key = [7, 3], h = [0xdeadbeef, 0x12345678], s = 5;
    const check = (kernel, extra, ref) => {
      e.run(kernel, n, [out.ptr, key[0], key[1], h[0], h[1], s, ...extra], 1);
      for (let i = 0; i < n; i++) assert.ok(Object.is(out.array[i], ref(i)), `${kernel} draw ${i}: ${out.array[i]} vs ${ref(i)}`);
    };
    check('rng_uniform_f64', [], (i) => uniformRef(key, h, s, i));
    check('rng_normal_f64', [], (i) => normalRef(key, h, s, i, M));
    for (const shape of [0.3, 1, 2.5, 40]) check('rng_gamma_f64', [shape], (i) => gammaRef(key, h, s, i, shape, M));
    for (const [a, b] of [[1, 1], [0.5, 3], [20, 7]]) check('rng_beta_f64', [a, b], (i) => betaRef(key, h, s, i, a, b, M));
    await e.dispose();
  });
}

test('gamma draws equal the reference bit for bit over 20,000 draws per shape, near shape 1 where the squeeze is tightest and at large shapes (its margin grows with d)', async () => {
  // assembly/core/rng.ts gamma takes Marsaglia & Tsang's squeeze before the logarithmic test;
  // gammaRef runs only the logarithmic test, so equality shows the squeeze never changed a draw
  const e = await init({ threads: 1 });
  const M = { log: (x) => e.log(x), cos: (x) => e.cos(x), sqrt: (x) => e.sqrt(x), exp: (x) => e.exp(x) };
  const n = 20000, out = e.alloc(n, 'f64'), key = [11, 2], h = [0x0badcafe, 77], s = 9;
  for (const shape of [1, 1 + 2 ** -40, 1.37, 0.999, 7, 1e3, 1e6, 3e9]) {
    e.run('rng_gamma_f64', n, [out.ptr, key[0], key[1], h[0], h[1], s, shape], 1);
    for (let i = 0; i < n; i++) {
      const r = gammaRef(key, h, s, i, shape, M);
      if (!Object.is(out.array[i], r)) assert.fail(`shape ${shape} draw ${i}: ${out.array[i]} vs ${r}`);
    }
  }
  await e.dispose();
}, 60_000);

test('the samplers have the right moments (fixed seeds, 200,000 draws, margins of about 5 standard errors)', async () => {
  const e = await init({ threads: 1 });
  const n = 200_000, out = e.alloc(n, 'f64');
  const moments = (kernel, extra) => {
    e.run(kernel, n, [out.ptr, 11, 0, 1, 2, 9, ...extra], 1);
    let s = 0, q = 0, lo = Infinity, hi = -Infinity;
    for (const v of out.array) { s += v; q += v * v; lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const m = s / n;
    return { mean: m, variance: q / n - m * m, lo, hi };
  };
  const close = (got, want, tol, what) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want} ± ${tol}`);
  const u = moments('rng_uniform_f64', []);
  close(u.mean, 0.5, 0.004, 'uniform mean'); close(u.variance, 1 / 12, 0.002, 'uniform variance');
  assert.ok(u.lo >= 0 && u.hi < 1);
  const z = moments('rng_normal_f64', []);
  close(z.mean, 0, 0.012, 'normal mean'); close(z.variance, 1, 0.02, 'normal variance');
  for (const k of [0.3, 1, 4.5]) {
    const g = moments('rng_gamma_f64', [k]);
    close(g.mean, k, 5 * Math.sqrt(k / n) + 1e-3, `gamma(${k}) mean`); close(g.variance, k, 12 * Math.sqrt(k * k / n) * (1 + k) + 5e-3, `gamma(${k}) variance`);
    assert.ok(g.lo >= 0);
  }
  for (const [a, b] of [[2, 5], [0.5, 0.5]]) {
    const x = moments('rng_beta_f64', [a, b]);
    const m = a / (a + b), v = (a * b) / ((a + b) ** 2 * (a + b + 1));
    close(x.mean, m, 5 * Math.sqrt(v / n), `beta(${a}, ${b}) mean`); close(x.variance, v, 0.003, `beta(${a}, ${b}) variance`);
    assert.ok(x.lo >= 0 && x.hi <= 1);
  }
  await e.dispose();
});

// ---- the ziggurat sampler (assembly/core/zig.ts: BernoulliTS's Beta draws) ----
for (const cfg of CONFIGS) {
  test(`ziggurat normal, gamma and beta draws equal the references bit for bit (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => {
    const e = await init(cfg);
    await e.ready;
    const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), exp: (x) => e.exp(x) };
    const n = 301, out = e.alloc(n, 'f64'), key = [7, 3], h = [0xdeadbeef, 0x12345678], s = 5;
    const check = (kernel, extra, ref) => {
      e.run(kernel, n, [out.ptr, key[0], key[1], h[0], h[1], s, ...extra], 1);
      for (let i = 0; i < n; i++) assert.ok(Object.is(out.array[i], ref(i)), `${kernel} draw ${i}: ${out.array[i]} vs ${ref(i)}`);
    };
    check('rng_zig_normal_f64', [], (i) => { const w = philoxRef([h[0], h[1], s, i], key); return zigNormalRef(key, h, s, i, w[0], w[1], M); });
    for (const shape of [0.3, 1, 2.5, 40, 1e5]) check('rng_zgamma_f64', [shape], (i) => zgammaRef(key, h, s, i, shape, M));
    for (const [a, b] of [[1, 1], [0.5, 3], [20, 7], [3e4, 2e3]]) check('rng_zbeta_f64', [a, b], (i) => zbetaRef(key, h, s, i, a, b, M));
    await e.dispose();
  });
}

test('ziggurat gamma draws equal the reference bit for bit over 20,000 draws per shape (the squeeze of assembly/core/zig.ts never changes a draw)', async () => {
  // zgammaRef runs only Marsaglia–Tsang's logarithmic test: equality shows the squeeze accepts only what it accepts
  const e = await init({ threads: 1 });
  const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), exp: (x) => e.exp(x) };
  const n = 20000, out = e.alloc(n, 'f64'), key = [11, 2], h = [0x0badcafe, 77], s = 9;
  for (const shape of [1, 1 + 2 ** -40, 1.37, 0.999, 7, 1e3, 1e6, 3e9, 1e12]) {
    e.run('rng_zgamma_f64', n, [out.ptr, key[0], key[1], h[0], h[1], s, shape], 1);
    for (let i = 0; i < n; i++) {
      const r = zgammaRef(key, h, s, i, shape, M);
      if (!Object.is(out.array[i], r)) assert.fail(`shape ${shape} draw ${i}: ${out.array[i]} vs ${r}`);
    }
  }
  await e.dispose();
}, 120_000);

test('the ziggurat samplers have the right law (fixed seeds, 400,000 draws): normal moments, tail beyond r and the layer edges; gamma and beta moments', async () => {
  const e = await init({ threads: 1 });
  const n = 400_000, out = e.alloc(n, 'f64');
  const draw = (kernel, extra) => { e.run(kernel, n, [out.ptr, 13, 0, 4, 5, 21, ...extra], 1); return out.array.slice(); };
  const close = (got, want, tol, what) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want} ± ${tol}`);
  const z = draw('rng_zig_normal_f64', []);
  let s = 0, q = 0, c = 0, f = 0, tail = 0, pos = 0;
  for (const v of z) { s += v; q += v * v; c += v ** 3; f += v ** 4; if (Math.abs(v) > 3.654152885361009) tail++; if (v > 0) pos++; }
  close(s / n, 0, 5 / Math.sqrt(n), 'normal mean'); close(q / n, 1, 5 * Math.sqrt(2 / n), 'normal variance');
  close(c / n, 0, 5 * Math.sqrt(15 / n), 'normal third moment'); close(f / n, 3, 5 * Math.sqrt(96 / n), 'normal fourth moment');
  // P(|Z| > r) = erfc(r/√2) = 2.5829e-4 (the tail sampler's share), P(Z > 0) = 1/2
  const pt = 2.5829e-4;
  close(tail / n, pt, 5 * Math.sqrt(pt / n), 'tail beyond r'); close(pos / n, 0.5, 5 * Math.sqrt(0.25 / n), 'sign');
  // Φ at points inside the wedges (the slow path's region): Φ(0.5) = 0.691462, Φ(1.5) = 0.933193, Φ(2.5) = 0.993790
  for (const [x, p] of [[0.5, 0.6914624612740131], [1.5, 0.9331927987311419], [2.5, 0.9937903346742238]]) {
    let below = 0; for (const v of z) if (v < x) below++;
    close(below / n, p, 5 * Math.sqrt(p * (1 - p) / n), `Φ(${x})`);
  }
  for (const k of [0.3, 1, 4.5, 1e4]) {
    const g = draw('rng_zgamma_f64', [k]);
    let gs = 0, gq = 0; for (const v of g) { gs += v; gq += v * v; assert.ok(v >= 0); }
    const m = gs / n;
    close(m, k, 5 * Math.sqrt(k / n), `gamma(${k}) mean`); close(gq / n - m * m, k, 5 * k * Math.sqrt((2 + 6 / k) / n), `gamma(${k}) variance`);
  }
  for (const [a, b] of [[2, 5], [0.5, 0.5], [900, 100]]) {
    const x = draw('rng_zbeta_f64', [a, b]);
    let bs = 0, bq = 0; for (const v of x) { bs += v; bq += v * v; assert.ok(v >= 0 && v <= 1); }
    const m = a / (a + b), v = (a * b) / ((a + b) ** 2 * (a + b + 1)), mm = bs / n;
    close(mm, m, 5 * Math.sqrt(v / n), `beta(${a}, ${b}) mean`); close(bq / n - mm * mm, v, 8 * v * Math.sqrt(2 / n) + 1e-12, `beta(${a}, ${b}) variance`);
  }
  await e.dispose();
}, 60_000);

test('the ziggurat gamma\'s squeeze implies the logarithmic test at its boundary (300,000 points across shapes 1 to 1e12), and a looser one would not', async () => {
  // assembly/core/zig.ts squeeze(), transcribed (same IEEE operations), against Marsaglia–Tsang's
  // logarithmic test with the engine's log_f64, at points e = 1 − u placed within a relative 1e-7 of
  // the squeeze's boundary e + e²/2 = x⁴/(108·d·min(1, t)) where an error in the bound would show.
  const e = await init({ threads: 1 });
  const log = (x) => e.log(x);
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const squeeze = (x, q, t, v, d, K) => {
    const x2 = x * x, m = t < 1 ? t : 1, M = 1.4210854715202004e-14 * (x2 + d * (4 + 2 * v));
    return t >= 0.5 && (q + 0.5 * q * q - M) * (K * d * m) > (x2 * x2) * 1.0000000000000142;
  };
  const violations = (K, n) => {
    let bad = 0, accepted = 0;
    for (let i = 0; i < n; i++) {
      const d = (i % 3 === 0 ? 2 / 3 + rnd() : Math.exp(Math.log(2 / 3) + rnd() * Math.log(1.5e12))) ;
      const c = 1 / e.sqrt(9 * d), x = (rnd() * 8 - 3) * (i % 2 ? 1 : rnd());
      const t = 1 + c * x;
      if (t <= 0) continue;
      const v = t * t * t, m = t < 1 ? t : 1, T = (x * x) * (x * x) / (K * d * m);
      const q0 = -1 + Math.sqrt(1 + 2 * T) * (1 + (rnd() - 0.5) * 2e-7);
      const q = Math.round(Math.min(Math.max(q0, 2 ** -53), 1 - 2 ** -53) * 2 ** 53) / 2 ** 53;   // a u53 value
      if (!squeeze(x, q, t, v, d, K)) continue;
      accepted++;
      if (!(log(1 - q) < 0.5 * x * x + d - d * v + d * log(v))) bad++;
    }
    return { bad, accepted };
  };
  const ours = violations(108, 300_000);
  assert.ok(ours.accepted > 50_000, `few boundary points accepted: ${ours.accepted}`);
  assert.equal(ours.bad, 0, `the squeeze accepted ${ours.bad} points the logarithmic test rejects`);
  const looser = violations(120, 100_000);           // the bound's constant 108 is sharp: 120 is wrong
  assert.ok(looser.bad > 0, 'a squeeze with 120 in place of 108 was not caught');
  await e.dispose();
}, 60_000);

for (const cfg of CONFIGS) {
  test(`BernoulliTS's decide (zbetaArms: four arms per Philox pass, f64x2 gammas in the SIMD build) draws zbetaRef's values for every arm: K = 1..9, shapes below 1, tiny and huge counts, removed arms (simd ${cfg.simd}, ${cfg.threads} thread(s))`, async () => {
    const { bandits } = await import('../dist/index.js');
    const { tsDrawRef } = await import('./helpers/reference-bandits-randomized.mjs');
    const e = await init(cfg);
    const M = { log: (x) => e.log(x), sqrt: (x) => e.sqrt(x), exp: (x) => e.exp(x) };
    let s = 777;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
    for (let K = 1; K <= 9; K++) {
      for (const [alpha, beta] of [[1, 1], [0.3, 2], [1e-6, 1e6]]) {
        const pulls = Array.from({ length: K }, (_, k) => [0, 1, 3, 50, 7e4, 2e9][(k + K) % 6]);
        const rewards = pulls.map((n) => Math.floor(n * rnd()));
        const p = new bandits.BernoulliTS(e, { arms: K, seed: 2 ** 40 + K, alpha, beta, propensityDraws: 0, warmStart: { pulls, rewards } });
        const active = new Array(K).fill(true);
        if (K >= 3) { p.removeArm(1); active[1] = false; }
        const st = { pulls: Float64Array.from(pulls), rewards: Float64Array.from(rewards), squares: Float64Array.from(rewards) };
        for (let i = 0; i < 12; i++) {
          const id = `z${K}-${i}`, d = p.decide({ eventId: id }), h = fnvRef(id);
          for (let k = 0; k < K; k++) {
            const want = active[k] ? tsDrawRef(st, k, { kind: 'beta', a: alpha, b: beta }, [(2 ** 40 + K) % 4294967296, Math.floor((2 ** 40 + K) / 4294967296)], h, 0, M) : -Infinity;
            assert.ok(Object.is(d.scores[k], want), `K ${K} prior (${alpha}, ${beta}) ${id} arm ${k}: ${d.scores[k]} vs ${want}`);
          }
        }
        p.free();
      }
    }
    await e.dispose();
  }, 60_000);
}
