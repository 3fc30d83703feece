// f32-exact references (Math.fround after every operation) of other libraries' documented update
// rules, written stage by stage in each library's own terms, for the `preset` options:
//   optax.adam / adamw / amsgrad, optax.rmsprop, optax.adagrad, and TensorFlow/Keras Adam (ε-hat).
// Per-step scalars are f64 (the engine's pow) rounded once to f32, as everywhere in simdopt.
const f = Math.fround;
const rsqrt = (x) => f(1 / f(Math.sqrt(x)));

/**
 * optax: scale_by_adam (or scale_by_amsgrad) -> [add_decayed_weights] -> scale_by_learning_rate.
 *   mu = (1-b1) g + b1 mu;  nu = (1-b2) g^2 + b2 nu;  mu_hat = mu / (1-b1^t);  nu_hat = nu / (1-b2^t)
 *   amsgrad: nu_max = max(nu_max, nu_hat), used in place of nu_hat
 *   u = mu_hat / (sqrt(nu_hat + eps_root) + eps);  adamw: u = u + wd p;  p = p + (-lr) u
 * `l2`: Adam's coupled decay g = g + wd p before the moments (add_decayed_weights first in the chain).
 */
export function optaxAdamRef(p, g, s, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, epsRoot = 0, weightDecay = 0, amsgrad = false, maximize = false }, decoupled, t, pow) {
  const [b1, b2] = betas;
  const fb1 = f(b1), fb2 = f(b2), omb1 = f(1 - b1), omb2 = f(1 - b2);
  const bc1 = f(1 - pow(b1, t)), bc2 = f(1 - pow(b2, t)), root = f(epsRoot), fe = f(eps), wd = f(weightDecay), step = f(-lr);
  for (let i = 0; i < p.length; i++) {
    let gi = maximize ? -g[i] : g[i];
    if (!decoupled && weightDecay !== 0) gi = f(gi + f(wd * p[i]));
    const mu = f(f(omb1 * gi) + f(fb1 * s.m[i]));
    const nu = f(f(omb2 * f(gi * gi)) + f(fb2 * s.v[i]));
    s.m[i] = mu; s.v[i] = nu;
    const muHat = f(mu / bc1);
    let nuHat = f(nu / bc2);
    if (amsgrad) { nuHat = Math.max(s.vmax[i], nuHat); s.vmax[i] = nuHat; }
    let u = f(muHat / f(f(Math.sqrt(f(nuHat + root))) + fe));
    if (decoupled && weightDecay !== 0) u = f(u + f(wd * p[i]));
    p[i] = f(p[i] + f(u * step));
  }
}

/**
 * TensorFlow / Keras Adam (the docstring's form, "epsilon hat"):
 *   lr_t = lr sqrt(1-b2^t) / (1-b1^t);  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g g
 *   amsgrad: v_hat = max(v_hat, v);  p = p - lr_t m / (sqrt(v) + eps)
 * AdamW: p = p (1 - lr wd) first (decoupled, as simdopt's AdamW).
 */
export function tfAdamRef(p, g, s, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-7, weightDecay = 0, amsgrad = false, maximize = false }, decoupled, t, pow, sqrt) {
  const [b1, b2] = betas;
  const lrT = f(-(lr * sqrt(1 - pow(b2, t))) / (1 - pow(b1, t)));
  const fb1 = f(b1), fb2 = f(b2), omb1 = f(1 - b1), omb2 = f(1 - b2), fe = f(eps), wd = f(weightDecay), decay = f(1 - lr * weightDecay);
  for (let i = 0; i < p.length; i++) {
    let pi = p[i], gi = maximize ? -g[i] : g[i];
    if (decoupled) pi = f(pi * decay);
    else if (weightDecay !== 0) gi = f(gi + f(wd * pi));
    const m = f(f(s.m[i] * fb1) + f(omb1 * gi));
    const v = f(f(s.v[i] * fb2) + f(f(omb2 * gi) * gi));
    s.m[i] = m; s.v[i] = v;
    let vs = v;
    if (amsgrad) { vs = Math.max(s.vmax[i], v); s.vmax[i] = vs; }
    p[i] = f(pi + f(f(lrT * m) / f(f(Math.sqrt(vs)) + fe)));
  }
}

/**
 * optax.rmsprop: scale_by_rms (centered: scale_by_stddev), eps_in_sqrt -> scale_by_learning_rate -> trace.
 *   nu = (1-decay) g^2 + decay nu;  [mu = (1-decay) g + decay mu]
 *   u = g rsqrt(nu + eps)  [centered: g rsqrt(nu - mu^2 + eps)];  u = -lr u;  momentum: t = u + m t, u = t
 *   p = p + u
 */
export function optaxRmspropRef(p, g, s, { lr = 1e-2, alpha = 0.9, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false, maximize = false }) {
  const d = f(alpha), omd = f(1 - alpha), fe = f(eps), wd = f(weightDecay), mom = f(momentum), step = f(-lr);
  for (let i = 0; i < p.length; i++) {
    let gi = maximize ? -g[i] : g[i];
    if (weightDecay !== 0) gi = f(gi + f(wd * p[i]));
    const nu = f(f(omd * f(gi * gi)) + f(d * s.sq[i]));
    s.sq[i] = nu;
    let x = nu;
    if (centered) {
      const mu = f(f(omd * gi) + f(d * s.ga[i]));
      s.ga[i] = mu;
      x = f(nu - f(mu * mu));
    }
    let u = f(step * f(gi * rsqrt(f(x + fe))));
    if (momentum > 0) { u = f(u + f(mom * s.buf[i])); s.buf[i] = u; }
    p[i] = f(p[i] + u);
  }
}

/**
 * optax.adagrad: scale_by_rss -> scale_by_learning_rate.
 *   sum = g^2 + sum (starts at initial_accumulator_value);  u = where(sum > 0, rsqrt(sum + eps), 0) g;  p = p - lr u
 * (lr decayed as torch's lr_decay when given: clr = lr / (1 + (t-1) lr_decay)).
 */
export function optaxAdagradRef(p, g, s, { lr = 1e-2, lrDecay = 0, eps = 1e-7, weightDecay = 0, maximize = false }, t) {
  const step = f(-(lr / (1 + (t - 1) * lrDecay))), fe = f(eps), wd = f(weightDecay);
  for (let i = 0; i < p.length; i++) {
    let gi = maximize ? -g[i] : g[i];
    if (weightDecay !== 0) gi = f(gi + f(wd * p[i]));
    const sum = f(f(gi * gi) + s.sum[i]);
    s.sum[i] = sum;
    const inv = sum > 0 ? rsqrt(f(sum + fe)) : 0;
    p[i] = f(p[i] + f(step * f(inv * gi)));
  }
}
