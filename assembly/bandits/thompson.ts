// Thompson sampling over the shared statistics (./stats.ts): Beta-Bernoulli and Gaussian with unknown
// variance (Normal-Gamma prior). Draw j of arm k's posterior sample uses only stream S_SAMPLE + k (and
// its twin S_SAMPLE + k ^ 0x80000000) at draw index j, so each arm's sample is reproducible from
// (seed, event, k, j) and does not depend on the other arms or on the thread split. The decision is
// draw 0; the propensity is a fixed-count Monte Carlo over draws 1..M of every active arm:
//   propensity = (1 + Σ_{m=1..M} w_m) / (M + 1),  w_m = 1/#ties if the chosen arm's draw m is maximal, else 0
// (draw 0 counts as a win for the chosen arm, so the estimate is ≥ 1/(M + 1): never 0 for IPS). Its
// expectation is p + (1 − p)/(M + 1) and its standard deviation √(M·p(1 − p))/(M + 1) ≤ 0.5/√(M + 1),
// with p the exact probability that the arm's posterior sample is the largest.
import { gamma, normal } from '../core/rng';
import { zbeta, zbetaArms } from '../core/zig';
import { f64at, setf64, active, pickMax, S_SAMPLE } from './common';

/**
 * Beta(a0 + s, b0 + n − s) draw j of arm k (s = rewards, n = pulls): ../core/zig.ts's zbeta (ziggurat
 * Marsaglia–Tsang gammas, no transcendental on the common path) on stream S_SAMPLE + k.
 */
// @ts-ignore: decorator
@inline function betaDraw(k0: u32, k1: u32, h0: u32, h1: u32, k: i32, j: u32, pulls: usize, sums: usize, a0: f64, b0: f64): f64 {
  const n = f64at(pulls, k), s = f64at(sums, k);
  return zbeta(k0, k1, h0, h1, S_SAMPLE + <u32>k, j, a0 + s, b0 + (n - s));
}

/**
 * Gaussian posterior draw j of arm k under the Normal-Gamma prior (μ0, κ0, α0, β0) after n rewards
 * with sum s and sum of squares q: κn = κ0 + n, μn = (κ0·μ0 + s)/κn, αn = α0 + n/2,
 * βn = β0 + ½·max(0, q − s·x̄) + κ0·n·(x̄ − μ0)²/(2κn) (x̄ = s/n; βn = β0 when n = 0). Draw: precision
 * τ = g/βn with g ~ Gamma(αn, 1) (stream S_SAMPLE + k, draw j), then μ = μn + z/√(κn·τ) =
 * μn + z·√(βn/(κn·g)) with z ~ N(0, 1) (stream (S_SAMPLE + k) ^ 0x80000000, draw j): the marginal of μ is
 * Student-t with 2αn degrees of freedom, location μn, scale √(βn/(αn·κn)).
 */
function gaussDraw(k0: u32, k1: u32, h0: u32, h1: u32, k: i32, j: u32, pulls: usize, sums: usize, sq: usize,
                   mu0: f64, kap0: f64, al0: f64, be0: f64): f64 {
  const n = f64at(pulls, k), s = f64at(sums, k), q = f64at(sq, k);
  const kn = kap0 + n;
  const mn = (kap0 * mu0 + s) / kn;
  const an = al0 + 0.5 * n;
  let bn = be0;
  if (n > 0.0) {
    const xb = s / n;
    let ss = q - s * xb;
    if (!(ss > 0.0)) ss = 0.0;
    const dm = xb - mu0;
    bn = be0 + 0.5 * ss + kap0 * n * (dm * dm) / (2.0 * kn);
  }
  const s0 = S_SAMPLE + <u32>k;
  const g = gamma(k0, k1, h0, h1, s0, j, an);
  const z = normal(k0, k1, h0, h1, s0 ^ 0x80000000, j);
  return mn + z * Math.sqrt(bn / (kn * g));
}

/** Draw j of arm k for `mode` (0 Beta-Bernoulli with p0 = a0, p1 = b0; 1 Gaussian with (μ0, κ0, α0, β0)). */
// @ts-ignore: decorator
@inline function draw(mode: i32, k0: u32, k1: u32, h0: u32, h1: u32, k: i32, j: u32, pulls: usize, sums: usize, sq: usize,
                      p0: f64, p1: f64, p2: f64, p3: f64): f64 {
  return mode == 0 ? betaDraw(k0, k1, h0, h1, k, j, pulls, sums, p0, p1) : gaussDraw(k0, k1, h0, h1, k, j, pulls, sums, sq, p0, p1, p2, p3);
}

/**
 * Thompson sampling decide for copies [start, end): scores = each active arm's draw 0 (-Infinity for
 * removed arms), the arm = pickMax of them (ties, of probability 0 but possible, by the PRNG), the
 * propensity by the Monte Carlo above with M = draws further draws. mode 0: Beta-Bernoulli prior
 * (p0, p1) = (α, β); mode 1: Gaussian, (p0, p1, p2, p3) = (μ0, κ0, α0, β0).
 */
export function bd_ts_decide(start: i32, end: i32, state: usize, stride: i32, Kp: i32, K: i32, mask: usize,
                             k0: u32, k1: u32, hashes: usize, mode: i32, p0: f64, p1: f64, p2: f64, p3: f64, draws: i32,
                             outArm: usize, outProp: usize, outScores: usize): void {
  for (let r = start; r < end; r++) {
    const pulls = state + (<usize>r * <usize>stride << 3), sums = pulls + (<usize>Kp << 3), sq = sums + (<usize>Kp << 3);
    const sc = outScores + (<usize>r * <usize>K << 3);
    const h = hashes + (<usize>r << 3), h0 = load<u32>(h), h1 = load<u32>(h + 4);
    if (mode == 0) zbetaArms(k0, k1, h0, h1, S_SAMPLE, 0, K, pulls, sums, mask, p0, p1, sc, 0);   // betaDraw's values, two arms per Philox pass
    else {
      for (let k = 0; k < K; k++) setf64(sc, k, active(mask, k) ? draw(mode, k0, k1, h0, h1, k, 0, pulls, sums, sq, p0, p1, p2, p3) : -Infinity);
    }
    const arm = pickMax(sc, K, mask, k0, k1, h0, h1);
    store<i32>(outArm + (<usize>r << 2), arm);
    if (arm < 0) { setf64(outProp, r, 0.0); continue; }
    let wins: f64 = 1.0;
    for (let m = 1; m <= draws; m++) {
      let best: f64 = -Infinity, c = 0;
      let mine = false;
      for (let k = 0; k < K; k++) {
        if (!active(mask, k)) continue;
        let v = draw(mode, k0, k1, h0, h1, k, <u32>m, pulls, sums, sq, p0, p1, p2, p3);
        if (v != v) v = -Infinity;
        if (v > best) { best = v; c = 1; mine = k == arm; } else if (v == best) { c++; if (k == arm) mine = true; }
      }
      if (mine) wins += 1.0 / <f64>c;
    }
    setf64(outProp, r, wins / <f64>(draws + 1));
  }
}
