// The demo's dev server: `npm run demo` (= node examples/browser/serve.mjs), then open the URL it
// prints. It serves the page (examples/browser/), the built library (dist/, so `npm run build`
// first) and the digits data (/data/digits.json = test/fixtures/digits.json), with the COOP/COEP
// headers that make the page cross-origin isolated, so SharedArrayBuffer and the engine's threads
// engage. `--no-isolation` serves without them: the engine falls back to one thread and the page
// shows why (engine.info.fallbacks). `--port N` (default 8080; 0 = any free port).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css; charset=utf-8', '.png': 'image/png',
};

/** Map a URL path to a file of the repository, or null (only these three places are served). */
function fileOf(path) {
  if (path === '/' || path === '/index.html') return join(root, 'examples', 'browser', 'index.html');
  if (path === '/data/digits.json') return join(root, 'test', 'fixtures', 'digits.json');
  const rel = normalize(path).replace(/^[/\\]+/, '');
  if (rel.includes('..')) return null;
  if (rel.startsWith('dist' + sep)) return join(root, rel);
  if (!rel.includes(sep)) return join(root, 'examples', 'browser', rel);
  return null;
}

/**
 * Start the server. `isolated` (default true) adds COOP/COEP (and CORP) to every response.
 * Resolves with { server, url }.
 */
export function serveDemo({ isolated = true, port = 8080, host = '127.0.0.1' } = {}) {
  const server = createServer(async (req, res) => {
    const headers = { 'Cache-Control': 'no-store' };
    if (isolated) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' });
    const file = fileOf(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    try {
      if (!file) throw Object.assign(new Error('not found'), { code: 404 });
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ server, url: `http://${host}:${server.address().port}/` }));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const isolated = !args.includes('--no-isolation');
  const pi = args.indexOf('--port');
  const port = pi >= 0 ? Number(args[pi + 1]) : 8080;
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    console.error('dist/index.js is missing: run `npm run build` first');
    process.exit(1);
  }
  const { url } = await serveDemo({ isolated, port });
  console.log(`simdopt demo: ${url}  (${isolated ? 'cross-origin isolated: threads on' : 'no COOP/COEP: one thread, see engine.info.fallbacks'}; Ctrl-C stops)`);
}
