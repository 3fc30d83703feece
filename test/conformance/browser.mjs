// Headless Chromium runner (Node side): a tiny node:http server on 127.0.0.1 (random free port) that
// serves the repo's dist/ and test/conformance/ with correct MIME types, with or without the
// COOP/COEP headers on every response; playwright-core drives /usr/bin/chromium to the page.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM = process.env.SIMDOPT_CHROMIUM || '/usr/bin/chromium';
const root = fileURLToPath(new URL('../../', import.meta.url));
const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json',
};
const ALLOWED = ['dist', join('test', 'conformance')];

/**
 * Start a static server; `isolated` adds COOP/COEP (and CORP) to every response, errors included;
 * `csp` adds that Content-Security-Policy header.
 */
export function serve(isolated, csp) {
  const server = createServer(async (req, res) => {
    const headers = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' }
      : {};
    if (csp) headers['Content-Security-Policy'] = csp;
    headers['Cache-Control'] = 'no-store';
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      const rel = normalize(path).replace(/^[/\\]+/, '');
      if (rel.includes('..') || !ALLOWED.some((d) => rel === d || rel.startsWith(d + sep))) throw Object.assign(new Error('forbidden'), { code: 403 });
      const body = await readFile(join(root, rel));
      res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(rel)] ?? 'application/octet-stream' });
      res.end(body);
    } catch (e) {
      res.writeHead(e.code === 403 ? 403 : 404, { ...headers, 'Content-Type': 'text/plain' });
      res.end(String(e.message));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

export function haveChromium() { return existsSync(CHROMIUM); }

/**
 * Run the configs in headless Chromium, once isolated and once not (`bandits`: bandit configs to run
 * instead, test/conformance/bandits.mjs; each page's result then has `bandits` instead of `results`).
 * @returns `{ isolated: { crossOriginIsolated, results }, plain: {...} }` (or `{ error }` per page)
 */
export async function runChromium(configs, { timeoutMs = 60000, csp, bandits, online, bilevel } = {}) {
  const { chromium } = await import('playwright-core');
  const iso = await serve(true, csp), plain = await serve(false, csp);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  try {
    const out = {};
    for (const [key, s] of [['isolated', iso], ['plain', plain]]) {
      const page = await browser.newPage();
      const logs = [];
      page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      try {
        await page.goto(`${s.origin}/test/conformance/page.html?configs=${configs.join(',')}${bandits ? `&bandits=${bandits.join(',')}` : ''}${online ? `&online=${online.join(',')}` : ''}${bilevel ? `&bilevel=${bilevel.join(',')}` : ''}`);
        await page.waitForFunction(() => window.__result !== undefined, null, { timeout: timeoutMs, polling: 100 });
        out[key] = await page.evaluate(() => window.__result);
      } catch (e) {
        out[key] = { error: `${e.message}\n${logs.join('\n')}` };
      } finally {
        await page.close();
      }
    }
    return out;
  } finally {
    await browser.close();
    iso.server.close(); plain.server.close();
  }
}
