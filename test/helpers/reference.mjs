// f32-exact JS references of the fused kernels: Math.fround after every operation, in the kernels'
// operation order (assembly/sgd.ts, assembly/adam.ts). The per-step scalars are passed in exactly as
// the optimizers compute them, so a mismatch is a kernel bug, not a scalar one.
const f = Math.fround;

export function sgdRef(p, g, buf, { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, maximize = false }, first) {
  const negLr = f(-lr), mom = f(momentum), omd = f(1 - dampening), wd = f(weightDecay);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i];
    let d = g[i];
    if (maximize) d = -d;
    if (weightDecay !== 0) d = f(d + f(wd * pi));
    if (momentum !== 0) {
      const b = first ? d : f(f(buf[i] * mom) + f(omd * d));
      buf[i] = b;
      d = nesterov ? f(d + f(mom * b)) : b;
    }
    p[i] = f(pi + f(negLr * d));
  }
}

/** One Adam/AdamW step; `s` = { m, v, vmax }, t is the 1-based step, pow is the engine's f64 pow. */
export function adamRef(p, g, s, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false, maximize = false }, decoupled, t, pow, sqrt) {
  const [b1, b2] = betas;
  const bc1 = 1 - pow(b1, t), sq = sqrt(1 - pow(b2, t));
  const fb1 = f(b1), fomb1 = f(1 - b1), fb2 = f(b2), fomb2 = f(1 - b2);
  const stepHat = f(-(lr * sq) / bc1), epsHat = f(eps * sq), wd = f(weightDecay), decay = f(1 - lr * weightDecay);
  for (let i = 0; i < p.length; i++) {
    let pi = p[i];
    let d = g[i];
    if (maximize) d = -d;
    if (decoupled) pi = f(pi * decay);
    else if (weightDecay !== 0) d = f(d + f(wd * pi));
    const m = f(f(s.m[i] * fb1) + f(fomb1 * d));
    const v = f(f(s.v[i] * fb2) + f(f(fomb2 * d) * d));
    s.m[i] = m; s.v[i] = v;
    let vs = v;
    if (amsgrad) { vs = Math.max(s.vmax[i], v); s.vmax[i] = vs; }
    const denom = f(f(Math.sqrt(vs)) + epsHat);
    p[i] = f(pi + f(f(stepHat * m) / denom));
  }
}

/** mulberry32: a seeded integer PRNG giving floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(n, seed, scale = 1) {
  const r = rng(seed), a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale;
  return a;
}

export function sameBits(a, b) {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
