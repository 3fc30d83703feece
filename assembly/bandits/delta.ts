// Mergeable updates (src/bandits/delta.ts): exact sums of per-event terms, so that deltas merge in any
// order and grouping to the same bits.
//
// An accumulator is the exact value of a sum of f64 values, held as a signed integer N in units of
// 2^-1074 (the smallest subnormal): every finite f64 is m·2^s in these units (m < 2^53, 0 <= s <= 2045),
// so it adds exactly. N sits in CELLS = 68 little-endian 32-bit cells held as i64 while adding (each add
// changes a cell by < 2^33, so 2^29 adds fit before a carry pass); `normalize` propagates carries
// (cells 0..66 in [0, 2^32), the top cell signed). 68·32 = 2176 bits hold 2^53 sums of the largest
// finite f64 (2^2151 units). Integer addition is associative and commutative: a merged accumulator is
// the same integer whatever the order of events, deltas and merges. `roundCells` gives the correctly
// rounded (nearest, ties to even) f64 of N·2^-1074: one rounding, at apply time.
//
// Packed form (the bytes of a Delta's payload; canonical: one value, one encoding):
//   accumulator: u8 sign (0 zero: nothing follows; 1 positive; 2 negative), u8 lo (index of the lowest
//                nonzero cell), u8 n (cells lo..lo+n-1, the last nonzero), n × u32 magnitude cells
//   entry:       u32 arm, then S accumulators (one per slot: pulls, rewards, squares), arms increasing
import { f64at } from './common';
import { dot2, refreshArm } from './linear';

const CELLS: i32 = 68;
const CELL_BYTES: usize = <usize>CELLS << 3;
const M32: u64 = 0xFFFFFFFF;

// @ts-ignore: decorator
@inline function cell(c: usize, i: i32): i64 { return load<i64>(c + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline function setCell(c: usize, i: i32, v: i64): void { store<i64>(c + (<usize>i << 3), v); }

function zeroCells(c: usize, count: i32): void { memory.fill(c, 0, <usize>count * CELL_BYTES); }

/** Add the finite f64 x exactly to the accumulator at c. */
function accAdd(c: usize, x: f64): void {
  const bits = reinterpret<u64>(x);
  const E = <i32>((bits >> 52) & 0x7FF);
  let m = bits & 0xFFFFFFFFFFFFF;
  let sh: i32 = 0;
  if (E == 0) { if (m == 0) return; } else { m |= 0x10000000000000; sh = E - 1; }
  const L = sh >> 5, r = <u64>(sh & 31);
  const lo = (m & M32) << r, hi = (m >> 32) << r;
  const a0 = <i64>(lo & M32), a1 = <i64>(lo >> 32) + <i64>(hi & M32), a2 = <i64>(hi >> 32);
  if ((bits >> 63) != 0) { setCell(c, L, cell(c, L) - a0); setCell(c, L + 1, cell(c, L + 1) - a1); setCell(c, L + 2, cell(c, L + 2) - a2); }
  else { setCell(c, L, cell(c, L) + a0); setCell(c, L + 1, cell(c, L + 1) + a1); setCell(c, L + 2, cell(c, L + 2) + a2); }
}

/** Carry pass: cells 0..66 into [0, 2^32) (arithmetic shifts floor negative cells), the top cell signed. */
function normalize(c: usize): void {
  for (let i = 0; i < CELLS - 1; i++) {
    const v = cell(c, i);
    setCell(c, i, v & <i64>M32);
    setCell(c, i + 1, cell(c, i + 1) + (v >> 32));
  }
}

/** Normalize to sign and magnitude: afterwards every cell is in [0, 2^32) except an overflowing top (> 2^32 - 1, refused by pack). Returns true for a negative value. */
function toMagnitude(c: usize): bool {
  normalize(c);
  if (cell(c, CELLS - 1) >= 0) return false;
  for (let i = 0; i < CELLS; i++) setCell(c, i, -cell(c, i));
  normalize(c);
  return true;
}

/** The f64 nearest to the magnitude in cells (sign-magnitude form), ties to even; +Infinity past the f64 range. */
function roundMagnitude(c: usize): f64 {
  let h = CELLS - 1;
  while (h >= 0 && cell(c, h) == 0) h--;
  if (h < 0) return 0.0;
  const top = <u64>cell(c, h);
  if (top > M32) return Infinity;
  const P = (h << 5) + 63 - <i32>clz<u64>(top);
  if (P < 64) {
    const X = (<u64>cell(c, 0)) | (<u64>cell(c, 1) << 32);
    // X < 2^53: exact, and X·2^-1074 is representable; X >= 2^53: the product is normal, so the power-of-two scaling is exact.
    return <f64>X * reinterpret<f64>(<u64>1);
  }
  const q = P - 63, ci = q >> 5, r = q & 31;
  let w: u64;
  let sticky = false;
  if (r == 0) w = (<u64>cell(c, ci)) | (<u64>cell(c, ci + 1) << 32);
  else {
    w = (<u64>cell(c, ci) >> <u64>r) | (<u64>cell(c, ci + 1) << <u64>(32 - r)) | (<u64>cell(c, ci + 2) << <u64>(64 - r));
    if ((<u64>cell(c, ci) & ((<u64>1 << <u64>r) - 1)) != 0) sticky = true;
  }
  for (let j = 0; j < ci && !sticky; j++) if (cell(c, j) != 0) sticky = true;
  let mant = w >> 11;
  if (((w >> 10) & 1) != 0 && (sticky || (w & 0x3FF) != 0 || (mant & 1) != 0)) mant++;
  let E = P - 51;
  if (mant == (<u64>1 << 53)) { mant = <u64>1 << 52; E++; }
  if (E >= 2047) return Infinity;
  return reinterpret<f64>((<u64>E << 52) | (mant & 0xFFFFFFFFFFFFF));
}

/** Pack the accumulator at c (normalized here) to out; returns the bytes written, or -1 if it overflows 2176 bits. */
function pack(c: usize, out: usize): i32 {
  const neg = toMagnitude(c);
  if (<u64>cell(c, CELLS - 1) > M32) return -1;
  let hi = CELLS - 1;
  while (hi >= 0 && cell(c, hi) == 0) hi--;
  if (hi < 0) { store<u8>(out, 0); return 1; }
  let lo = 0;
  while (cell(c, lo) == 0) lo++;
  const n = hi - lo + 1;
  store<u8>(out, neg ? 2 : 1); store<u8>(out + 1, <u8>lo); store<u8>(out + 2, <u8>n);
  for (let j = 0; j < n; j++) store<u32>(out + 3 + (<usize>j << 2), <u32>cell(c, lo + j));
  return 3 + (n << 2);
}

/** Add the (checked) packed accumulator at p to the cells at c; returns its byte length. */
function unpackAdd(c: usize, p: usize): i32 {
  const sign = load<u8>(p);
  if (sign == 0) return 1;
  const lo = <i32>load<u8>(p + 1), n = <i32>load<u8>(p + 2);
  for (let j = 0; j < n; j++) {
    const v = <i64>load<u32>(p + 3 + (<usize>j << 2));
    setCell(c, lo + j, sign == 2 ? cell(c, lo + j) - v : cell(c, lo + j) + v);
  }
  return 3 + (n << 2);
}

/** Write the magnitude of the (checked) packed accumulator at p into zeroed cells at c; returns its byte length. */
function unpackMagnitude(c: usize, p: usize): i32 {
  if (load<u8>(p) == 0) return 1;
  const lo = <i32>load<u8>(p + 1), n = <i32>load<u8>(p + 2);
  for (let j = 0; j < n; j++) setCell(c, lo + j, <i64>load<u32>(p + 3 + (<usize>j << 2)));
  return 3 + (n << 2);
}

/** Byte length of a (checked) entry of S accumulators at p. */
function entryLength(p: usize, S: i32): i32 {
  let o = 4;
  for (let s = 0; s < S; s++) o += load<u8>(p + o) == 0 ? 1 : 3 + (<i32>load<u8>(p + o + 2) << 2);
  return o;
}

/**
 * Counting sort of n events by arm (arms in [0, K), checked by the caller): order (n i32) lists the
 * event indices arm by arm, in arrival order within an arm; heads (K + 1 i32) ends with heads[a] = the
 * end of arm a's run (= the start of arm a + 1's).
 */
function sortByArm(n: i32, arms: usize, K: i32, order: usize, heads: usize): void {
  memory.fill(heads, 0, <usize>(K + 1) << 2);
  for (let i = 0; i < n; i++) {
    const a = load<i32>(arms + (<usize>i << 2));
    store<i32>(heads + (<usize>(a + 1) << 2), load<i32>(heads + (<usize>(a + 1) << 2)) + 1);
  }
  for (let a = 0; a < K; a++) store<i32>(heads + (<usize>(a + 1) << 2), load<i32>(heads + (<usize>(a + 1) << 2)) + load<i32>(heads + (<usize>a << 2)));
  for (let i = 0; i < n; i++) {
    const a = load<i32>(arms + (<usize>i << 2)), hp = heads + (<usize>a << 2), pos = load<i32>(hp);
    store<i32>(order + (<usize>pos << 2), i);
    store<i32>(hp, pos + 1);
  }
}

/**
 * The packed delta of n events (arms, rewards; checked by the caller, arms in [0, K)): per arm with
 * events, in arm order, the exact sums of 1, reward and reward² (what bd_learn_stats adds to pulls,
 * rewards and squares; reward² is the same f64 product). Scratch: order (n i32), heads (K + 1 i32),
 * cells (3 accumulators). Returns the bytes written to out (at most min(n, K) · (4 + 3·(3 + 4·68))).
 */
export function bd_delta_stats(n: i32, arms: usize, rewards: usize, K: i32, order: usize, heads: usize, cells: usize, out: usize): i32 {
  sortByArm(n, arms, K, order, heads);
  // heads[a] is now the end of arm a's run (= the start of arm a + 1's).
  let start = 0, o: i32 = 0;
  const c1 = cells + CELL_BYTES, c2 = cells + 2 * CELL_BYTES;
  for (let a = 0; a < K; a++) {
    const end = load<i32>(heads + (<usize>a << 2));
    if (end == start) continue;
    zeroCells(cells, 3);
    for (let j = start; j < end; j++) {
      const r = f64at(rewards, load<i32>(order + (<usize>j << 2)));
      accAdd(cells, 1.0); accAdd(c1, r); accAdd(c2, r * r);
      if (((j - start) & 0xFFFFFF) == 0xFFFFFF) { normalize(cells); normalize(c1); normalize(c2); }
    }
    store<u32>(out + <usize>o, <u32>a); o += 4;
    for (let s = 0; s < 3; s++) {
      const w = pack(cells + <usize>s * CELL_BYTES, out + <usize>o);
      if (w < 0) return -1;
      o += w;
    }
    start = end;
  }
  return o;
}

/**
 * Check a packed payload of entries with S accumulators each against arms < K: returns the number of
 * entries, or a negative code: -1 truncated or trailing bytes, -2 arms not strictly increasing or >= K,
 * -3 a sign byte not 0/1/2, -4 cells out of range (n = 0 or lo + n > 68), -5 not canonical (lowest or
 * highest cell zero).
 */
export function bd_delta_check(p: usize, len: i32, S: i32, K: i32): i32 {
  let o = 0, count = 0, last: i64 = -1;
  while (o < len) {
    if (o + 4 > len) return -1;
    const a = <i64>load<u32>(p + <usize>o);
    if (a <= last || a >= <i64>K) return -2;
    last = a; o += 4;
    for (let s = 0; s < S; s++) {
      if (o + 1 > len) return -1;
      const sign = load<u8>(p + <usize>o);
      if (sign == 0) { o += 1; continue; }
      if (sign > 2) return -3;
      if (o + 3 > len) return -1;
      const lo = <i32>load<u8>(p + <usize>o + 1), n = <i32>load<u8>(p + <usize>o + 2);
      if (n == 0 || lo + n > CELLS) return -4;
      if (o + 3 + (n << 2) > len) return -1;
      if (load<u32>(p + <usize>o + 3) == 0 || load<u32>(p + <usize>o + 3 + (<usize>(n - 1) << 2)) == 0) return -5;
      o += 3 + (n << 2);
    }
    count++;
  }
  return o == len ? count : -1;
}

/**
 * Merge two checked payloads (S accumulators per entry): arms in either, in order; an arm in both gets
 * the exact sum of its accumulators. Returns the bytes written to out, -1 on overflow, or -2 when the
 * result would pass `cap` bytes (the caller retries with more room; at most alen + blen + S·(3 + 4·68)
 * per arm in both). cells: one accumulator of scratch.
 */
export function bd_delta_merge(a: usize, alen: i32, b: usize, blen: i32, S: i32, cells: usize, out: usize, cap: i32): i32 {
  let i = 0, j = 0, o = 0;
  while (i < alen || j < blen) {
    const ka: i64 = i < alen ? <i64>load<u32>(a + <usize>i) : 0x7FFFFFFFFFFF;
    const kb: i64 = j < blen ? <i64>load<u32>(b + <usize>j) : 0x7FFFFFFFFFFF;
    if (ka < kb) { const l = entryLength(a + <usize>i, S); if (o + l > cap) return -2; memory.copy(out + <usize>o, a + <usize>i, <usize>l); i += l; o += l; continue; }
    if (kb < ka) { const l = entryLength(b + <usize>j, S); if (o + l > cap) return -2; memory.copy(out + <usize>o, b + <usize>j, <usize>l); j += l; o += l; continue; }
    if (o + 4 > cap) return -2;
    store<u32>(out + <usize>o, <u32>ka); o += 4;
    let pa = 4, pb = 4;
    // slot by slot through one accumulator (the same bytes as all S at once; scratch stays 68 cells whatever S)
    for (let s = 0; s < S; s++) {
      zeroCells(cells, 1);
      pa += unpackAdd(cells, a + <usize>(i + pa));
      pb += unpackAdd(cells, b + <usize>(j + pb));
      if (o + 3 + 4 * CELLS > cap) return -2;
      const w = pack(cells, out + <usize>o);
      if (w < 0) return -1;
      o += w;
    }
    i += pa; j += pb;
  }
  return o;
}

/**
 * For each of `count` entries of a checked payload: its arm to outArms[e] and, per slot s, the f64
 * state[s·Kp + arm] + round(accumulator) to outVals[e·S + s] (slot s at state + s·Kp f64; state is
 * read, not written). cells: one accumulator of scratch.
 */
export function bd_delta_values(p: usize, count: i32, S: i32, state: usize, Kp: i32, cells: usize, outArms: usize, outVals: usize): void {
  let o: usize = 0;
  for (let e = 0; e < count; e++) {
    const a = <i32>load<u32>(p + o);
    store<i32>(outArms + (<usize>e << 2), a);
    o += 4;
    for (let s = 0; s < S; s++) {
      const sign = load<u8>(p + o);
      zeroCells(cells, 1);
      o += <usize>unpackMagnitude(cells, p + o);
      let v = roundMagnitude(cells);
      if (sign == 2) v = -v;
      store<f64>(outVals + (<usize>(e * S + s) << 3), f64at(state, s * Kp + a) + v);
    }
  }
}

/** Write the checked values of bd_delta_values back: state[s·Kp + arms[e]] = vals[e·S + s]. */
export function bd_delta_store(state: usize, Kp: i32, count: i32, S: i32, arms: usize, vals: usize): void {
  for (let e = 0; e < count; e++) {
    const a = load<i32>(arms + (<usize>e << 2));
    for (let s = 0; s < S; s++) store<f64>(state + (<usize>(s * Kp + a) << 3), f64at(vals, e * S + s));
  }
}

/** Union of two strictly increasing u64 lists into out (strictly increasing); returns its length (na + nb − the ids in both). */
export function bd_ids_union(a: usize, na: i32, b: usize, nb: i32, out: usize): i32 {
  let i = 0, j = 0, o = 0;
  while (i < na || j < nb) {
    let v: u64;
    if (j >= nb) { v = load<u64>(a + (<usize>i << 3)); i++; }
    else if (i >= na) { v = load<u64>(b + (<usize>j << 3)); j++; }
    else {
      const x = load<u64>(a + (<usize>i << 3)), y = load<u64>(b + (<usize>j << 3));
      if (x < y) { v = x; i++; } else if (y < x) { v = y; j++; } else { v = x; i++; j++; }
    }
    store<u64>(out + (<usize>o << 3), v);
    o++;
  }
  return o;
}

/** Sort n u64 ids ascending in place and drop repeats (LSD radix sort, 8 passes of 8 bits, through tmp); returns the count kept. */
export function bd_ids_sort(ids: usize, n: i32, tmp: usize, counts: usize): i32 {
  let src = ids, dst = tmp;
  for (let pass = 0; pass < 8; pass++) {
    const sh = <u64>(pass << 3);
    memory.fill(counts, 0, 256 << 2);
    for (let i = 0; i < n; i++) {
      const d = <usize>((load<u64>(src + (<usize>i << 3)) >> sh) & 0xFF);
      store<i32>(counts + (d << 2), load<i32>(counts + (d << 2)) + 1);
    }
    let s = 0;
    for (let d = 0; d < 256; d++) { const c = load<i32>(counts + (<usize>d << 2)); store<i32>(counts + (<usize>d << 2), s); s += c; }
    for (let i = 0; i < n; i++) {
      const v = load<u64>(src + (<usize>i << 3)), d = <usize>((v >> sh) & 0xFF), q = load<i32>(counts + (d << 2));
      store<u64>(dst + (<usize>q << 3), v);
      store<i32>(counts + (d << 2), q + 1);
    }
    const t = src; src = dst; dst = t;
  }
  // 8 passes: the sorted list is back in ids.
  let o = 0;
  for (let i = 0; i < n; i++) {
    const v = load<u64>(ids + (<usize>i << 3));
    if (o > 0 && load<u64>(ids + (<usize>(o - 1) << 3)) == v) continue;
    store<u64>(ids + (<usize>o << 3), v);
    o++;
  }
  return o;
}

// ---- linear policies (LinUCB, LinTS, ridge LinEpsilonGreedy / SquareCB): ΔA = Σ x xᵀ and Δb = Σ r x ----
// An entry holds S = d(d+1)/2 + d accumulators: the upper triangle of ΔA by rows (i <= j; x_i·x_j, exact
// in f64 for the f32-rounded contexts learn folds), then Δb (the f64 products r·x_i learn adds).

/**
 * The packed linear delta of n events (arms in [0, K), contexts ctx n × d f64, rewards): per arm with
 * events, in arm order, the exact sums above. Scratch: order (n i32), heads (K + 1 i32), cells (d
 * accumulators: one triangle row at a time). Returns the bytes written, -1 on overflow, -2 when out's
 * `cap` bytes would not hold it (the caller retries with more).
 */
export function bd_delta_lin(n: i32, arms: usize, ctx: usize, rewards: usize, K: i32, d: i32, order: usize, heads: usize, cells: usize, out: usize, cap: i32): i32 {
  sortByArm(n, arms, K, order, heads);
  let start = 0, o: i32 = 0;
  for (let a = 0; a < K; a++) {
    const end = load<i32>(heads + (<usize>a << 2));
    if (end == start) continue;
    if (o + 4 > cap) return -2;
    store<u32>(out + <usize>o, <u32>a); o += 4;
    // rows 0..d-1 of the triangle (accumulators j = i..d-1), then row d: Δb (accumulators 0..d-1)
    for (let i = 0; i <= d; i++) {
      const w = i < d ? d - i : d;
      zeroCells(cells, w);
      for (let q = start; q < end; q++) {
        const ev = load<i32>(order + (<usize>q << 2)), x = ctx + (<usize>(ev * d) << 3);
        if (i < d) { const xi = f64at(x, i); for (let j = 0; j < w; j++) accAdd(cells + <usize>j * CELL_BYTES, xi * f64at(x, i + j)); }
        else { const r = f64at(rewards, ev); for (let j = 0; j < d; j++) accAdd(cells + <usize>j * CELL_BYTES, r * f64at(x, j)); }
        if (((q - start) & 0xFFFFFF) == 0xFFFFFF) for (let j = 0; j < w; j++) normalize(cells + <usize>j * CELL_BYTES);
      }
      for (let j = 0; j < w; j++) {
        if (o + 3 + 4 * CELLS > cap) return -2;
        const b = pack(cells + <usize>j * CELL_BYTES, out + <usize>o);
        if (b < 0) return -1;
        o += b;
      }
    }
    start = end;
  }
  return o;
}

/** The rounded value of the checked packed accumulator at p (through the one-accumulator scratch c). */
function roundPacked(c: usize, p: usize): f64 {
  const sign = load<u8>(p);
  zeroCells(c, 1);
  unpackMagnitude(c, p);
  const v = roundMagnitude(c);
  return sign == 2 ? -v : v;
}
/** Byte length of the checked packed accumulator at p. */
// @ts-ignore: decorator
@inline function packedLength(p: usize): usize { return load<u8>(p) == 0 ? 1 : 3 + (<usize>load<u8>(p + 2) << 2); }

/**
 * Apply `count` entries of a checked linear payload to copies of the state (read, not written): per
 * entry its arm to outArms[e] and (M' then b', d² + d f64) to outVals + e·(d² + d), where b' = b +
 * round(Δb) and M' = (M⁻¹ + ΔA)⁻¹ by rank-one Sherman–Morrison steps (learn's: u = M l, s = 1 + lᵀu,
 * w = u/√s, M ← M − w wᵀ, M stays exactly symmetric) over the columns l of a pivoted Cholesky factor
 * of the rounded ΔA (largest remaining pivot first, the first on ties; stop when it is <= d·2^-52 ×
 * the largest diagonal: what is left is rounding). One event: l = ±x exactly, so the result is
 * learn's bits. work: d² + 3d f64; cells: one accumulator. Returns 0, or -(e + 1) when entry e's
 * result is not finite (or a step's s is not positive).
 */
export function bd_delta_lin_values(p: usize, count: i32, S: i32, d: i32, state: usize, offM: i32, offB: i32, work: usize, cells: usize, outArms: usize, outVals: usize): i32 {
  const D = work, l = work + (<usize>(d * d) << 3), u = l + (<usize>d << 3), used = u + (<usize>d << 3);
  let o: usize = 0;
  const stride = d * d + d;
  for (let e = 0; e < count; e++) {
    const a = <i32>load<u32>(p + o);
    store<i32>(outArms + (<usize>e << 2), a);
    o += 4;
    const M = outVals + (<usize>(e * stride) << 3), bv = M + (<usize>(d * d) << 3);
    memory.copy(M, state + (<usize>(offM + a * d * d) << 3), <usize>(d * d) << 3);
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) {
      const v = roundPacked(cells, p + o);
      o += packedLength(p + o);
      store<f64>(D + (<usize>(i * d + j) << 3), v);
      store<f64>(D + (<usize>(j * d + i) << 3), v);
    }
    for (let i = 0; i < d; i++) {
      const v = roundPacked(cells, p + o);
      o += packedLength(p + o);
      store<f64>(bv + (<usize>i << 3), f64at(state, offB + a * d + i) + v);
    }
    // pivoted Cholesky of D, one column at a time, each folded into M at once
    let maxd: f64 = 0;
    for (let i = 0; i < d; i++) { store<f64>(used + (<usize>i << 3), 0); const v = f64at(D, i * d + i); if (v > maxd) maxd = v; }
    const tol = maxd * <f64>d * 2.220446049250313e-16;
    for (let r = 0; r < d; r++) {
      let piv = -1, best: f64 = 0;
      for (let i = 0; i < d; i++) if (f64at(used, i) == 0 && f64at(D, i * d + i) > best) { best = f64at(D, i * d + i); piv = i; }
      if (piv < 0 || !(best > tol)) break;
      const sp = Math.sqrt(best);
      for (let i = 0; i < d; i++) store<f64>(l + (<usize>i << 3), f64at(used, i) == 0 ? f64at(D, i * d + piv) / sp : 0.0);
      for (let i = 0; i < d; i++) {
        if (f64at(used, i) != 0) continue;
        const li = f64at(l, i);
        for (let j = 0; j < d; j++) if (f64at(used, j) == 0) store<f64>(D + (<usize>(i * d + j) << 3), f64at(D, i * d + j) - li * f64at(l, j));
      }
      store<f64>(used + (<usize>piv << 3), 1);
      for (let i = 0; i < d; i++) store<f64>(u + (<usize>i << 3), dot2(M + (<usize>(i * d) << 3), l, d));
      const s = 1.0 + dot2(l, u, d);
      if (!(s > 0) || !isFinite(s)) return -(e + 1);
      const rs = Math.sqrt(s);
      for (let i = 0; i < d; i++) store<f64>(u + (<usize>i << 3), f64at(u, i) / rs); // u now holds w
      for (let i = 0; i < d; i++) {
        const wi = f64at(u, i), row = M + (<usize>(i * d) << 3);
        for (let j = 0; j < d; j++) store<f64>(row + (<usize>j << 3), f64at(row, j) - wi * f64at(u, j));
      }
    }
    for (let i = 0; i < d * d; i++) if (!isFinite(f64at(M, i))) return -(e + 1);
    for (let i = 0; i < d; i++) { const v = f64at(bv, i); if (!isFinite(v) || Math.abs(v) > 1e300) return -(e + 1); }
  }
  return 0;
}

/** Store bd_delta_lin_values's results: arm rows of M and b from vals, then that arm's scoring cache (refreshArm). */
export function bd_delta_lin_store(state: usize, offM: i32, offB: i32, d: i32, count: i32, arms: usize, vals: usize, cache: usize, cstride: i32): void {
  const stride = d * d + d;
  for (let e = 0; e < count; e++) {
    const a = load<i32>(arms + (<usize>e << 2)), src = vals + (<usize>(e * stride) << 3);
    const M = state + (<usize>(offM + a * d * d) << 3), bv = state + (<usize>(offB + a * d) << 3);
    memory.copy(M, src, <usize>(d * d) << 3);
    memory.copy(bv, src + (<usize>(d * d) << 3), <usize>d << 3);
    refreshArm(M, bv, d, cache + (<usize>(a * cstride) << 2));
  }
}

/**
 * The packed delta of n (index, term) pairs (indices in [0, K), finite terms; checked by the caller):
 * per index with terms, in index order, one accumulator holding the exact sum of its terms (the
 * adversarial family's cumulative estimates: bd_exp_terms). Scratch: order (n i32), heads (K + 1 i32),
 * cells (1 accumulator). Returns the bytes written to out (at most min(n, K) · (4 + 3 + 4·68)), or -1 on
 * overflow.
 */
export function bd_delta_sums(n: i32, idx: usize, values: usize, K: i32, order: usize, heads: usize, cells: usize, out: usize): i32 {
  sortByArm(n, idx, K, order, heads);
  let start = 0, o: i32 = 0;
  for (let a = 0; a < K; a++) {
    const end = load<i32>(heads + (<usize>a << 2));
    if (end == start) continue;
    zeroCells(cells, 1);
    for (let j = start; j < end; j++) {
      accAdd(cells, f64at(values, load<i32>(order + (<usize>j << 2))));
      if (((j - start) & 0xFFFFFF) == 0xFFFFFF) normalize(cells);
    }
    store<u32>(out + <usize>o, <u32>a); o += 4;
    const w = pack(cells, out + <usize>o);
    if (w < 0) return -1;
    o += w;
    start = end;
  }
  return o;
}
