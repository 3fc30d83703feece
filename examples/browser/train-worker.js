// The demo's training loop, in a module Web Worker (the page only draws): a 64-64-10 MLP (ReLU,
// softmax cross-entropy; 4,810 parameters) on scikit-learn's 8x8 digits (1,437 train / 360 test
// images, test/fixtures/digits.json), minibatches of 64 in a seeded order, trained by the simdopt
// optimizer the page picked, with its schedule. The four matrix products per step run in the
// engine's wasm (linalg.gemm); ReLU and softmax are the small elementwise parts done here.
// Messages in:  { type: 'train', run, optimizer, schedule, lr, steps, seed, evalEvery, stepsPerSecond }
//   (stepsPerSecond 0 = as fast as it goes; otherwise the worker waits between steps so a person can
//   watch the curves grow; the reported step time is the step's own compute time), { type: 'stop' }.
// Messages out: { type: 'info', run, info, crossOriginIsolated }; { type: 'steps', run, points: [{ step,
//   loss, accuracy?, stepMs }] } at most every ~30 ms (so the page's main thread gets a few messages,
//   not one per step); { type: 'done', run, accuracy, steps, medianStepMs }; { type: 'error', run, message }.
import {
  init, ParamSet, linalg, AdamW, Adam, Lion, SGD, LAMB, RAdam, Prodigy, Adafactor, ScheduleFreeAdamW,
  constantSchedule, warmupCosineDecay, linearDecayToZero, oneCycle,
} from '/dist/index.js';

const H = 64, F = 65, C = 10, B = 64; // hidden units, 64 pixels + bias input, classes, batch

/** Optimizers of the picker: constructor, default (peak) lr, extra options, whether a schedule applies. */
export const OPTIMIZERS = {
  adamw: { make: (p, lr) => new AdamW(p, { lr, weightDecay: 1e-2 }), lr: 3e-3 },
  adam: { make: (p, lr) => new Adam(p, { lr }), lr: 3e-3 },
  lion: { make: (p, lr) => new Lion(p, { lr, weightDecay: 1e-2 }), lr: 2e-3 },
  sgd: { make: (p, lr) => new SGD(p, { lr, momentum: 0.9, nesterov: true }), lr: 0.1 },
  lamb: { make: (p, lr) => new LAMB(p, { lr, weightDecay: 1e-2 }), lr: 1e-2 },
  radam: { make: (p, lr) => new RAdam(p, { lr }), lr: 3e-3 },
  prodigy: { make: (p, lr) => new Prodigy(p, { lr }), lr: 1 },
  // Schedule-free: no schedule by design (warm-up only); evaluated at its averaged iterate (eval()).
  schedule_free_adamw: { make: (p, lr, steps) => new ScheduleFreeAdamW(p, { lr, warmupSteps: Math.round(steps / 20) }), lr: 1e-2, schedule: false },
  // Adafactor with its own relative step size (Shazeer & Stern): lr and schedule do not apply.
  adafactor: { make: (p) => new Adafactor(p, {}), lr: null, schedule: false },
};

function schedule(engine, name, peak, steps) {
  switch (name) {
    case 'constant': return constantSchedule(peak);
    case 'warmup_cosine': return warmupCosineDecay(engine, { init: 0, peak, warmupSteps: Math.max(1, Math.round(steps / 20)), decaySteps: steps, end: peak / 100 });
    case 'linear_to_zero': return linearDecayToZero(engine, { init: peak, totalSteps: steps + 1, warmupSteps: Math.round(steps / 20) });
    case 'one_cycle': return oneCycle(engine, { maxLr: peak, totalSteps: steps + 1 });
    default: throw new Error(`unknown schedule ${name}`);
  }
}

let engine = null, data = null, stopRequested = false;
const lcg = (s) => () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);

async function setup() {
  if (!engine) engine = await init();
  if (!data) data = await (await fetch('/data/digits.json')).json();
  return { engine, data };
}

/** Rows of images as an F-column matrix (pixels in [0, 1], then the constant 1 of the bias). */
function images(d, rows) {
  const x = new Float32Array(rows.length * F);
  rows.forEach((r, i) => {
    for (let j = 0; j < 64; j++) x[i * F + j] = (d.pixels.charCodeAt(r * 64 + j) - 97) / 16;
    x[i * F + 64] = 1;
  });
  return x;
}

async function train(msg) {
  const { engine: e, data: d } = await setup();
  await e.ready;
  postMessage({ type: 'info', run: msg.run, info: e.info, crossOriginIsolated: self.crossOriginIsolated === true });
  const spec = OPTIMIZERS[msg.optimizer];
  if (!spec) throw new Error(`unknown optimizer ${msg.optimizer}`);
  const steps = msg.steps, rnd = lcg(msg.seed >>> 0 || 1);
  const params = new ParamSet(e, { W1: [F, H], W2: [H + 1, C] });
  // Glorot-uniform weights and zero biases from the seed (the same start for every optimizer).
  const glorot = (n, fanIn, fanOut, biasRow) => Float32Array.from({ length: n }, (_, i) => (Math.floor(i / (n / (fanIn + 1))) === biasRow ? 0 : (2 * rnd() - 1) * Math.sqrt(6 / (fanIn + fanOut))));
  params.setParam('W1', glorot(F * H, 64, H, 64));
  params.setParam('W2', glorot((H + 1) * C, H, C, H));
  const lr = spec.lr === null ? undefined : spec.schedule === false ? msg.lr : schedule(e, msg.schedule, msg.lr, steps);
  const opt = spec.make(params, lr, steps);
  const bufs = [];
  const buf = (n) => { const b = e.alloc(n); bufs.push(b); return b; };
  const w1 = buf(F * H), w2 = buf((H + 1) * C), x = buf(B * F), z1 = buf(B * H), h1 = buf(B * (H + 1)), z2 = buf(B * C),
    gW1 = buf(F * H), gW2 = buf((H + 1) * C), dh = buf(B * (H + 1)), dz1 = buf(B * H);
  const xTest = e.from(images(d, d.test)); bufs.push(xTest);
  const nTest = d.test.length, zt1 = buf(nTest * H), ht = buf(nTest * (H + 1)), zt2 = buf(nTest * C);
  const label = (r) => d.labels.charCodeAt(r) - 48;
  const order = d.train.slice();
  const times = [];
  const accuracy = () => {
    if (opt.eval) opt.eval();
    w1.array.set(params.param('W1')); w2.array.set(params.param('W2'));
    linalg.gemm(e, xTest, w1, zt1, nTest, H, F);
    const a = zt1.array, hh = ht.array;
    for (let i = 0; i < nTest; i++) { for (let j = 0; j < H; j++) hh[i * (H + 1) + j] = Math.max(0, a[i * H + j]); hh[i * (H + 1) + H] = 1; }
    linalg.gemm(e, ht, w2, zt2, nTest, C, H + 1);
    let correct = 0;
    for (let i = 0; i < nTest; i++) {
      const row = zt2.array.subarray(i * C, i * C + C);
      if (row.indexOf(Math.max(...row)) === label(d.test[i])) correct++;
    }
    if (opt.train) opt.train();
    return correct / nTest;
  };
  stopRequested = false;
  let lastAcc = 0, cursor = order.length, pending = [], lastFlush = performance.now();
  const flush = () => { if (pending.length) postMessage({ type: 'steps', run: msg.run, points: pending }); pending = []; lastFlush = performance.now(); };
  const pace = msg.stepsPerSecond > 0 ? 1000 / msg.stepsPerSecond : 0, tStart = performance.now();
  try {
    for (let t = 0; t < steps && !stopRequested; t++) {
      const t0 = performance.now();
      if (cursor + B > order.length) { // a new epoch: shuffle (Fisher-Yates, seeded)
        for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
        cursor = 0;
      }
      const rows = order.slice(cursor, cursor + B); cursor += B;
      x.array.set(images(d, rows));
      w1.array.set(params.param('W1')); w2.array.set(params.param('W2'));
      linalg.gemm(e, x, w1, z1, B, H, F);                                   // Z1 = X·W1
      const a1 = z1.array, hb = h1.array;
      for (let i = 0; i < B; i++) { for (let j = 0; j < H; j++) hb[i * (H + 1) + j] = Math.max(0, a1[i * H + j]); hb[i * (H + 1) + H] = 1; }
      linalg.gemm(e, h1, w2, z2, B, C, H + 1);                              // Z2 = [relu(Z1), 1]·W2
      const p = z2.array;
      let loss = 0;
      for (let i = 0; i < B; i++) {                                          // Z2 <- (softmax − onehot) / B
        let m = -Infinity, s = 0;
        for (let c = 0; c < C; c++) m = Math.max(m, p[i * C + c]);
        for (let c = 0; c < C; c++) s += (p[i * C + c] = Math.exp(p[i * C + c] - m));
        const y = label(rows[i]);
        loss -= Math.log(p[i * C + y] / s) / B;
        for (let c = 0; c < C; c++) p[i * C + c] = (p[i * C + c] / s - (c === y ? 1 : 0)) / B;
      }
      linalg.gemm(e, h1, z2, gW2, H + 1, C, B, { transA: true });          // ∇W2 = H1ᵀ·dZ2
      linalg.gemm(e, z2, w2, dh, B, H + 1, C, { transB: true });           // dH1 = dZ2·W2ᵀ
      const g = dh.array, dz = dz1.array;
      for (let i = 0; i < B; i++) for (let j = 0; j < H; j++) dz[i * H + j] = a1[i * H + j] > 0 ? g[i * (H + 1) + j] : 0;
      linalg.gemm(e, x, dz1, gW1, F, H, B, { transA: true });              // ∇W1 = Xᵀ·dZ1
      params.setGrad('W1', gW1.array); params.setGrad('W2', gW2.array);
      opt.step();
      times.push(performance.now() - t0);
      const evalNow = (t + 1) % msg.evalEvery === 0 || t + 1 === steps;
      if (evalNow) lastAcc = accuracy();
      pending.push({ step: t + 1, loss, accuracy: evalNow ? lastAcc : undefined, stepMs: times.at(-1) });
      const now = performance.now();
      if (now - lastFlush >= 30) flush();
      // wait for the pace, or yield now and then at full speed, so that a 'stop' message is seen
      const wait = pace ? tStart + (t + 1) * pace - now : (t + 1) % 25 === 0 ? 0 : -1;
      if (wait >= 0) await new Promise((r) => setTimeout(r, wait));
    }
    flush();
    const sorted = times.slice().sort((a, b) => a - b);
    postMessage({ type: 'done', run: msg.run, accuracy: lastAcc, steps: times.length, medianStepMs: sorted[sorted.length >> 1] ?? 0 });
  } finally {
    for (const b of bufs) b.free();
    opt.free(); params.free();
  }
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  if (msg.type === 'stop') { stopRequested = true; return; }
  if (msg.type !== 'train') return;
  try { await train(msg); } catch (err) { postMessage({ type: 'error', run: msg.run, message: `${err.name}: ${err.message}` }); }
};
