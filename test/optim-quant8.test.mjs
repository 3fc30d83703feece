// bitsandbytes' 8-bit blockwise state numerics: the dynamic maps bit for bit against torch 1.13
// (scripts/bnb_dynamic_map.py → test/fixtures/bnb-8bit.json) and against the published formula; the
// blockwise quantize/dequantize round trip (nearest code, sign fix, absmax per 256-block) and the fused
// dequantize → update → requantize kernels of 8-bit Adam/AdamW, Lion and Momentum, bit for bit against
// the torch script and an f32-exact JS reference, in every build (SIMD/scalar × 1/2 threads).
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init, dynamicMap, quantizeBlockwise, dequantizeBlockwise, InvalidArgumentError } from '../dist/index.js';
import { CONFIGS } from './helpers/harness.mjs';
import { quantizeRef, dequantizeRef, step8Ref, grad, initParam, adamScalars, BLOCK, search8 } from './helpers/reference-quant8.mjs';

const FIX = JSON.parse(readFileSync(new URL('./fixtures/bnb-8bit.json', import.meta.url), 'utf8'));
const bits = (a) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
const sameF32 = (a, b, what) => assert.deepEqual(bits(a), bits(b), what);

test('dynamicMap gives the torch maps bit for bit and the published construction', () => {
  const s = dynamicMap(true), u = dynamicMap(false);
  sameF32(s, FIX.signedMap, 'signed map vs torch'); sameF32(u, FIX.unsignedMap, 'unsigned map vs torch');
  for (const [m, signed] of [[s, true], [u, false]]) {
    assert.equal(m.length, 256);
    for (let i = 1; i < 256; i++) assert.ok(m[i] > m[i - 1] || (signed === false && i === 0), `sorted at ${i}`);
    // The formula in f64: midpoints of linspace(0.1, 1, k + 1) times 10^(i-6); the f32 map within 2^-20 relative.
    const exact = [0, 1];
    for (let i = 0; i < 7; i++) {
      const k = signed ? 2 ** i : 2 ** (i + 1);
      for (let j = 0; j < k; j++) { const mid = 0.1 + 0.9 * (j + 0.5) / k; exact.push(mid * 10 ** (i - 6)); if (signed) exact.push(-mid * 10 ** (i - 6)); }
    }
    exact.sort((a, b) => a - b);
    for (let i = 0; i < 256; i++) assert.ok(Math.abs(m[i] - exact[i]) <= Math.abs(exact[i]) * 2 ** -20, `entry ${i}: ${m[i]} vs ${exact[i]}`);
  }
  assert.equal(s[127], 0); assert.equal(s[255], 1); assert.equal(s[0], Math.fround(-0.99296875)); assert.ok(Math.abs(s[128] - 5.5e-7) < 1e-13);
  assert.equal(u[0], 0); assert.ok(Math.abs(u[1] - 3.25e-7) < 1e-13); assert.equal(u[255], 1);
  s[0] = 7; assert.notEqual(dynamicMap(true)[0], 7, 'a copy');
  assert.throws(() => dynamicMap('yes'), InvalidArgumentError);
});

test('quantizeBlockwise / dequantizeBlockwise match torch and the JS reference in every build; codes are nearest', async () => {
  for (const cfg of CONFIGS) {
    const e = await init(cfg);
    for (const [name, signed] of [['signed', true], ['unsigned', false]]) {
      const rt = FIX.roundTrip[name], map = dynamicMap(signed);
      const q = quantizeBlockwise(e, rt.input, { signed });
      assert.deepEqual(Array.from(q.codes), rt.codes, `${name} codes ${JSON.stringify(cfg)}`);
      sameF32(q.absmax, rt.absmax, `${name} absmax`);
      sameF32(dequantizeBlockwise(e, q, { signed }), rt.dequantized, `${name} dequantized`);
      if (cfg.simd === 'auto' && cfg.threads === 1) {
        const r = quantizeRef(Float32Array.from(rt.input), map, signed);
        assert.deepEqual(Array.from(r.codes), rt.codes); sameF32(dequantizeRef(r, map), rt.dequantized);
        // Nearest code of x/absmax (up to the midpoint rounding of the search), or the sign fix's neighbour.
        for (let i = 0; i < rt.input.length; i++) {
          const a = q.absmax[Math.floor(i / BLOCK)];
          if (a === 0) continue;
          const x = Math.fround(rt.input[i] / a), c = q.codes[i];
          const best = Math.min(...Array.from(map, (v) => Math.abs(v - x)));
          const fixed = signed && search8(x, map, true) !== c;
          if (!fixed) assert.ok(Math.abs(map[c] - x) <= best * (1 + 1e-6) + 1e-12, `element ${i}: code ${c} not nearest to ${x}`);
          else assert.equal(Math.abs(c - search8(x, map, true)) % 254, 1);
        }
      }
    }
    assert.throws(() => quantizeBlockwise(e, [1, NaN]), InvalidArgumentError);
    // non-numbers in a plain array are refused, never converted (fuzz at 4000 runs found Object.create(null) → TypeError)
    assert.throws(() => quantizeBlockwise(e, [1, '2']), /x\[1\] is/);
    assert.throws(() => quantizeBlockwise(e, [Object.create(null)]), InvalidArgumentError);
    assert.throws(() => quantizeBlockwise(e, [true]), InvalidArgumentError);
    assert.throws(() => quantizeBlockwise(e, [1], { map: [1, 2] }), InvalidArgumentError);
    assert.throws(() => dequantizeBlockwise(e, { codes: new Uint8Array(300), absmax: new Float32Array(1) }), InvalidArgumentError);
    assert.equal(quantizeBlockwise(e, []).codes.length, 0);
    await e.dispose();
  }
});

/** Runs the fused kernel of one fixture trajectory directly on engine buffers. */
function runKernel(e, tr, maps) {
  const n = tr.n, nb = Math.ceil(n / BLOCK), two = tr.kind === 'adam';
  const tbl = e.alloc(2 * nb, 'i32');
  for (let b = 0; b < nb; b++) { tbl.array[2 * b] = b * BLOCK; tbl.array[2 * b + 1] = Math.min(BLOCK, n - b * BLOCK); }
  const p = e.alloc(n), g = e.alloc(n), q1 = e.alloc(n, 'u8'), q2 = e.alloc(n, 'u8'), a1 = e.alloc(nb), a2 = e.alloc(nb), m1 = e.alloc(256), m2 = e.alloc(256);
  p.array.set(initParam(n)); m1.array.set(maps[0]); m2.array.set(maps[1]);
  const h = tr.hyper, lr = Math.fround(h.lr), wd = h.weightDecay ?? 0;
  for (let t = 1; t <= tr.steps; t++) {
    g.array.set(grad(t - 1, n));
    if (two) {
      const k = adamScalars(h, t);
      e.run('adam8_f32', nb, [tbl.ptr, p.ptr, g.ptr, q1.ptr, q2.ptr, a1.ptr, a2.ptr, m1.ptr, m2.ptr, k.b1, k.omb1, k.b2, k.omb2, k.stepSize, k.c2eps, k.decay, k.wd ? 1 : 0], 1, BLOCK);
    } else {
      const lion = tr.kind === 'lion', b1 = lion ? h.betas[0] : h.momentum, b2 = lion ? h.betas[1] : 0;
      const fl = (wd > 0 ? 1 : 0) | (t === 1 ? 2 : 0);
      e.run('onestate8_f32', nb, [tbl.ptr, p.ptr, g.ptr, q1.ptr, a1.ptr, m1.ptr, lion ? 0 : 1, b1, Math.fround(1 - Math.fround(b1)), b2, Math.fround(1 - Math.fround(b2)),
        lr, wd, Math.fround(1 - Math.fround(lr * Math.fround(wd))), fl], 1, BLOCK);
    }
  }
  const out = { param: p.array.slice(), state1: Array.from(q1.array), absmax1: a1.array.slice(), state2: Array.from(q2.array), absmax2: a2.array.slice() };
  for (const b of [tbl, p, g, q1, q2, a1, a2, m1, m2]) b.free();
  return out;
}

test('fused 8-bit Adam/AdamW, Lion and Momentum kernels match the torch script and the JS reference bit for bit in every build', async () => {
  const maps = [dynamicMap(true), dynamicMap(false)];
  for (const tr of FIX.trajectories) {
    const st = { p: initParam(tr.n), q1: new Uint8Array(tr.n), a1: new Float32Array(Math.ceil(tr.n / BLOCK)), q2: new Uint8Array(tr.n), a2: new Float32Array(Math.ceil(tr.n / BLOCK)) };
    for (let t = 1; t <= tr.steps; t++) step8Ref(tr.kind, tr.hyper, st, grad(t - 1, tr.n), t, maps);
    const what = `${tr.kind} ${JSON.stringify(tr.hyper)}`;
    sameF32(st.p, tr.param, `${what}: JS reference params vs torch`);
    assert.deepEqual(Array.from(st.q1), tr.state1, `${what}: JS reference state1`); sameF32(st.a1, tr.absmax1, `${what}: absmax1`);
    if (tr.kind === 'adam') { assert.deepEqual(Array.from(st.q2), tr.state2); sameF32(st.a2, tr.absmax2); }
    for (const cfg of CONFIGS) {
      const e = await init({ ...cfg, splitMin: cfg.threads === 2 ? 8 : undefined });
      const out = runKernel(e, tr, maps);
      sameF32(out.param, tr.param, `${what} ${JSON.stringify(cfg)}: params`);
      assert.deepEqual(out.state1, tr.state1, `${what} ${JSON.stringify(cfg)}: state1`);
      sameF32(out.absmax1, tr.absmax1);
      if (tr.kind === 'adam') { assert.deepEqual(out.state2, tr.state2); sameF32(out.absmax2, tr.absmax2); }
      await e.dispose();
    }
  }
});
