#!/usr/bin/env node
// simdopt command line (package.json "bin"). `simdopt simulate` runs bandits.simulate and writes the
// regret plot (bandits.plotRegret) as SVG: a progress bar on stderr, a table of final regrets on stdout.
// Strict arguments: an unknown flag, a missing or malformed value or a repeated flag exits with status 2
// and a one-line message; any other failure exits with status 1.
import { realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { init, bandits } from '../dist/index.js';

const HELP = `usage: simdopt simulate --env ENV --policies P1,P2,... --horizon T --repetitions R [options]
       simdopt policies            list the policy names simulate accepts
       simdopt help                this text

simulate options:
  --env ENV            bernoulli:0.1,0.5,0.9 | gaussian:0,0.5,1[:SD] | poisson:1,2 | exponential:1,0.5
                       | testbed[:K] | testbed-fixed[:K] | adversarial:ucb1 | adversarial:1,0|0,1@300
                       | piecewise: bernoulli:0.9,0.1|0.1,0.9@5000 (segments | ..., change points after @)
                       | a JSON spec {"type": ...}
  --policies LIST      comma-separated policy names (case, - and _ ignored; a unique prefix works), each
                       optionally with options: ucb1:alpha=0.5, klucb:family=gaussian:variance=2
  --horizon T          rounds per repetition (1e5 is accepted)
  --repetitions R      independent repetitions (policy copies), 1 to 65536
  --seed S             integer seed (default 0)
  --checkpoints N      log-spaced checkpoints (default 100)
  --threads N|auto     engine threads (default auto)
  --out FILE.svg       write the regret plot
  --json FILE.json     write the whole result (arrays as lists)
  --log-x              logarithmic time axis in the plot
  --title TEXT         plot title
  --quiet              no progress bar
`;

class UsageError extends Error {}
const FLAGS = { '--env': 1, '--policies': 1, '--horizon': 1, '--repetitions': 1, '--seed': 1, '--checkpoints': 1, '--threads': 1, '--out': 1, '--json': 1, '--log-x': 0, '--title': 1, '--quiet': 0 };

/** Levenshtein-nearest accepted flag, for the message. */
function near(s, list) {
  let best = null, bd = 4;
  for (const c of list) {
    const d = Array.from({ length: s.length + 1 }, (_, i) => [i]);
    for (let j = 1; j <= c.length; j++) d[0][j] = j;
    for (let i = 1; i <= s.length; i++) for (let j = 1; j <= c.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (s[i - 1] === c[j - 1] ? 0 : 1));
    if (d[s.length][c.length] < bd) { bd = d[s.length][c.length]; best = c; }
  }
  return best ? ` (did you mean ${best}?)` : '';
}

export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i], v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    if (!(a in FLAGS)) throw new UsageError(`unknown argument ${JSON.stringify(a)}${a.startsWith('-') ? near(a, Object.keys(FLAGS)) : ''}`);
    if (a in out) throw new UsageError(`${a} given twice`);
    if (FLAGS[a] === 0) { if (v !== undefined) throw new UsageError(`${a} takes no value`); out[a] = true; continue; }
    if (v === undefined) {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`${a} needs a value`);
      v = argv[++i];
    }
    out[a] = v;
  }
  return out;
}

const intArg = (args, flag, lo, hi, dflt) => {
  if (args[flag] === undefined) {
    if (dflt === undefined) throw new UsageError(`${flag} is required`);
    return dflt;
  }
  const s = args[flag].trim(), n = s === '' ? NaN : Number(s);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`${flag} must be an integer in [${lo}, ${hi}], got ${JSON.stringify(args[flag])}`);
  return n;
};

/** "ucb1:alpha=0.5" -> { policy: 'ucb1', options: { alpha: 0.5 } } */
export function parsePolicy(s) {
  const [name, ...opts] = s.split(':');
  if (!name) throw new UsageError(`--policies: empty policy name in ${JSON.stringify(s)}`);
  if (opts.length === 0) return name;
  const options = {};
  for (const o of opts) {
    const j = o.indexOf('=');
    if (j <= 0) throw new UsageError(`--policies: option ${JSON.stringify(o)} of ${name} must be key=value`);
    const k = o.slice(0, j), raw = o.slice(j + 1);
    if (k in options) throw new UsageError(`--policies: option ${k} of ${name} given twice`);
    options[k] = raw === 'true' ? true : raw === 'false' ? false : raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return { policy: name, options, label: s };
}

function bar(p, width = 30) {
  const f = Math.min(1, Math.max(0, p.fraction)), n = Math.round(f * width);
  return `\r[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${(f * 100).toFixed(0).padStart(3)}%  ${p.policy}  t = ${p.round}/${p.horizon}  `;
}

function table(res) {
  const T = res.horizon, rows = [['policy', `regret(T = ${T})`, `± ${res.z}·sd/√R`, 'sd', 'best-arm pulls']];
  let best = 0;
  if (res.env.means) for (let k = 1; k < res.env.means.length; k++) if (res.env.means[k] > res.env.means[best]) best = k;
  for (const p of res.policies) {
    const i = res.checkpoints.length - 1, g = p.regret;
    rows.push([p.label, g.mean[i].toFixed(2), (g.upper[i] - g.mean[i]).toFixed(2), g.sd[i].toFixed(2), res.env.means && res.env.changePoints.length === 0 ? `${((100 * p.pulls[best]) / T).toFixed(1)}%` : '-']);
  }
  if (res.lowerBound) rows.push([`Lai–Robbins C(μ)·ln T, C = ${res.lowerBound.constant.toFixed(3)}`, res.lowerBound.curve[res.checkpoints.length - 1].toFixed(2), '', '', '']);
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((x, c) => (c === 0 ? x.padEnd(w[c]) : x.padStart(w[c]))).join('  ').trimEnd()).join('\n');
}

const plain = (res) => JSON.stringify(res, (k, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v), 1);

export async function main(argv, { stdout = process.stdout, stderr = process.stderr } = {}) {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') { stdout.write(HELP); return cmd === undefined ? 2 : 0; }
  if (cmd === 'policies') {
    if (rest.length) throw new UsageError('policies takes no arguments');
    stdout.write(`${Object.keys(bandits.policyClasses()).join('\n')}\n`);
    return 0;
  }
  if (cmd !== 'simulate') throw new UsageError(`unknown command ${JSON.stringify(cmd)}${near(cmd, ['simulate', 'policies', 'help'])}`);
  if (rest.includes('--help') || rest.includes('-h')) { stdout.write(HELP); return 0; }
  const a = parseArgs(rest);
  if (a['--env'] === undefined) throw new UsageError('--env is required');
  if (a['--policies'] === undefined) throw new UsageError('--policies is required');
  const horizon = intArg(a, '--horizon', 1, 2 ** 32 - 2);
  const repetitions = intArg(a, '--repetitions', 1, 65536);
  const seed = intArg(a, '--seed', 0, Number.MAX_SAFE_INTEGER, 0);
  const checkpoints = intArg(a, '--checkpoints', 2, 10000, 100);
  let threads = 'auto';
  if (a['--threads'] !== undefined && a['--threads'] !== 'auto') threads = intArg(a, '--threads', 1, 64);
  const policies = a['--policies'].split(',').map((s) => parsePolicy(s.trim()));
  const engine = await init({ threads });
  try {
    let last = -1;
    const progress = a['--quiet'] ? undefined : (p) => {
      const pc = Math.floor(p.fraction * (stderr.isTTY ? 100 : 10));
      if (pc !== last) { last = pc; stderr.write(bar(p)); }
    };
    let res;
    try {
      res = bandits.simulate(engine, { env: a['--env'], policies, horizon, repetitions, seed, checkpoints, progress });
    } finally { if (progress) stderr.write('\n'); }
    stdout.write(`${res.env.label}, T = ${horizon}, R = ${repetitions}, seed ${seed}\n${table(res)}\n`);
    if (a['--out'] !== undefined) {
      writeFileSync(a['--out'], bandits.plotRegret(res, { logX: a['--log-x'] === true, ...(a['--title'] !== undefined ? { title: a['--title'] } : {}) }));
      stdout.write(`wrote ${a['--out']}\n`);
    }
    if (a['--json'] !== undefined) { writeFileSync(a['--json'], plain(res)); stdout.write(`wrote ${a['--json']}\n`); }
    return 0;
  } finally { await engine.dispose(); }
}

const invoked = (() => { try { return realpathSync(process.argv[1]); } catch { return null; } })();
if (invoked === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    const usage = e instanceof UsageError || e?.name === 'InvalidArgumentError' || e?.name === 'HyperparameterError';
    process.stderr.write(`simdopt: ${e?.message ?? e}\n`);
    if (usage) process.stderr.write('run "simdopt help" for usage\n');
    process.exitCode = usage ? 2 : 1;
  });
}
