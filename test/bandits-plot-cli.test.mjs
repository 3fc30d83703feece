// bandits.plotRegret (src/bandits/plot.ts) and the simdopt CLI (bin/simdopt.mjs): the SVG is well-formed
// XML (a strict checker, test/helpers/xml.mjs) with one curve and band per policy and the Lai–Robbins
// curve, and renders in headless Chromium (the curves' colours appear on a canvas; skipped without
// /usr/bin/chromium unless SIMDOPT_REQUIRE_ALL_RUNTIMES=1); option errors; the CLI end to end (node on
// the bin: table on stdout, progress on stderr, the SVG file) and its strict argument errors (status 2).
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, bandits } from '../dist/index.js';
import { parseXml } from './helpers/xml.mjs';

const BIN = fileURLToPath(new URL('../bin/simdopt.mjs', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

async function sample() {
  const e = await init({ threads: 1 });
  const res = bandits.simulate(e, { env: 'bernoulli:0.1,0.5,0.9', policies: ['ucb1', { policy: 'ucb1', options: { alpha: 0.3 }, label: 'UCB1 <α=0.3> & co' }], horizon: 2000, repetitions: 30, seed: 5, checkpoints: 40 });
  await e.dispose();
  return res;
}

test('plotRegret: well-formed standalone SVG with a band and a curve per policy, the lower bound, axes and legend', async () => {
  const res = await sample();
  for (const opts of [{}, { logX: true, title: 'a "title" <with> & marks', width: 900, height: 500 }, { bands: false, lowerBound: false, colors: ['red', '#00f'] }]) {
    const svg = bandits.plotRegret(res, opts);
    const { root, elements } = parseXml(svg);
    assert.equal(root, 'svg');
    assert.equal(elements[0].attrs.xmlns, 'http://www.w3.org/2000/svg');
    const paths = elements.filter((x) => x.name === 'path');
    const bands = paths.filter((p) => p.attrs['fill-opacity']), curves = paths.filter((p) => p.attrs.fill === 'none' && !p.attrs['stroke-dasharray']);
    const lb = paths.filter((p) => p.attrs['stroke-dasharray']);
    assert.equal(curves.length, 2);
    assert.equal(bands.length, opts.bands === false ? 0 : 2);
    assert.equal(lb.length, opts.lowerBound === false ? 0 : 1);
    // every curve has one vertex per checkpoint, inside the plot
    for (const c of curves) {
      const pts = c.attrs.d.split(' ').map((s) => s.slice(1).split(',').map(Number));
      assert.equal(pts.length, res.checkpoints.length);
      for (const [x, y] of pts) assert.ok(x >= 0 && x <= (opts.width ?? 720) && y >= 0 && y <= (opts.height ?? 440), `${x},${y}`);
    }
    const texts = svg.match(/<text[^>]*>[^<]*<\/text>/g).map((t) => t.replace(/<[^>]+>/g, ''));
    assert.ok(texts.includes('UCB1') && texts.includes('UCB1 &lt;α=0.3&gt; &amp; co'), 'legend entries, escaped');
    if (opts.lowerBound !== false) assert.ok(texts.some((t) => t.startsWith('Lai–Robbins')));
    if (opts.logX) assert.ok(texts.includes('1000') && texts.includes('100'), 'decade ticks');
  }
  // option and result errors
  const bad = [[{ widht: 3 }, /did you mean "width"/], [{ width: 10 }, /width/], [{ logX: 1 }, /logX/], [{ colors: ['url(javascript:x)'] }, /colors/], [{ title: 5 }, /title/]];
  for (const [o, re] of bad) assert.throws(() => bandits.plotRegret(res, o), (e) => e.name === 'InvalidArgumentError' && re.test(e.message));
  assert.throws(() => bandits.plotRegret({}), /checkpoints/);
  assert.throws(() => bandits.plotRegret({ ...res, policies: [{ ...res.policies[0], regret: { ...res.policies[0].regret, mean: new Float64Array(3) } }] }), /mean/);
  // adversarial result: y axis says "regret vs best fixed arm", no lower bound
  const e = await init({ threads: 1 });
  const adv = bandits.simulate(e, { env: 'adversarial:ucb1', policies: ['ucb1'], horizon: 300, repetitions: 2 });
  await e.dispose();
  const svg = bandits.plotRegret(adv);
  parseXml(svg);
  assert.ok(svg.includes('regret vs best fixed arm') && !svg.includes('Lai–Robbins'));
});

test('plotRegret renders in headless Chromium: an SVG document with no parser error, the curve colours painted', { timeout: 120000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.SIMDOPT_REQUIRE_ALL_RUNTIMES === '1') assert.fail(`chromium not found at ${CHROMIUM}`);
    t.skip(`chromium not found at ${CHROMIUM}`);
    return;
  }
  const svg = bandits.plotRegret(await sample(), { colors: ['#ff0000', '#0000ff'] });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    await page.goto(`data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`);
    const doc = await page.evaluate(() => ({ ns: document.documentElement.namespaceURI, errors: document.getElementsByTagName('parsererror').length, paths: document.querySelectorAll('path').length, width: document.documentElement.getBBox().width }));
    assert.deepEqual({ ns: doc.ns, errors: doc.errors }, { ns: 'http://www.w3.org/2000/svg', errors: 0 });
    assert.ok(doc.paths >= 5 && doc.width > 600, JSON.stringify(doc));
    await page.goto('about:blank');
    const px = await page.evaluate(async (src) => {
      const img = new Image();
      img.src = URL.createObjectURL(new Blob([src], { type: 'image/svg+xml' }));
      await img.decode();
      const c = document.createElement('canvas'); c.width = 720; c.height = 440;
      const g = c.getContext('2d'); g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, 720, 440).data;
      let red = 0, blue = 0, dark = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] > 200 && d[i + 1] < 60 && d[i + 2] < 60) red++;
        if (d[i + 2] > 200 && d[i] < 60 && d[i + 1] < 60) blue++;
        if (d[i] < 60 && d[i + 1] < 60 && d[i + 2] < 60) dark++;
      }
      return { red, blue, dark };
    }, svg);
    assert.ok(px.red > 300 && px.blue > 300 && px.dark > 300, JSON.stringify(px));
  } finally { await browser.close(); }
});

const cli = (args) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60000 });

test('CLI: simdopt simulate writes the table on stdout, a progress bar on stderr and the SVG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simdopt-cli-'));
  try {
    const out = join(dir, 'regret.svg'), json = join(dir, 'r.json');
    const r = cli(['simulate', '--env', 'bernoulli:0.1,0.5,0.9', '--policies', 'ucb1,UCB1:alpha=0.5', '--horizon', '2e3', '--repetitions', '20', '--seed', '3', '--threads', '1', '--out', out, '--json', json]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0], /^Bernoulli\(0\.1, 0\.5, 0\.9\), T = 2000, R = 20, seed 3$/);
    assert.match(lines[1], /^policy\s+regret\(T = 2000\)/);
    assert.match(lines[2], /^UCB1\s+\d+\.\d\d\s+\d+\.\d\d/);
    assert.match(lines[3], /^UCB1:alpha=0\.5\s+\d+\.\d\d/);
    assert.match(lines[4], /^Lai–Robbins/);
    assert.match(r.stderr, /\[#+\] 100%/);
    parseXml(readFileSync(out, 'utf8'));
    // the JSON result is the library's result: the final regret printed is its last mean
    const res = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(lines[2].split(/\s{2,}/)[1], res.policies[0].regret.mean.at(-1).toFixed(2));
    assert.equal(res.horizon, 2000);
    // the same run through the library gives the same numbers (deterministic under the seed)
    const q = cli(['simulate', '--env', 'bernoulli:0.1,0.5,0.9', '--policies', 'ucb1,UCB1:alpha=0.5', '--horizon', '2000', '--repetitions', '20', '--seed', '3', '--threads', '2', '--quiet']);
    assert.equal(q.status, 0, q.stderr);
    assert.equal(q.stderr, '');
    assert.equal(q.stdout.split('\n').slice(0, 5).join('\n'), lines.slice(0, 5).join('\n'));
    const p = cli(['policies']);
    assert.equal(p.status, 0);
    assert.ok(p.stdout.split('\n').includes('UCB1') && p.stdout.split('\n').includes('LinUCB'));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('CLI: strict argument errors exit with status 2 and a one-line reason', () => {
  const base = ['simulate', '--env', 'bernoulli:0.1,0.9', '--policies', 'ucb1', '--horizon', '10', '--repetitions', '2', '--quiet'];
  const cases = [
    [['simulate', '--env', 'bernoulli:0.5', '--policies', 'ucb1', '--repetitions', '2'], /--horizon is required/],
    [[...base, '--horizon', '5'], /--horizon given twice/],
    [[...base.slice(0, 6), '1.5', ...base.slice(7)], /--horizon must be an integer/],
    [[...base.slice(0, 6), '1e99', ...base.slice(7)], /--horizon must be an integer/],
    [[...base, '--horizn', '3'], /unknown argument "--horizn" \(did you mean --horizon\?\)/],
    [[...base, '--out'], /--out needs a value/],
    [[...base.slice(0, 2), 'bernouli:0.1', ...base.slice(3)], /did you mean "bernoulli"/],
    [[...base.slice(0, 4), 'ucb1,nosuch', ...base.slice(5)], /unknown policy "nosuch"/],
    [[...base.slice(0, 4), 'ucb1:alpha', ...base.slice(5)], /key=value/],
    [[...base.slice(0, 4), 'ucb1:alpha=-2', ...base.slice(5)], /alpha/],
    [[...base, '--threads', 'many'], /--threads must be an integer/],
    [['simulat'], /unknown command "simulat" \(did you mean simulate\?\)/],
    [[...base.slice(0, -1), '--quiet=yes'], /--quiet takes no value/],
  ];
  for (const [args, re] of cases) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], re, args.join(' '));
    assert.equal(r.stdout, '');
  }
  const h = cli(['help']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /usage: simdopt simulate/);
});
