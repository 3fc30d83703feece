// An independent f32-exact JS reference of L-BFGS (src/optim/lbfgs.ts, itself torch 1.13's lbfgs.py):
// plain loops over a flat, 4-aligned padded arena laid out like a ParamSet; vector ops rounded with
// Math.fround (torch's fused add(alpha) as the f64-emulated FMA of assembly/fma.ts); dots, |x| sums in
// the engine's fixed blocked f64 order (assembly/reduce.ts): lane i mod 4 inside 4096-blocks,
// (l0 + l1) + (l2 + l3), then a pairwise fold of the block partials.
const f = Math.fround;
const fma = (a, b, c) => f(a * b + c);
const BLOCK = 4096;

function pairwise(p, lo, n) { if (n === 1) return p[lo]; const h = n >> 1; return pairwise(p, lo, h) + pairwise(p, lo + h, n - h); }
function blocked(n, term) {
  const parts = [];
  for (let b = 0; b < n; b += BLOCK) {
    const l = [0, 0, 0, 0];
    for (let i = b; i < Math.min(b + BLOCK, n); i++) l[(i - b) & 3] += term(i);
    parts.push((l[0] + l[1]) + (l[2] + l[3]));
  }
  return parts.length ? pairwise(parts, 0, parts.length) : 0;
}
const dot = (x, y) => blocked(x.length, (i) => x[i] * y[i]);
const absSum = (x) => blocked(x.length, (i) => Math.abs(x[i]));
const maxAbs = (x) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const axpy = (y, x, a) => { a = f(a); for (let i = 0; i < y.length; i++) y[i] = fma(a, x[i], y[i]); };
const scaled = (x, a) => { a = f(a); return x.map((v) => f(v * a)); };
const pmax = (a, b) => (b > a ? b : a), pmin = (a, b) => (b < a ? b : a);

/** A ParamSet-shaped view over flat arrays (for the closures of lbfgs-problems.mjs). */
export function flatParams(spec) {
  const tensors = [];
  let off = 0;
  for (const [name, shape] of Object.entries(spec)) {
    const size = [].concat(shape).reduce((a, b) => a * b, 1);
    tensors.push({ name, size, offset: off });
    off += Math.ceil(size / 4) * 4;
  }
  const data = new Float32Array(off), grad = new Float32Array(off), by = Object.fromEntries(tensors.map((t) => [t.name, t]));
  const view = (a, n) => a.subarray(by[n].offset, by[n].offset + by[n].size);
  return { tensors, size: off, data, grad, param: (n) => view(data, n), gradOf: (n) => view(grad, n),
    setParam: (n, v) => data.set(v, by[n].offset), setGrad: (n, v) => grad.set(v, by[n].offset) };
}

/** L-BFGS over `ps` (flatParams); returns { step(closure) -> loss, counts() }. `sqrt` is the engine's. */
export function lbfgsRef(ps, { lr = 1, maxIter = 20, maxEval = Math.floor(maxIter * 5 / 4), toleranceGrad = 1e-7,
  toleranceChange = 1e-9, historySize = 100, lineSearchFn = null }, sqrt) {
  const st = { funcEvals: 0, nIter: 0, d: null, t: 0, dirs: [], stps: [], ro: [], hDiag: 1, prev: null, prevLoss: 0 };
  const cubic = (x1, f1, g1, x2, f2, g2, bounds) => {
    const [xmin, xmax] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
    const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2), d2sq = d1 * d1 - g1 * g2;
    if (d2sq >= 0) {
      const d2 = sqrt(d2sq);
      const m = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
      return pmin(pmax(m, xmin), xmax);
    }
    return (xmin + xmax) / 2;
  };
  const addGrad = (t, d) => axpy(ps.data, d, t);
  const obj = (closure, x, t, d) => { addGrad(t, d); const l = closure(); const g = ps.grad.slice(); ps.data.set(x); return [l, g]; };
  function strongWolfe(closure, x, t, d, fv, g, gtd) {
    const c1 = 1e-4, c2 = 0.9, maxLs = 25, dNorm = maxAbs(d);
    let [fNew, gNew] = obj(closure, x, t, d), evals = 1, gtdNew = dot(gNew, d);
    let tPrev = 0, fPrev = fv, gPrev = g, gtdPrev = gtd, done = false, it = 0, br, bf, bg, bgtd;
    while (it < maxLs) {
      if (fNew > fv + c1 * t * gtd || (it > 1 && fNew >= fPrev)) { br = [tPrev, t]; bf = [fPrev, fNew]; bg = [gPrev, gNew]; bgtd = [gtdPrev, gtdNew]; break; }
      if (Math.abs(gtdNew) <= -c2 * gtd) { br = [t]; bf = [fNew]; bg = [gNew]; done = true; break; }
      if (gtdNew >= 0) { br = [tPrev, t]; bf = [fPrev, fNew]; bg = [gPrev, gNew]; bgtd = [gtdPrev, gtdNew]; break; }
      const tmp = t;
      t = cubic(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [t + 0.01 * (t - tPrev), t * 10]);
      tPrev = tmp; fPrev = fNew; gPrev = gNew; gtdPrev = gtdNew;
      [fNew, gNew] = obj(closure, x, t, d); evals++; gtdNew = dot(gNew, d); it++;
    }
    if (it === maxLs) { br = [0, t]; bf = [fv, fNew]; bg = [g, gNew]; }
    let insuf = false, [lo, hi] = bf[0] <= bf[bf.length - 1] ? [0, 1] : [1, 0];
    while (!done && it < maxLs) {
      if (Math.abs(br[1] - br[0]) * dNorm < toleranceChange) break;
      t = cubic(br[0], bf[0], bgtd[0], br[1], bf[1], bgtd[1]);
      const bmax = pmax(br[0], br[1]), bmin = pmin(br[0], br[1]), eps = 0.1 * (bmax - bmin);
      if (pmin(bmax - t, t - bmin) < eps) {
        if (insuf || t >= bmax || t <= bmin) { t = Math.abs(t - bmax) < Math.abs(t - bmin) ? bmax - eps : bmin + eps; insuf = false; } else insuf = true;
      } else insuf = false;
      [fNew, gNew] = obj(closure, x, t, d); evals++; gtdNew = dot(gNew, d); it++;
      if (fNew > fv + c1 * t * gtd || fNew >= bf[lo]) {
        br[hi] = t; bf[hi] = fNew; bg[hi] = gNew; bgtd[hi] = gtdNew;
        [lo, hi] = bf[0] <= bf[1] ? [0, 1] : [1, 0];
      } else {
        if (Math.abs(gtdNew) <= -c2 * gtd) done = true;
        else if (gtdNew * (br[hi] - br[lo]) >= 0) { br[hi] = br[lo]; bf[hi] = bf[lo]; bg[hi] = bg[lo]; bgtd[hi] = bgtd[lo]; }
        br[lo] = t; bf[lo] = fNew; bg[lo] = gNew; bgtd[lo] = gtdNew;
      }
    }
    return [bf[lo], bg[lo], br[lo], evals];
  }
  return {
    counts: () => [st.funcEvals, st.nIter],
    step(closure) {
      const orig = closure();
      let loss = orig, evals = 1;
      st.funcEvals++;
      let g = ps.grad.slice(), opt = maxAbs(g) <= toleranceGrad;
      if (opt) return orig;
      let d = st.d, t = st.t, n = 0;
      while (n < maxIter) {
        n++; st.nIter++;
        if (st.nIter === 1) { d = scaled(g, -1); st.dirs = []; st.stps = []; st.ro = []; st.hDiag = 1; } else {
          const y = g.map((v, i) => f(v - st.prev[i])), s = scaled(d, t), ys = dot(y, s);
          if (ys > 1e-10) {
            if (st.dirs.length === historySize) { st.dirs.shift(); st.stps.shift(); st.ro.shift(); }
            st.dirs.push(y); st.stps.push(s); st.ro.push(1 / ys); st.hDiag = ys / dot(y, y);
          }
          const k = st.dirs.length, al = [];
          const q = scaled(g, -1);
          for (let i = k - 1; i >= 0; i--) { al[i] = dot(st.stps[i], q) * st.ro[i]; axpy(q, st.dirs[i], -al[i]); }
          d = scaled(q, st.hDiag);
          for (let i = 0; i < k; i++) { const be = dot(st.dirs[i], d) * st.ro[i]; axpy(d, st.stps[i], al[i] - be); }
        }
        st.prev = g.slice(); st.prevLoss = loss;
        t = st.nIter === 1 ? pmin(1, 1 / absSum(g)) * lr : lr;
        const gtd = dot(g, d);
        if (gtd > -toleranceChange) break;
        let ls = 0;
        if (lineSearchFn) {
          [loss, g, t, ls] = strongWolfe(closure, ps.data.slice(), t, d, loss, g, gtd);
          addGrad(t, d); opt = maxAbs(g) <= toleranceGrad;
        } else {
          addGrad(t, d);
          if (n !== maxIter) { loss = closure(); g = ps.grad.slice(); opt = maxAbs(g) <= toleranceGrad; ls = 1; }
        }
        evals += ls; st.funcEvals += ls;
        if (n === maxIter || evals >= maxEval || opt) break;
        if (Math.abs(t) * maxAbs(d) <= toleranceChange) break;
        if (Math.abs(loss - st.prevLoss) < toleranceChange) break;
      }
      st.d = d; st.t = t;
      return orig;
    },
  };
}
