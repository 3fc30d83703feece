// 16-bit conversions (toBfloat16 / toFloat16 / fromBfloat16 / fromFloat16): round to nearest even bit
// for bit against torch 1.13 (scripts/golden_float16.py → test/fixtures/float16.json) and against an
// exact-arithmetic JS reference; stochastic rounding bit for bit against its definition (Philox bits
// of (seed, step, element index)) in every build (SIMD/scalar × 1/2 threads), piecewise rounding with
// `offset` equal to one call, and its unbiasedness as theory: P(round up) is the fractional distance.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { init, toBfloat16, fromBfloat16, toFloat16, fromFloat16, InvalidArgumentError } from '../dist/index.js';
import { CONFIGS } from './helpers/harness.mjs';
import { bf16RneRef, bf16SrRef, f16RneRef, f16SrRef, f16DecRef, rndRef, bitsOf, fromBits } from './helpers/reference-lowp.mjs';

const FIX = JSON.parse(readFileSync(new URL('./fixtures/float16.json', import.meta.url), 'utf8'));
const sha = (typed) => createHash('sha256').update(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength)).digest('hex');
const f32 = (words) => new Float32Array(Uint32Array.from(words).buffer);

/** The fixture's sweep inputs: xorshift32 from 1, NaNs skipped; then the bf16 and f16 ties of each. */
function sweepInputs() {
  const base = [];
  let x = 1;
  while (base.length < 1 << 18) {
    x = (x ^ (x << 13)) >>> 0; x = (x ^ (x >>> 17)) >>> 0; x = (x ^ (x << 5)) >>> 0;
    if ((x & 0x7FFFFFFF) <= 0x7F800000) base.push(x);
  }
  const all = [...base, ...base.map((w) => ((w & 0xFFFF0000) | 0x8000) >>> 0), ...base.map((w) => ((w & 0xFFFFE000) | 0x1000) >>> 0)];
  return Uint32Array.from(all.filter((w) => (w & 0x7FFFFFFF) <= 0x7F800000));
}

test('round to nearest even matches torch 1.13 bit for bit (explicit cases, a 786k sweep, every decoding) in every build', async () => {
  const ex = FIX.explicit, xs = f32(ex.input);
  // The exact-arithmetic reference agrees with torch (so it is a second, independent reference below).
  assert.deepEqual(Array.from(xs, bf16RneRef), ex.bf16, 'bf16 reference vs torch');
  assert.deepEqual(Array.from(xs, f16RneRef), ex.f16, 'f16 reference vs torch');
  const sw = sweepInputs();
  assert.equal(sw.length, FIX.sweep.count);
  assert.equal(sha(sw), FIX.sweep.inputSha256, 'sweep inputs');
  const sx = new Float32Array(sw.buffer);
  const pats = { bf16: [], f16: [] };
  for (let h = 0; h < 65536; h++) {
    if (!((h & 0x7F80) === 0x7F80 && (h & 0x7F) !== 0)) pats.bf16.push(h);
    if (!((h & 0x7C00) === 0x7C00 && (h & 0x3FF) !== 0)) pats.f16.push(h);
  }
  for (const cfg of CONFIGS) {
    const e = await init(cfg), what = JSON.stringify(cfg);
    assert.deepEqual(Array.from(toBfloat16(e, xs)), ex.bf16, `bf16 explicit ${what}`);
    assert.deepEqual(Array.from(toFloat16(e, xs)), ex.f16, `f16 explicit ${what}`);
    assert.equal(sha(toBfloat16(e, sx)), FIX.sweep.bf16Sha256, `bf16 sweep ${what}`);
    assert.equal(sha(toFloat16(e, sx)), FIX.sweep.f16Sha256, `f16 sweep ${what}`);
    for (const [fmt, dec] of [['bf16', fromBfloat16], ['f16', fromFloat16]]) {
      const h = Uint16Array.from(pats[fmt]), d = dec(e, h);
      assert.equal(h.length, FIX.decode[fmt].count);
      assert.equal(sha(d), FIX.decode[fmt].sha256, `${fmt} decode ${what}`);
    }
    await e.dispose();
  }
});

test('decodings are exact for all 65536 patterns (NaN payloads too); NaN encodes to 0x7FC0 (bf16) and 0x7E00 | sign (f16)', async () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    const b = new Uint32Array(fromBfloat16(e, all).buffer), h = new Uint32Array(fromFloat16(e, all).buffer);
    for (let i = 0; i < 65536; i++) {
      assert.equal(b[i], (i << 16) >>> 0, `bf16 ${i}`);
      const want = Number.isNaN(f16DecRef(i)) ? ((i & 0x8000 ? 0x80000000 : 0) | 0x7F800000 | ((i & 0x3FF) << 13)) >>> 0 : bitsOf(f16DecRef(i)) >>> 0;
      assert.equal(h[i], want, `f16 ${i}`);
    }
    const nans = f32([0x7FC00000, 0xFFC00000, 0x7F800001, 0xFFFFFFFF, 0x7FBFFFFF]);
    for (const stochastic of [false, true]) {
      assert.deepEqual(Array.from(toBfloat16(e, nans, { stochastic })), [0x7FC0, 0x7FC0, 0x7FC0, 0x7FC0, 0x7FC0]);
      assert.deepEqual(Array.from(toFloat16(e, nans, { stochastic })), [0x7E00, 0xFE00, 0x7E00, 0xFE00, 0x7E00]);
    }
    // Round trips: every finite 16-bit value encodes back to itself, by RNE and by SR.
    const fin = all.filter((x) => (x & 0x7C00) !== 0x7C00);
    assert.deepEqual(toFloat16(e, fromFloat16(e, fin), { stochastic: true, seed: 5 }), fin);
    assert.deepEqual(toFloat16(e, fromFloat16(e, fin)), fin);
    const finb = all.filter((x) => (x & 0x7F80) !== 0x7F80);
    assert.deepEqual(toBfloat16(e, fromBfloat16(e, finb), { stochastic: true, seed: 5 }), finb);
    await e.dispose();
  }
});

/** Awkward values for stochastic rounding: random magnitudes over the whole range, ties, subnormals, overflow. */
function srInputs(n) {
  const out = new Float32Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x ^ (x << 13)) >>> 0; x = (x ^ (x >>> 17)) >>> 0; x = (x ^ (x << 5)) >>> 0;
    const k = i % 6;
    if (k === 0) out[i] = fromBits(x);                                            // any pattern (NaN included)
    else if (k === 1) out[i] = fromBits((x & 0x807FFFFF) | (((x >>> 23) % 40 + 100) << 23));   // f16 range and below
    else if (k === 2) out[i] = (x / 2 ** 32 - 0.5) * 2 ** -20;                    // f16 subnormals
    else if (k === 3) out[i] = 65504 + (x % 64) - 16;                             // f16 overflow boundary
    else if (k === 4) out[i] = fromBits((x & 0xFFFF0000) | 0x8000);               // bf16 ties
    else out[i] = (x / 2 ** 32 - 0.5) * 8;
  }
  return out;
}

test('stochastic rounding matches its definition bit for bit in every build (seed, step, offset; pieces = one call)', async () => {
  const n = 9001, xs = srInputs(n);
  const cases = [{ seed: 0, step: 0, offset: 0 }, { seed: 2 ** 40 + 17, step: 123456, offset: 3 }];
  const want = cases.map((c) => {
    const key = [c.seed % 2 ** 32, Math.floor(c.seed / 2 ** 32)];
    const r = Array.from({ length: n }, (_, i) => rndRef(key, c.step, 0, c.offset + i));
    return { bf16: Array.from(xs, (x, i) => bf16SrRef(x, r[i])), f16: Array.from(xs, (x, i) => f16SrRef(x, r[i])) };
  });
  for (const cfg of CONFIGS) {
    const e = await init(cfg), what = JSON.stringify(cfg);
    cases.forEach((c, k) => {
      const o = { stochastic: true, ...c };
      assert.deepEqual(Array.from(toBfloat16(e, xs, o)), want[k].bf16, `bf16 SR ${what} case ${k}`);
      assert.deepEqual(Array.from(toFloat16(e, xs, o)), want[k].f16, `f16 SR ${what} case ${k}`);
      // In pieces (cut at odd places) with the matching offsets: the same bits.
      const cut = 1237, a = toFloat16(e, xs.subarray(0, cut), o), b = toFloat16(e, xs.subarray(cut), { ...o, offset: c.offset + cut });
      assert.deepEqual([...a, ...b], want[k].f16, `f16 SR pieces ${what}`);
    });
    // SR lands on one of the two grid neighbours around x (within one f16 spacing), and exact values stay.
    const sr = fromFloat16(e, toFloat16(e, xs, { stochastic: true, seed: 9 }));
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      if (!Number.isFinite(x) || Math.abs(x) >= 65504) continue;
      if (fromFloat16(e, [f16RneRef(x)])[0] === x) { assert.equal(sr[i], x); continue; }
      const spacing = 2 ** (Math.max(((bitsOf(x) >>> 23) & 0xFF) - 127, -14) - 10);
      assert.ok(Math.abs(sr[i] - x) < spacing && Math.sign(sr[i] || x) === Math.sign(x), `element ${i}: ${sr[i]} is not a neighbour of ${x}`);
    }
    await e.dispose();
  }
});

test('stochastic rounding is unbiased: P(round up) equals the fractional distance (theory, 5σ over 2^16 seeded draws)', async () => {
  const e = await init({ threads: 1 });
  const R = 1 << 16;
  // [value, format, lower neighbour, upper neighbour]: bf16 normal, negative, f32-subnormal; f16 normal, subnormal, overflow.
  const cases = [
    [1 + 2 ** -9, 'bf16', 1, 1 + 2 ** -7], [1 + 3 * 2 ** -10, 'bf16', 1, 1 + 2 ** -7], [-(3 + 2 ** -12), 'bf16', -3, -(3 + 2 ** -6)],
    [fromBits(0x00012345), 'bf16', fromBits(0x00010000), fromBits(0x00020000)],
    [1 + 2 ** -13, 'f16', 1, 1 + 2 ** -10], [0.1, 'f16', fromFloat16(e, [0x2E66])[0], fromFloat16(e, [0x2E67])[0]],
    [2.5 * 2 ** -24 + 2 ** -30, 'f16', 2 * 2 ** -24, 3 * 2 ** -24], [65510, 'f16', 65504, Infinity],
  ];
  for (const [v, fmt, lo, hi] of cases) {
    const x = new Float32Array(R).fill(v);
    const enc = fmt === 'bf16' ? toBfloat16 : toFloat16, dec = fmt === 'bf16' ? fromBfloat16 : fromFloat16;
    const y = dec(e, enc(e, x, { stochastic: true, seed: 77, step: 3 }));
    const xf = Math.fround(v);
    const frac = hi === Infinity ? (xf - 65504) / 32 : (xf - lo) / (hi - lo);
    let up = 0;
    for (const z of y) { if (z === hi) up++; else assert.equal(z, lo, `${fmt} ${v}: ${z} is neither neighbour`); }
    const sigma = Math.sqrt(frac * (1 - frac) / R);
    assert.ok(Math.abs(up / R - frac) <= 5 * sigma + 2 ** -16, `${fmt} ${v}: P(up) ${up / R} vs ${frac} (σ ${sigma})`);
    if (hi !== Infinity) {
      // The mean of the roundings is x within 5σ of the mean's spread (hi − lo)·σ.
      let s = 0; for (const z of y) s += z;
      assert.ok(Math.abs(s / R - xf) <= 5 * sigma * Math.abs(hi - lo) + Math.abs(xf) * 2 ** -40, `${fmt} ${v}: mean ${s / R} vs ${xf}`);
    }
    // Round to nearest is biased for these values: it always picks one side.
    const rne = dec(e, enc(e, x.subarray(0, 8)));
    assert.ok(rne.every((z) => z === rne[0]) && (rne[0] === lo || rne[0] === hi));
  }
  // Different steps and seeds draw different bits; the same (seed, step) the same ones.
  const x = new Float32Array(4096).fill(1 + 2 ** -9);
  const a = toBfloat16(e, x, { stochastic: true, seed: 1, step: 1 }), b = toBfloat16(e, x, { stochastic: true, seed: 1, step: 2 });
  const c = toBfloat16(e, x, { stochastic: true, seed: 2, step: 1 });
  assert.notDeepEqual(a, b); assert.notDeepEqual(a, c);
  assert.deepEqual(toBfloat16(e, x, { stochastic: true, seed: 1, step: 1 }), a);
  await e.dispose();
});

test('bad input gets InvalidArgumentError', async () => {
  const e = await init({ threads: 1 });
  for (const o of [{ seed: -1 }, { seed: 1.5 }, { step: 2 ** 32 }, { offset: -1 }, { offset: 2 ** 32 }, { stochastic: 1 }, { rounding: 'sr' }, null, 5]) {
    assert.throws(() => toBfloat16(e, [1, 2], o), InvalidArgumentError, JSON.stringify(o));
    assert.throws(() => toFloat16(e, [1, 2], o), InvalidArgumentError, JSON.stringify(o));
  }
  for (const h of [[65536], [-1], [1.5], ['a'], 'abc', null]) {
    assert.throws(() => fromBfloat16(e, h), InvalidArgumentError, JSON.stringify(h));
    assert.throws(() => fromFloat16(e, h), InvalidArgumentError, JSON.stringify(h));
  }
  assert.deepEqual(Array.from(fromFloat16(e, [0x3C00, 0xC000])), [1, -2]);
  assert.equal(toBfloat16(e, []).length, 0);
  await e.dispose();
});
