// Expert aggregation rules as in the R package opera (Gaillard & Goude), with its "gradient trick":
// each round the mixture p forecasts pred = Σ p_i x_i, the experts' (linearised) losses ℓ_i and the
// mixture's ℓ̂ are formed, and r_i = ℓ̂ − ℓ_i is the instantaneous regret. Rules (state after [t, 0]):
//   0 EWA/Hedge: R += r, p ∝ exp(η R) (max-shifted).           state R(N)
//   1 FixedShare: L = η R (log-weights); p = softmax(L); L ← log(α/N + (1 − α) softmax(L + η r)).  L(N)
//   2 MLpol (Gaillard, Stoltz & van Erven 2014): p ∝ η_i (R_i)_+ (uniform when no R_i > 0),
//     R += r, η_i ← 1/(1/η_i + r_i²), η_i starting at e^700.    R(N), eta(N)
//   3 BOA (Wintenberger 2017): v_i = −log(E_i)/2 + Rreg_i/√E_i over the experts with E_i > 0, p_i ∝
//     exp(v_i − max v) there (total mass = their count), weight 1 elsewhere; E += 2.2 r²,
//     Rreg += r − r²/√E (on E_i > 0).                          R(N), Rreg(N), E(N)
// η of EWA: c (rule param mode 0) or c/√t at round t (mode 1). Losses (opera's lossPred): 0 square
// (x − y)², 1 absolute |x − y|, 2 pinball ((y < x) − τ)(x − y), 3 percentage |x − y|/y; with the gradient
// trick ℓ_i = ℓ'(pred)·x_i: 2(pred − y)x_i, sign(pred − y)x_i, ((y < pred) − τ)x_i, sign(pred − y)/y·x_i.
import { ld, st } from './common';
import { exp_f64, log_f64 } from '../core/math';

function softmaxInto(n: i32, v: usize, p: usize): void {
  let mx: f64 = -Infinity;
  for (let i = 0; i < n; i++) { const a = ld(v, i); if (a > mx) mx = a; }
  let s: f64 = 0;
  // v_i − mx is NaN only when both are the same infinity: that expert takes a full share (the limit)
  for (let i = 0; i < n; i++) { const dv = ld(v, i) - mx; const e = dv != dv ? 1.0 : exp_f64(dv); st(p, i, e); s += e; }
  for (let i = 0; i < n; i++) st(p, i, ld(p, i) / s);
}

/** The mixture p of round t + 1 (t = updates so far) into p. Scratch: N f64. */
export function on_experts_weights(n: i32, rule: i32, state: usize, p: usize, scratch: usize, mode: i32, c: f64): void {
  const t = ld(state, 0) + 1.0;
  const a = state + 16, b = a + (<usize>n << 3), e = b + (<usize>n << 3);
  if (rule == 0) {
    const eta = mode == 0 ? c : c / Math.sqrt(t);
    for (let i = 0; i < n; i++) st(scratch, i, eta * ld(a, i));
    softmaxInto(n, scratch, p);
  } else if (rule == 1) {
    softmaxInto(n, a, p);
  } else if (rule == 2) {
    let any = false;
    for (let i = 0; i < n; i++) if (ld(a, i) > 0) any = true;
    if (!any) { for (let i = 0; i < n; i++) st(p, i, 1.0 / <f64>n); return; }
    let s: f64 = 0, inf: f64 = 0;
    for (let i = 0; i < n; i++) { const ri = ld(a, i); const w = ri > 0 ? ld(b, i) * ri : 0.0; st(p, i, w); s += w; if (w == Infinity) inf += 1.0; }
    // limits: overflowing products share the mass; all products underflowing to 0 give the uniform mixture
    if (inf > 0) { for (let i = 0; i < n; i++) st(p, i, ld(p, i) == Infinity ? 1.0 / inf : 0.0); return; }
    if (!(s > 0)) { for (let i = 0; i < n; i++) st(p, i, 1.0 / <f64>n); return; }
    for (let i = 0; i < n; i++) st(p, i, ld(p, i) / s);
  } else {
    let cnt: f64 = 0, mx: f64 = -Infinity;
    for (let i = 0; i < n; i++) {
      const ei = ld(e, i);
      if (ei > 0) { const v = -log_f64(ei) / 2 + ld(b, i) / Math.sqrt(ei); st(scratch, i, v); if (v > mx) mx = v; cnt += 1.0; }
    }
    let s: f64 = 0;
    for (let i = 0; i < n; i++) if (ld(e, i) > 0) { const w = exp_f64(ld(scratch, i) - mx); st(scratch, i, w); s += w; }
    let tot: f64 = 0;
    for (let i = 0; i < n; i++) { const w = ld(e, i) > 0 ? (cnt * ld(scratch, i)) / s : 1.0; st(p, i, w); tot += w; }
    for (let i = 0; i < n; i++) st(p, i, ld(p, i) / tot);
  }
}

/** The mixture's forecast Σ p_i x_i (sequential order). */
export function on_experts_combine(n: i32, p: usize, x: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += ld(x, i) * ld(p, i);
  return s;
}

// @ts-ignore: decorator
@inline function sgn(v: f64): f64 { return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0; }

// @ts-ignore: decorator
@inline function lossOf(loss: i32, x: f64, y: f64, tau: f64): f64 {
  if (loss == 0) return (x - y) * (x - y);
  if (loss == 1) return Math.abs(x - y);
  if (loss == 2) return ((y < x ? 1.0 : 0.0) - tau) * (x - y);
  return Math.abs(x - y) / y;
}
// @ts-ignore: decorator
@inline function slopeOf(loss: i32, pred: f64, y: f64, tau: f64): f64 {
  if (loss == 0) return 2.0 * (pred - y);
  if (loss == 1) return sgn(pred - y);
  if (loss == 2) return (y < pred ? 1.0 : 0.0) - tau;
  return sgn(pred - y) / y;
}

/**
 * One round. input = the experts' losses (form 0: ℓ̂ = Σ p_i ℓ_i) or their forecasts x (form 1, with
 * the outcome y and loss / gradient trick flag grad). out[0] = the mixture's forecast (form 1; else
 * ℓ̂), out[1] = its loss. Scratch: 3N f64 (p, r, work).
 */
export function on_experts_update(n: i32, rule: i32, state: usize, input: usize, form: i32, y: f64, loss: i32, tau: f64, grad: i32,
                                  mode: i32, c: f64, alpha: f64, scratch: usize, out: usize): void {
  const p = scratch, r = scratch + (<usize>n << 3), w = r + (<usize>n << 3);
  on_experts_weights(n, rule, state, p, w, mode, c);
  const t = ld(state, 0) + 1.0;
  let lpred: f64 = 0, pred: f64 = 0;
  if (form == 0) {
    for (let i = 0; i < n; i++) lpred += ld(input, i) * ld(p, i);
    for (let i = 0; i < n; i++) st(r, i, lpred - ld(input, i));
    st(out, 0, lpred); st(out, 1, lpred);
  } else {
    pred = on_experts_combine(n, p, input);
    st(out, 0, pred); st(out, 1, lossOf(loss, pred, y, tau));
    if (grad) {
      const s = slopeOf(loss, pred, y, tau);
      lpred = s * pred;
      for (let i = 0; i < n; i++) st(r, i, lpred - s * ld(input, i));
    } else {
      lpred = lossOf(loss, pred, y, tau);
      for (let i = 0; i < n; i++) st(r, i, lpred - lossOf(loss, ld(input, i), y, tau));
    }
  }
  st(state, 0, t);
  const a = state + 16, b = a + (<usize>n << 3), e = b + (<usize>n << 3);
  if (rule == 0) {
    for (let i = 0; i < n; i++) st(a, i, ld(a, i) + ld(r, i));
  } else if (rule == 1) {
    for (let i = 0; i < n; i++) st(w, i, ld(a, i) + c * ld(r, i));
    softmaxInto(n, w, w);
    const base = alpha / <f64>n, keep = 1.0 - alpha;
    for (let i = 0; i < n; i++) st(a, i, log_f64(base + keep * ld(w, i)));
  } else if (rule == 2) {
    for (let i = 0; i < n; i++) {
      const ri = ld(r, i);
      st(a, i, ld(a, i) + ri);
      st(b, i, 1.0 / (1.0 / ld(b, i) + ri * ri));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const ri = ld(r, i);
      const ei = ld(e, i) + 2.2 * (ri * ri);
      st(e, i, ei);
      st(a, i, ld(a, i) + ri);
      if (ei > 0) st(b, i, ld(b, i) + (ri - (ri * ri) / Math.sqrt(ei)));
    }
  }
}

/** Initial state: MLpol η_i = e^700 (as opera); every other value 0 (FixedShare: L = η log w0, w0 = 1). */
export function on_experts_init(n: i32, rule: i32, state: usize): void {
  const b = state + 16 + (<usize>n << 3);
  if (rule == 2) { const e7 = exp_f64(700.0); for (let i = 0; i < n; i++) st(b, i, e7); }
}
