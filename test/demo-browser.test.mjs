// The browser demo (examples/browser/) in real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core, as the conformance harness does), served by its own dev server
// (examples/browser/serve.mjs) with COOP/COEP and without:
//  - isolated, compare mode: AdamW (warm-up + cosine) against Lion on the same seed; press Train,
//    click the page's button while both workers train (each click's handler must run within 100 ms
//    of the event: training is off the main thread), wait until both runs finish STEPS steps; each
//    loss curve has STEPS points, each test accuracy passes ACCURACY, the engine runs 2 threads with
//    SIMD; a screenshot is saved to test/output/demo-browser.png;
//  - not isolated: the engine falls back to 1 thread and the page shows the reason.
import { test, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveDemo } from '../examples/browser/serve.mjs';
import { CHROMIUM, haveChromium } from './conformance/browser.mjs';

const REQUIRE_ALL = process.env.SIMDOPT_REQUIRE_ALL_RUNTIMES === '1';
const STEPS = 300, ACCURACY = 0.9;
const outDir = fileURLToPath(new URL('./output/', import.meta.url));
let browser, servers = [];

beforeAll(async () => {
  if (!haveChromium()) return;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
}, 60_000);
afterAll(async () => { await browser?.close(); for (const s of servers) s.close(); });

function skipWithoutChromium(t) {
  if (browser) return false;
  const msg = `chromium not found at ${CHROMIUM}`;
  if (REQUIRE_ALL) assert.fail(`${msg} (SIMDOPT_REQUIRE_ALL_RUNTIMES=1)`);
  console.warn(`${msg}; skipping`);
  t.skip(msg);
  return true;
}
async function open(isolated) {
  const { server, url } = await serveDemo({ isolated, port: 0 });
  servers.push(server);
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, logs };
}

test(`compare mode, cross-origin isolated: AdamW vs Lion train ${STEPS} steps each in workers past ${ACCURACY * 100}% test accuracy, the page answers clicks within 100 ms meanwhile`, async (t) => {
  if (skipWithoutChromium(t)) return;
  const { page, logs } = await open(true);
  try {
    await page.fill('#steps', String(STEPS));
    await page.check('#compare');
    await page.selectOption('#opt-a', 'adamw');
    await page.selectOption('#sched-a', 'warmup_cosine');
    await page.selectOption('#opt-b', 'lion');
    await page.selectOption('#speed', '100'); // 100 steps/s: 3 s of training to click in
    await page.click('#train');
    // clicks while training: wait until both runs are under way, then click five times
    await page.waitForFunction(() => window.__demo.runs.length === 2 && window.__demo.runs.every((r) => r.losses.length >= 5), null, { timeout: 30_000, polling: 20 });
    for (let i = 0; i < 5; i++) { await page.click('#ping'); await page.waitForTimeout(100); }
    await page.waitForFunction(() => window.__demo.runs.every((r) => r.done), null, { timeout: 90_000, polling: 100 });
    await page.waitForTimeout(100); // one more animation frame for the last points
    const d = await page.evaluate(() => ({
      info: window.__demo.info, coi: window.__demo.crossOriginIsolated, clicks: window.__demo.clicks,
      runs: window.__demo.runs.map((r) => ({ label: r.label, steps: r.losses.length, loss0: r.losses[0], lossEnd: r.losses.at(-1), acc: r.accs.at(-1)?.[1], error: r.error, medianStepMs: r.medianStepMs })),
      points: [...document.querySelectorAll('#loss polyline')].map((p) => p.getAttribute('points').trim().split(/\s+/).length),
      accPoints: [...document.querySelectorAll('#acc polyline')].map((p) => p.getAttribute('points').trim().split(/\s+/).length),
      count: document.getElementById('ping-count').textContent, engineText: document.getElementById('engine').textContent,
    }));
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: `${outDir}demo-browser.png`, fullPage: true });
    const why = JSON.stringify(d, null, 1) + '\n' + logs.join('\n');
    assert.equal(d.coi, true, why);
    assert.equal(d.info.threads, 2, why);
    assert.equal(d.info.simd, true, why);
    assert.match(d.engineText, /"threads":2/);
    assert.equal(d.runs.length, 2);
    for (const r of d.runs) {
      assert.equal(r.error, undefined, why);
      assert.equal(r.steps, STEPS, why);
      assert.ok(r.acc > ACCURACY, `${r.label}: test accuracy ${r.acc}\n${why}`);
      assert.ok(r.lossEnd < r.loss0 / 4, `${r.label}: loss ${r.loss0} -> ${r.lossEnd}`);
    }
    assert.deepEqual(d.points, [STEPS, STEPS], 'one loss point per step, per run');
    assert.ok(d.accPoints.every((n) => n >= 50), `accuracy points ${d.accPoints}`);
    assert.equal(d.count, '5');
    const during = d.clicks.filter((c) => c.during);
    assert.equal(during.length, 5, `clicks during training: ${JSON.stringify(d.clicks)}`);
    for (const c of during) assert.ok(c.delayMs < 100, `a click waited ${c.delayMs} ms for its handler`);
    assert.ok(existsSync(`${outDir}demo-browser.png`));
  } finally { await page.close(); }
}, 150_000);

test('without COOP/COEP the engine falls back to one thread and the page says why', async (t) => {
  if (skipWithoutChromium(t)) return;
  const { page, logs } = await open(false);
  try {
    await page.fill('#steps', '40');
    await page.selectOption('#speed', '0');
    await page.selectOption('#opt-a', 'schedule_free_adamw');
    await page.click('#train');
    await page.waitForFunction(() => window.__demo.runs.length === 1 && window.__demo.runs[0].done, null, { timeout: 60_000, polling: 100 });
    const d = await page.evaluate(() => ({ info: window.__demo.info, coi: window.__demo.crossOriginIsolated, error: window.__demo.runs[0].error, steps: window.__demo.runs[0].losses.length, text: document.getElementById('engine').textContent }));
    const why = JSON.stringify(d) + '\n' + logs.join('\n');
    assert.equal(d.coi, false, why);
    assert.equal(d.error, undefined, why);
    assert.equal(d.steps, 40, why);
    assert.equal(d.info.threads, 1, why);
    assert.ok(d.info.fallbacks.length > 0, why);
    assert.match(d.text, /fallbacks: .+/);
  } finally { await page.close(); }
}, 90_000);
