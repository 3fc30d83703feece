// The L-BFGS golden problems of scripts/golden_torch.py as closures over a ParamSet (test code: plain
// JS loops), bit for bit the same f32 gradient ops; the losses are f64 sums (their order differs from
// torch's by rounding in the last f64 bits only).
const f = Math.fround;

/** sum 0.5*c*(p-t)^2 (f64) with grad = c * (p - t) (f32), c and t one Float32Array per tensor. */
export function quadraticClosure(ps, cs, ts) {
  return () => {
    let loss = 0;
    ps.tensors.forEach((tn, i) => {
      const p = ps.param(tn.name), g = ps.gradOf(tn.name), c = cs[i], t = ts[i];
      for (let j = 0; j < p.length; j++) {
        g[j] = f(c[j] * f(p[j] - t[j]));
        const r = p[j] - t[j];
        loss += 0.5 * c[j] * r * r;
      }
    });
    return loss;
  };
}

/** Chained Rosenbrock over the concatenation of the tensors (the op order of golden_torch.py's rosenbrock). */
export function rosenbrockClosure(ps) {
  return () => {
    const parts = ps.tensors.map((tn) => ps.param(tn.name));
    const n = parts.reduce((s, a) => s + a.length, 0), x = new Float32Array(n), g = new Float32Array(n);
    let o = 0;
    for (const a of parts) { x.set(a, o); o += a.length; }
    let loss = 0;
    for (let i = 0; i + 1 < n; i++) {
      const a = x[i], u = f(x[i + 1] - f(a * a));
      g[i] = f(f(-2 * f(1 - a)) - f(f(400 * a) * u));
      loss += (1 - a) * (1 - a) + 100 * (u * u); // f64 from the f32 a and u, as golden_torch.py
    }
    for (let i = 0; i + 1 < n; i++) {
      const a = x[i], u = f(x[i + 1] - f(a * a));
      g[i + 1] = f(g[i + 1] + f(200 * u));
    }
    o = 0;
    for (const tn of ps.tensors) { ps.setGrad(tn.name, g.subarray(o, o + tn.size)); o += tn.size; }
    return loss;
  };
}
