// The demo page: controls, one Web Worker per run (train-worker.js), live SVG curves. Nothing here
// trains; the page only draws what the workers post, at most once per animation frame.
// window.__demo exposes the runs' data for test/demo-browser.test.mjs.

const OPTIMIZERS = [
  ['adamw', 'AdamW', 3e-3], ['adam', 'Adam', 3e-3], ['lion', 'Lion', 2e-3], ['schedule_free_adamw', 'Schedule-Free AdamW', 1e-2],
  ['adafactor', 'Adafactor (relative step)', null], ['sgd', 'SGD, Nesterov momentum', 0.1], ['lamb', 'LAMB', 1e-2],
  ['radam', 'RAdam', 3e-3], ['prodigy', 'Prodigy (lr-free)', 1],
];
const NO_SCHEDULE = new Set(['schedule_free_adamw', 'adafactor']);
const SCHEDULES = [['warmup_cosine', 'warm-up + cosine'], ['constant', 'constant'], ['linear_to_zero', 'warm-up + linear to zero'], ['one_cycle', 'one-cycle']];
const COLORS = ['#2a6fd6', '#e0672b'];
const $ = (id) => document.getElementById(id);
const demo = (window.__demo = { runs: [], clicks: [], info: null, crossOriginIsolated: null, training: false });

function fillSelect(sel, items, value) {
  sel.innerHTML = items.map(([v, label]) => `<option value="${v}">${label}</option>`).join('');
  sel.value = value;
}
for (const k of ['a', 'b']) {
  fillSelect($(`opt-${k}`), OPTIMIZERS, k === 'a' ? 'adamw' : 'lion');
  fillSelect($(`sched-${k}`), SCHEDULES, 'warmup_cosine');
  const sync = () => {
    const o = $(`opt-${k}`).value, def = OPTIMIZERS.find((x) => x[0] === o)[2];
    const off = k === 'b' && !$('compare').checked;
    $(`lr-${k}`).value = def ?? '';
    $(`lr-${k}`).disabled = off || def === null;
    $(`sched-${k}`).disabled = off || NO_SCHEDULE.has(o);
  };
  $(`opt-${k}`).addEventListener('change', sync);
  sync();
}
$('compare').addEventListener('change', () => {
  const on = $('compare').checked;
  $('opt-b').disabled = !on;
  $('opt-b').dispatchEvent(new Event('change'));
});

// Responsiveness probe: how long after the browser created the click event its handler ran.
$('ping').addEventListener('click', (ev) => {
  demo.clicks.push({ delayMs: performance.now() - ev.timeStamp, during: demo.training });
  $('ping-count').textContent = String(demo.clicks.length);
});

// ---------- charts ----------
const W = 480, Hh = 260, M = { l: 44, r: 10, t: 10, b: 28 };
const svgNS = 'http://www.w3.org/2000/svg';
const el = (name, attrs, text) => { const e = document.createElementNS(svgNS, name); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); if (text !== undefined) e.textContent = text; return e; };

function axes(svg, { yTicks, yLabel, xMax }) {
  svg.replaceChildren();
  const pw = W - M.l - M.r, ph = Hh - M.t - M.b;
  for (const [v, y] of yTicks) {
    svg.append(el('line', { class: 'grid', x1: M.l, x2: W - M.r, y1: y, y2: y }));
    svg.append(el('text', { x: M.l - 6, y: y + 4, 'text-anchor': 'end' }, v));
  }
  for (let i = 0; i <= 4; i++) {
    const x = M.l + (pw * i) / 4;
    svg.append(el('text', { x, y: Hh - 10, 'text-anchor': 'middle' }, String(Math.round((xMax * i) / 4))));
  }
  svg.append(el('line', { class: 'axis', x1: M.l, x2: M.l, y1: M.t, y2: M.t + ph }));
  svg.append(el('line', { class: 'axis', x1: M.l, x2: W - M.r, y1: M.t + ph, y2: M.t + ph }));
  svg.append(el('text', { x: W - M.r, y: Hh - 10 + 12, 'text-anchor': 'end' }, ''));
  svg.append(el('text', { x: M.l + 4, y: M.t + 12 }, yLabel));
}
const LOSS_MIN = 0.01, LOSS_MAX = 4;
const lossY = (v) => { const ph = Hh - M.t - M.b; const f = (Math.log10(Math.min(LOSS_MAX, Math.max(LOSS_MIN, v))) - Math.log10(LOSS_MIN)) / (Math.log10(LOSS_MAX) - Math.log10(LOSS_MIN)); return M.t + ph * (1 - f); };
const accY = (v) => M.t + (Hh - M.t - M.b) * (1 - v);
const stepX = (s, xMax) => M.l + ((W - M.l - M.r) * s) / xMax;

function resetCharts(xMax) {
  axes($('loss'), { yTicks: [['4', lossY(4)], ['1', lossY(1)], ['0.1', lossY(0.1)], ['0.01', lossY(0.01)]], yLabel: 'loss', xMax });
  axes($('acc'), { yTicks: [0, 0.2, 0.4, 0.6, 0.8, 1].map((v) => [`${Math.round(v * 100)}%`, accY(v)]), yLabel: 'accuracy', xMax });
}

let dirty = false;
function draw() {
  dirty = false;
  const xMax = Number($('steps').value) || 1;
  for (const r of demo.runs) {
    r.lossLine.setAttribute('points', r.losses.map((v, i) => `${stepX(i + 1, xMax).toFixed(1)},${lossY(v).toFixed(1)}`).join(' '));
    r.accLine.setAttribute('points', r.accs.map(([s, v]) => `${stepX(s, xMax).toFixed(1)},${accY(v).toFixed(1)}`).join(' '));
    const last = r.accs.at(-1);
    r.row.innerHTML = `<td><span class="swatch" style="background:${r.color}"></span>${r.label}</td><td>${r.losses.length}</td>`
      + `<td>${r.losses.length ? r.losses.at(-1).toFixed(4) : '—'}</td><td>${last ? (100 * last[1]).toFixed(1) + '%' : '—'}</td>`
      + `<td>${r.stepMs.length ? median(r.stepMs.slice(-50)).toFixed(3) + ' ms' : '—'}</td><td>${r.status}</td>`;
  }
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const schedule = () => { if (!dirty) { dirty = true; requestAnimationFrame(draw); } };

function showEngine(info, coi) {
  demo.info = info; demo.crossOriginIsolated = coi;
  $('engine').textContent = `engine.info: ${JSON.stringify({ runtime: info.runtime, variant: info.variant, simd: info.simd, threads: info.threads, sharedMemory: info.sharedMemory, version: info.version })}\n`
    + `crossOriginIsolated: ${coi}${info.fallbacks.length ? `\nfallbacks: ${info.fallbacks.join('; ')}` : '\nfallbacks: none'}`;
}

// ---------- runs ----------
function startRun(k, index, common) {
  const optimizer = $(`opt-${k}`).value;
  const label = OPTIMIZERS.find((x) => x[0] === optimizer)[1] + (NO_SCHEDULE.has(optimizer) ? '' : `, ${SCHEDULES.find((s) => s[0] === $(`sched-${k}`).value)[1]}`);
  const r = { key: k, optimizer, label, color: COLORS[index], losses: [], accs: [], stepMs: [], status: 'starting', done: false, worker: new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' }) };
  r.lossLine = el('polyline', { stroke: r.color, 'data-run': String(index) });
  r.accLine = el('polyline', { stroke: r.color, 'data-run': String(index) });
  $('loss').append(r.lossLine); $('acc').append(r.accLine);
  r.row = document.createElement('tr'); $('runs').append(r.row);
  r.worker.onmessage = ({ data: m }) => {
    if (m.type === 'info') { showEngine(m.info, m.crossOriginIsolated); r.status = 'training'; }
    else if (m.type === 'steps') for (const p of m.points) { r.losses.push(p.loss); r.stepMs.push(p.stepMs); if (p.accuracy !== undefined) r.accs.push([p.step, p.accuracy]); }
    else if (m.type === 'done') { r.done = true; r.status = `done in ${r.losses.length} steps`; r.medianStepMs = m.medianStepMs; finish(); }
    else if (m.type === 'error') { r.done = true; r.status = `error: ${m.message}`; r.error = m.message; finish(); }
    schedule();
  };
  r.worker.onerror = (e) => { r.done = true; r.status = `error: ${e.message}`; r.error = e.message; finish(); schedule(); };
  const lr = Number($(`lr-${k}`).value);
  r.worker.postMessage({ type: 'train', run: index, optimizer, schedule: $(`sched-${k}`).value, lr, ...common });
  return r;
}

function finish() {
  if (!demo.runs.every((r) => r.done)) return;
  demo.training = false;
  for (const r of demo.runs) r.worker.terminate();
  $('train').disabled = false; $('stop').disabled = true;
}

$('train').addEventListener('click', () => {
  for (const r of demo.runs) r.worker.terminate();
  $('runs').replaceChildren();
  const steps = Math.max(1, Math.min(20000, Math.round(Number($('steps').value) || 400)));
  $('steps').value = steps;
  resetCharts(steps);
  const common = { steps, seed: Math.round(Number($('seed').value) || 1), evalEvery: Math.max(1, Math.round(steps / 80)), stepsPerSecond: Number($('speed').value) };
  demo.training = true;
  demo.runs = [startRun('a', 0, common)];
  if ($('compare').checked) demo.runs.push(startRun('b', 1, common));
  $('train').disabled = true; $('stop').disabled = false;
  schedule();
});
$('stop').addEventListener('click', () => { for (const r of demo.runs) r.worker.postMessage({ type: 'stop' }); });

resetCharts(Number($('steps').value));
