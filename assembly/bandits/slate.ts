// Top-k slates of the linear policies (LinUCB, LinTS): k distinct arms ranked by score, with the exact
// per-position propensity (LinUCB) or its Monte Carlo estimate (LinTS). Order of two offered arms a, c:
// a first iff s_a > s_c, or s_a = s_c and u_a > u_c, or also u_a = u_c and a < c, where s are the
// scores (NaN as -Infinity) and u_a = uniform(seed, event, S_TIE, a) a per-arm random key, so arms tied
// on score appear in a uniformly random order: the arm at position j belongs to a tie group of g arms
// and was placed there with probability 1/g (LinUCB's propensity of position j, exact).
import { normal, uniform } from '../core/rng';
import { S_SAMPLE, S_TIE } from './common';

// @inline
function before(sa: f64, ua: f64, a: i32, sc: f64, uc: f64, c: i32): bool {
  return sa > sc || (sa == sc && (ua > uc || (ua == uc && a < c)));
}
// @ts-ignore: decorator
@inline function val(p: usize, a: i32): f64 { const v = load<f64>(p + (<usize>a << 3)); return v != v ? -Infinity : v; }

/**
 * Rank `k` arms per context [start, end): scores f64 B×K (bd_lin_score), mask[b·maskB + a]; keys: f64
 * B×K scratch (filled here with u_a). outArms i32 B×k, outProp f64 B×k (1/#arms tied with the position's
 * score). The caller guarantees ≥ k offered arms per context.
 */
export function bd_lin_slate(start: i32, end: i32, scores: usize, K: i32, mask: usize, maskB: i32, k: i32,
                             k0: u32, k1: u32, hashes: usize, keys: usize, outArms: usize, outProp: usize): void {
  for (let b = start; b < end; b++) {
    const sc = scores + (<usize>(b * K) << 3), mb = mask + <usize>(b * maskB), ky = keys + (<usize>(b * K) << 3);
    const h = hashes + (<usize>b << 3), h0 = load<u32>(h), h1 = load<u32>(h + 4);
    for (let a = 0; a < K; a++) store<f64>(ky + (<usize>a << 3), load<u8>(mb + <usize>a) != 0 ? uniform(k0, k1, h0, h1, S_TIE, <u32>a) : 0.0);
    let ps: f64 = Infinity, pu: f64 = 2.0, pa = -1;
    for (let j = 0; j < k; j++) {
      let best = -1, bs: f64 = 0, bu: f64 = 0;
      for (let a = 0; a < K; a++) {
        if (load<u8>(mb + <usize>a) == 0) continue;
        const s = val(sc, a), u = load<f64>(ky + (<usize>a << 3));
        if (pa >= 0 && !before(ps, pu, pa, s, u, a)) continue;
        if (best < 0 || before(s, u, a, bs, bu, best)) { best = a; bs = s; bu = u; }
      }
      let g = 0;
      for (let a = 0; a < K; a++) if (load<u8>(mb + <usize>a) != 0 && val(sc, a) == bs) g++;
      store<i32>(outArms + (<usize>(b * k + j) << 2), best);
      store<f64>(outProp + (<usize>(b * k + j) << 3), 1.0 / <f64>g);
      ps = bs; pu = bu; pa = best;
    }
  }
}

/**
 * LinTS slate propensities of contexts [start, end): position j's share of draws 0..M whose ranking puts
 * the slate's arm j at position j (draw 0 is the slate itself); draw m of arm a is mean + sd·z with
 * z = normal(seed, event, S_SAMPLE + a, m) and (mean, sd) from aux (bd_lin_score mode 1); ranking as
 * bd_lin_slate with the same keys. work: f64 B×K scratch for a draw's samples.
 */
export function bd_lin_ts_slate_prop(start: i32, end: i32, aux: usize, K: i32, mask: usize, maskB: i32, k: i32, M: i32,
                                     k0: u32, k1: u32, hashes: usize, keys: usize, arms: usize, work: usize, outProp: usize): void {
  for (let b = start; b < end; b++) {
    const mb = mask + <usize>(b * maskB), ky = keys + (<usize>(b * K) << 3), ab = aux + (<usize>(b * K) << 3), smp = work + (<usize>(b * K) << 3);
    const h = hashes + (<usize>b << 3), h0 = load<u32>(h), h1 = load<u32>(h + 4);
    for (let j = 0; j < k; j++) store<f64>(outProp + (<usize>(b * k + j) << 3), 1.0);
    for (let m = 1; m <= M; m++) {
      for (let a = 0; a < K; a++) {
        if (load<u8>(mb + <usize>a) == 0) continue;
        const z = <f32>normal(k0, k1, h0, h1, S_SAMPLE + <u32>a, <u32>m);
        const ap = ab + (<usize>a << 3);
        store<f64>(smp + (<usize>a << 3), <f64>(load<f32>(ap) + load<f32>(ap + 4) * z));
      }
      let ps: f64 = Infinity, pu: f64 = 2.0, pa = -1;
      for (let j = 0; j < k; j++) {
        let best = -1, bs: f64 = 0, bu: f64 = 0;
        for (let a = 0; a < K; a++) {
          if (load<u8>(mb + <usize>a) == 0) continue;
          const s = val(smp, a), u = load<f64>(ky + (<usize>a << 3));
          if (pa >= 0 && !before(ps, pu, pa, s, u, a)) continue;
          if (best < 0 || before(s, u, a, bs, bu, best)) { best = a; bs = s; bu = u; }
        }
        if (best == load<i32>(arms + (<usize>(b * k + j) << 2))) {
          const o = outProp + (<usize>(b * k + j) << 3);
          store<f64>(o, load<f64>(o) + 1.0);
        }
        ps = bs; pu = bu; pa = best;
      }
    }
    for (let j = 0; j < k; j++) { const o = outProp + (<usize>(b * k + j) << 3); store<f64>(o, load<f64>(o) / <f64>(M + 1)); }
  }
}
