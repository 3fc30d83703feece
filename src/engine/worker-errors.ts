// Why a worker could not start, in words that name the fix (issue 15 §5). The engine then runs on one
// thread with the same results, and `engine.info.fallbacks` carries this text.
import { UnsupportedError } from '../errors.js';

const CSP = 'a Content-Security-Policy must allow blob: workers (`worker-src blob:`, or `script-src blob:` where worker-src is not set)';
const ISOLATION = 'threads also need a cross-origin isolated page (Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';

/** The error a web worker's start failed with: thrown by `new Worker(blob:)`, or an error event. */
export function webWorkerFailure(e: unknown): UnsupportedError {
  const ev = e as { message?: unknown; name?: unknown; filename?: unknown } | null | undefined;
  const msg = typeof ev?.message === 'string' && ev.message ? ev.message : '';
  const name = typeof ev?.name === 'string' && ev.name !== 'Error' ? ev.name : '';
  const said = msg ? `${name ? `${name}: ` : ''}${msg}` : `${name || 'an error event'} without a message (the browser's report of a blocked worker)`;
  const secure = /security|csp|content.security|refused|not allowed/i.test(`${name} ${msg}`) || !msg;
  return new UnsupportedError(`could not start a web Worker from a blob: URL (${said}); ${secure ? `${CSP}; ` : ''}${ISOLATION}`);
}

/** The error a node:worker_threads worker's start failed with. */
export function nodeWorkerFailure(e: unknown): UnsupportedError {
  const msg = typeof (e as Error)?.message === 'string' && (e as Error).message ? (e as Error).message : String(e);
  return new UnsupportedError(`could not start a node:worker_threads worker (${msg}); check --max-old-space-size and resource limits, or pass init({ threads: 1 })`);
}
