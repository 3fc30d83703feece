// Writes docs/options.md: every option of every optimizer, schedule, bandit policy and bilevel method (name, type,
// default, accepted range), generated from the code so that it cannot drift (issue 15 §8).
//   node scripts/options-table.mjs          regenerate docs/options.md (run `npm run build` first)
//   node scripts/options-table.mjs --check  exit 1 when docs/options.md differs (test/options-table.test.mjs)
// Where each column comes from:
// * name, type, required: the published typings (dist/index.d.ts), the constructor's or function's
//   options type with its doc comment;
// * default: what a fresh instance reports (optimizer.hyperparameters, policy.options, the
//   scheduler's fields); for schedules (plain functions, nothing to read back) the value v for which
//   the schedule built with { name: v } equals the one built without the option at steps 0..1000, if a
//   candidate of the probe ladder does;
// * accepted: probed, each option alone with every other one at its default: the constructor is called
//   with values of a ladder (-Infinity .. Infinity, NaN), and every boundary between a refused and an
//   accepted value is bisected down to adjacent doubles (adjacent integers for integer options), so
//   "(0, 1)" means 0 and 1 are refused and the doubles next to them are accepted. Pairs ([number,
//   number]) are probed per element. A refusal must be a SimdoptError; anything else aborts the script.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(root, 'docs', 'options.md');
const F32_MAX = 3.4028234663852886e38;
const LADDER = [-Infinity, -1e300, -1e39, -F32_MAX, -1e6, -10, -2, -1, -0.5, -1e-8, -1e-45, 0, 1e-300, 1e-45, 1e-30, 1e-8, 0.1,
  0.5, 0.9, 0.999, 1 - 1e-7, 1, 1 + 1e-7, 1.5, 2, 10, 100, 1e6, 2 ** 31, 2 ** 32, 2 ** 53, 1e30, F32_MAX, 1e39, 1e300, Infinity];
const STEPS = [0, 1, 2, 3, 5, 8, 13, 21, 50, 100, 333, 1000];

// ---- typings ----
function typings() {
  const dts = readFileSync(join(root, 'dist', 'index.d.ts'), 'utf8');
  const aliases = new Map([...dts.matchAll(/^type (\w+) = ([^;{]+);/gm)].map((m) => [m[1], m[2].trim()]));
  const resolve = (t) => t.replace(/\b[A-Z]\w*\b/g, (w) => (aliases.has(w) && /^'/.test(aliases.get(w)) ? aliases.get(w) : w));
  /** Fields of a `{ ... }` body: name, optional, type, first sentence of the doc comment. */
  const fieldsOf = (body) => {
    const out = [];
    const re = /(?:\/\*\*([\s\S]*?)\*\/\s*)?^\s{4}(?:readonly\s+)?(\w+)(\??):\s*([^;]+);/gm;
    for (const m of body.matchAll(re)) {
      const doc = (m[1] ?? '').replace(/^\s*\*\s?/gm, ' ').replace(/\s+/g, ' ').trim();
      out.push({ name: m[2], optional: m[3] === '?', type: resolve(m[4].replace(/\s+/g, ' ').trim()), doc });
    }
    return out;
  };
  const iface = (name, seen = new Set()) => {
    if (seen.has(name)) return [];
    seen.add(name);
    const m = dts.match(new RegExp(`^interface ${name}(?:<[^>]*>)?(?: extends ([^{]+))?\\s*\\{([\\s\\S]*?)^\\}`, 'm'));
    if (!m) return [];
    const parents = (m[1] ?? '').split(',').map((s) => s.trim().replace(/<.*$/, '')).filter(Boolean);
    return [...fieldsOf(m[2]), ...parents.flatMap((p) => iface(p, seen))];
  };
  const typeFields = (t) => {
    t = t.trim();
    if (/^[\w<>]+( & [\w<>]+)+$/.test(t)) return t.split(' & ').flatMap(typeFields);
    t = t.replace(/^WithGroups<(.*)>$/, '$1');
    if (t.startsWith('{')) return fieldsOf(`${t.slice(1, -1).replace(/;\s*/g, ';\n    ').replace(/^/, '\n    ')}`);
    return iface(t.replace(/<.*$/, ''));
  };
  /** Options of class `name` (its constructor's last parameter). */
  const ctorOptions = (name) => {
    const m = dts.match(new RegExp(`^declare class ${name}\\b[^{]*\\{[\\s\\S]*?^\\s{4}constructor\\(([^)]*)\\);`, 'm'));
    if (!m) return null;
    const last = m[1].split(/,\s*(?=\w+\??:)/).pop();
    return typeFields(last.replace(/^\w+\??:\s*/, ''));
  };
  const fnOptions = (name) => {
    const m = dts.match(new RegExp(`^declare function ${name}\\(([\\s\\S]*?)\\): \\w+;`, 'm'));
    if (!m) return null;
    const o = m[1].match(/\bo: ([\s\S]*)$/);
    return o ? typeFields(o[1]) : null;
  };
  return { ctorOptions, fnOptions, iface };
}

// ---- probing ----
const bitsOf = (x) => { const b = new DataView(new ArrayBuffer(8)); b.setFloat64(0, x); const u = b.getBigUint64(0); return u >> 63n ? -(u & ((1n << 63n) - 1n)) : u; };
const ofBits = (k) => { const b = new DataView(new ArrayBuffer(8)); b.setBigUint64(0, k < 0n ? (-k) | (1n << 63n) : k); return b.getFloat64(0); };
/** The adjacent pair (refused, accepted) between a refused `r` and an accepted `a` (doubles, or integers when `integer`). */
function bisect(acc, r, a, integer) {
  if (integer) {
    let lo = r, hi = a; // acc(lo) false, acc(hi) true; both integers (or ±Infinity clamped below)
    if (!Number.isFinite(lo)) lo = Math.sign(lo) * 2 ** 53;
    if (!Number.isFinite(hi)) return [r, a];
    if (acc(lo)) return [r, lo];
    // at most 64 halvings (a span of 2^53 needs 53); past 2^53 neighbouring doubles are more than 1 apart: stop there too
    for (let k = 0; k < 64 && Math.abs(hi - lo) > 1; k++) { const m = Math.trunc((lo + hi) / 2); if (m === lo || m === hi) break; if (acc(m)) hi = m; else lo = m; }
    return [lo, hi];
  }
  let lo = bitsOf(r), hi = bitsOf(a);
  for (let k = 0; k < 80 && (hi > lo ? hi - lo : lo - hi) > 1n; k++) { const m = (lo + hi) / 2n; if (acc(ofBits(m))) hi = m; else lo = m; }
  return [ofBits(lo), ofBits(hi)];
}
const pow2 = (x) => x !== 0 && Number.isFinite(x) && Number.isInteger(Math.log2(Math.abs(x))) && 2 ** Math.log2(Math.abs(x)) === Math.abs(x);
const nice = (x) => x === 0 || (Math.abs(x) !== Number.MIN_VALUE) && ( !Number.isFinite(x) || Math.abs(x) === F32_MAX || (pow2(x) && Math.abs(Math.log2(Math.abs(x))) >= 20) || (Math.abs(x) >= 1e-300 && Number(x.toPrecision(6)) === x));
/** A bound for the table; `inward` (+1: round up, −1: round down) keeps a shortened non-nice bound inside the accepted set. */
function fmt(x, inward = 0) {
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '−∞';
  const sg = x < 0 ? '−' : '';
  if (Math.abs(x) === F32_MAX) return `${sg}f32 max`;
  if (pow2(x) && Math.abs(Math.log2(Math.abs(x))) >= 20) return `${sg}2^${Math.log2(Math.abs(x))}`.replace('^-', '^−');
  if (!nice(x) && inward) {
    let y = Number(x.toPrecision(4));
    if ((y - x) * inward < 0) y = Number((x + inward * Math.abs(x) * 1e-3).toPrecision(4));
    return String(y).replace('-', '−');
  }
  return String(x).replace('-', '−');
}
/** The accepted set of acc over the reals, as a union of intervals. */
function range(acc) {
  const ok = LADDER.map(acc);
  if (!ok.some(Boolean)) return 'none alone (depends on other options)';
  const nonInt = LADDER.filter((x, i) => ok[i] && Number.isFinite(x) && !Number.isInteger(x));
  const integer = nonInt.length === 0 && !acc(0.5) && !acc(1.5) && [0, 1, 2, 10].filter(acc).length >= 2;
  const L = integer ? LADDER.filter((x) => !Number.isFinite(x) || Number.isInteger(x)) : LADDER;
  const okL = L.map(acc);
  const parts = [];
  for (let i = 0; i < L.length; i++) {
    if (!okL[i] || (i > 0 && okL[i - 1])) continue;
    let j = i;
    while (j + 1 < L.length && okL[j + 1]) j++;
    let lower, upper;
    if (i === 0) lower = '[−∞';
    else {
      const [r, a] = bisect(acc, L[i - 1], L[i], integer);
      lower = nice(a) || !nice(r) ? `[${fmt(a, 1)}` : `(${fmt(r)}`;
    }
    if (j === L.length - 1) upper = '∞]';
    else {
      const [r, a] = bisect(acc, L[j + 1], L[j], integer);
      upper = nice(a) || !nice(r) ? `${fmt(a, -1)}]` : `${fmt(r)})`;
    }
    parts.push(lower === `[${upper.slice(0, -1)}` && upper.endsWith(']') ? `{${upper.slice(0, -1)}}` : `${lower}, ${upper}`);
  }
  return (integer ? 'integers in ' : '') + parts.join(' ∪ ') + (acc(NaN) ? ' and NaN' : '');
}

function probeField(f, accepts, dflt) {
  const t = f.type;
  if (/^(readonly )?\[number, number\]$/.test(t)) {
    const d = Array.isArray(dflt) ? dflt : null;
    if (!d) return 'pair (not probed: no default)';
    return [0, 1].map((k) => `[${k}]: ${range((x) => accepts(k === 0 ? [x, d[1]] : [d[0], x]))}`).join('; ');
  }
  if (/^number\b/.test(t) || t === 'number') return range((x) => accepts(x));
  if (t === 'boolean') return ['true', 'false'].filter((s) => accepts(s === 'true')).join(', ') || 'neither alone';
  const nums = t.split('|').map((x) => x.trim());
  if (nums.every((x) => /^-?\d+(\.\d+)?$/.test(x))) return nums.filter((x) => accepts(Number(x))).join(', ');
  const lits = [...t.matchAll(/'([^']*)'/g)].map((m) => m[1]);
  if (lits.length && /^('[^']*'\s*\|?\s*)+$/.test(t.replace(/\| null/, ''))) return lits.map((l) => `'${l}'`).filter((l) => accepts(l.slice(1, -1))).join(', ');
  return '— (not probed)';
}
const cell = (s) => String(s).replace(/\|/g, '\\|');
const showDefault = (v) => (v === undefined ? '—' : Array.isArray(v) ? `[${v.map(fmt).join(', ')}]` : typeof v === 'number' ? fmt(v) : typeof v === 'string' ? `'${v}'` : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));

async function build() {
  const S = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
  const { ctorOptions, fnOptions, iface } = typings();
  const engine = await S.init({ threads: 1 });
  const isSimdopt = (e) => e instanceof S.SimdoptError;
  const tryCall = (fn) => { try { const r = fn(); r?.free?.(); return true; } catch (e) { if (isSimdopt(e)) return false; throw e; } };
  const lines = ['# Options', '', '<!-- generated by scripts/options-table.mjs from the code; test/options-table.test.mjs fails when it is out of date -->', '',
    'Every option of every optimizer, schedule, bandit policy, bilevel method and online learner: its type (from the published typings), its default',
    '(what a fresh instance reports) and the values the constructor accepts, **probed from the code**: each option',
    'alone, the others at their defaults, every boundary bisected to adjacent doubles, so `(0, 1)` means 0 and 1 are',
    'refused and the doubles next to them accepted. Refused values raise a `HyperparameterError` and change nothing.',
    'Optimizer options of type number also take a schedule (`(step) => value`). `2^−150` is half the smallest f32',
    'subnormal: a positive value at or below it would round to 0 in f32, so it is refused rather than silently changed.',
    'A schedule is a plain function, so its defaults are found by probing too: the value whose schedule equals the',
    'one built without the option at steps 0 to 1000; `—` there means no candidate did (no default, or one the probe',
    'cannot see with its inputs, stated above each table). Regenerate: `npm run build && node scripts/options-table.mjs`.', ''];
  const table = (title, rows, note) => {
    lines.push(`### ${title}`, '', ...(note ? [note, ''] : []), '| option | type | default | accepted |', '|---|---|---|---|');
    for (const r of rows) lines.push(`| \`${r.name}\`${r.required ? ' (required)' : ''} | ${cell(r.type)} | ${cell(r.dflt)} | ${cell(r.acc)} |`);
    lines.push('');
  };

  // optimizers
  lines.push('## Optimizers', '');
  const ps = new S.ParamSet(engine, { a: [2, 3], b: 5 });
  const PAIRS = { betas: ['beta1', 'beta2'], etas: ['etaMinus', 'etaPlus'], stepSizes: ['stepSizeMin', 'stepSizeMax'] };
  const optimizers = Object.entries(S).filter(([, C]) => typeof C === 'function' && C.prototype instanceof S.Optimizer && C !== S.HvpOptimizer).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [name, C] of optimizers) {
    const fields = ctorOptions(name);
    if (!fields) throw new Error(`no constructor typing for ${name}`);
    const base = { ...(C === S.SGD || C === S.LowPrecisionSGD ? { lr: 0.01 } : {}), ...(C === S.SGD8bit ? { lr: 0.01, momentum: 0.9 } : {}), ...(C.prototype instanceof S.HvpOptimizer ? { hvp: (v, out) => out.set(v) } : {}) };
    const o = new C(ps, base); const hyper = o.hyperparameters;
    const rows = [];
    for (const f of fields) {
      if (f.name === 'groups' || f.name === 'hvp') continue;
      const pair = PAIRS[f.name] ?? [`${f.name}1`, `${f.name}2`];
      const dflt = /\[number, number\]$/.test(f.type) ? (pair.every((k) => k in hyper) ? pair.map((k) => hyper[k]) : undefined)
        : f.name in hyper ? hyper[f.name] : f.name === 'nonFinite' ? o.nonFinite : o[f.name];
      const accepts = (v) => tryCall(() => new C(ps, { ...base, [f.name]: v }));
      rows.push({ name: f.name, required: ((name === 'SGD' || name === 'LowPrecisionSGD') && f.name === 'lr') || (name === 'SGD8bit' && (f.name === 'lr' || f.name === 'momentum')), type: f.type, dflt: showDefault(dflt), acc: probeField(f, accepts, dflt) });
    }
    o.free();
    table(name, rows);
  }
  ps.free();

  // schedules
  lines.push('## Schedules', '');
  const fnNames = Object.entries(S).filter(([n, f]) => typeof f === 'function' && !f.prototype?.constructor?.name?.match(/^[A-Z]/) && fnOptions(n)?.length && /Schedule|Decay|Cycle|Restarts|Constant/i.test(n)).map(([n]) => n).sort();
  for (const n of fnNames) {
    const f = S[n], fields = fnOptions(n);
    const takesEngine = f.length === 2;
    const call = (o) => (takesEngine ? f(engine, o) : f(o));
    const fill = (fd) => (/\[\]$/.test(fd.type) ? [10, 20] : /^Record</.test(fd.type) ? { 10: 0.5 } : /ArrayLike/.test(fd.type) ? [1, 2, 3] : null);
    const base = {};
    for (const fd of fields.filter((x) => !x.optional)) {
      const arr = fill(fd);
      if (arr) { base[fd.name] = arr; continue; }
      base[fd.name] = [100, 10, 2, 1, 0.5].filter((v) => !Object.values(base).includes(v)).find((v) => { try { call({ ...base, ...Object.fromEntries(fields.filter((x) => !x.optional && !(x.name in base)).map((x) => [x.name, fill(x) ?? 100])), [fd.name]: v }); return true; } catch { return false; } }) ?? 1;
    }
    const values = (s) => { try { return JSON.stringify(STEPS.map((t) => s(t))); } catch { return null; } };
    const plain = values(call(base));
    const rows = [];
    for (const fd of fields) {
      const accepts = (v) => tryCall(() => { const s = call({ ...base, [fd.name]: v }); if (typeof s === 'function') values(s); return null; });
      let dflt;
      if (fd.optional && /^number|^boolean|^'/.test(fd.type)) {
        const cands = /^boolean/.test(fd.type) ? [true, false] : /^'/.test(fd.type) ? [...fd.type.matchAll(/'([^']*)'/g)].map((m) => m[1]) : [...new Set([0, 1, 0.1, 0.3, 0.25, 0.75, 0.95, 0.99, 25, 1e4, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, ...LADDER.filter(Number.isFinite)])];
        let match = cands.filter((v) => { try { return values(call({ ...base, [fd.name]: v })) === plain; } catch { return false; } });
        // candidates too small to change any value (1e-300 beside 0) match too: keep the shortest when all are that close
        if (match.length > 1 && match.every((v) => typeof v === 'number' && Math.abs(v - match[0]) < 1e-20)) match = [match.reduce((a, b) => (String(a).length <= String(b).length ? a : b))];
        dflt = match.length === 1 ? showDefault(match[0]) : '—';
      }
      rows.push({ name: fd.name, required: !fd.optional, type: fd.type, dflt: fd.optional ? dflt ?? '—' : '', acc: probeField(fd, accepts, undefined) });
    }
    table(`${n}`, rows, `probed with ${JSON.stringify(base).replace(/"(\w+)":/g, '$1: ').replace(/,/g, ', ')} for the required options`);
  }
  {
    const fields = ctorOptions('ReduceLROnPlateau');
    const base = { init: 0.1 }, fresh = new S.ReduceLROnPlateau(base);
    table('ReduceLROnPlateau', fields.map((fd) => ({ name: fd.name, required: !fd.optional, type: fd.type, dflt: fd.optional ? showDefault(fresh[fd.name]) : '',
      acc: probeField(fd, (v) => tryCall(() => { new S.ReduceLROnPlateau({ ...base, [fd.name]: v }); return null; }), fresh[fd.name]) })));
  }

  // bandit policies
  lines.push('## Bandit policies', '', 'Every policy also takes `arms` (required), `seed`, `dedupWindow`, `copies` and `warmStart` (the first rows of each table).', '');
  const policies = Object.entries(S.bandits).filter(([, C]) => typeof C === 'function' && C.prototype instanceof S.bandits.Policy).sort(([a], [b]) => (a < b ? -1 : 1));
  // the change-detection wrappers tune their defaults from a horizon: probed at horizon 10000 (their tuned defaults below are for it)
  const PROBE_BASE = { CUSUM: { horizon: 10000 }, GLR: { horizon: 10000 }, Monitored: { horizon: 10000 } };
  for (const [name, C] of policies) {
    const fields = ctorOptions(name);
    if (!fields) throw new Error(`no constructor typing for bandits.${name}`);
    const base = { arms: 3, ...(PROBE_BASE[name] ?? {}) };
    const required = fields.filter((x) => !x.optional && x.name !== 'arms' && base[x.name] === undefined);
    for (const fd of required) base[fd.name] = 2;       // several required options (HybridLinUCB's dim, sharedDim) are searched together
    for (const fd of required) {
      base[fd.name] = [2, 1, 10, 100, 0.5].find((v) => tryCall(() => new C(engine, { ...base, [fd.name]: v })));
    }
    let fresh;
    try { fresh = new C(engine, base); } catch (e) { if (!isSimdopt(e)) throw e; }
    const opts = fresh?.options ?? {}; fresh?.free();
    const rows = fields.map((fd) => {
      const accepts = (v) => tryCall(() => new C(engine, { ...base, [fd.name]: v }));
      const dflt = fd.name === 'copies' ? 1 : opts[fd.name];
      return { name: fd.name, required: !fd.optional, type: fd.type, dflt: fd.optional ? showDefault(dflt) : '', acc: fresh ? probeField(fd, accepts, dflt) : 'not probed (no base)' };
    });
    table(name, rows, PROBE_BASE[name] ? `Tuned defaults shown for ${JSON.stringify(PROBE_BASE[name])} (they follow horizon, changes and arms; see the class's doc comment).` : undefined);
  }

  // bilevel solvers (bilevel.resolveOptions validates exactly as bilevel.solve does and reports the defaults)
  // step conditions a table cannot show (each checked in the method's test)
  const BILEVEL_NOTES = {
    lvhba: 'Step condition: the (x, y) step α = `outer.lr` (default 0.008) must stay small against η = `innerLr`, because θ has to track (x, y) (the analysis runs (x, y) on the slower time scale). On T4, α = 0.008 (η = 0.01) and α = 0.05 (η = 0.1) converge; α = 0.02 with η = 0.01 diverges. A step ‖Δ(x, y)‖/α that grows to twice its minimum ends with a `diverging` warning and `converged: false` (`test/bilevel-lvhba`).',
  };
  if (S.bilevel) {
    lines.push('## Bilevel solvers', '', '`bilevel.solve(engine, { ..., method, options })`: the options each method accepts (any other is refused with the',
      'nearest accepted name). `1/L̂` is the default step from the power-iteration estimate L̂ of ‖∇²ᵧᵧg‖, recomputed every',
      'upper iteration. With `innerSolver: \'newton\'` every AID method also takes `cgSteps` and `cgTol` for its inner Newton-CG.', '');
    const fields = iface('SolveOptions');
    const show = (v) => (v === null ? '1/L̂' : showDefault(v));
    for (const method of S.bilevel.METHODS) {
      const dflt = S.bilevel.resolveOptions(method, {});
      const rows = fields.filter((f) => f.name !== 'outer' && f.name in dflt).map((f) => ({ name: f.name, required: false, type: f.type, dflt: show(dflt[f.name]),
        acc: probeField(f, (v) => tryCall(() => S.bilevel.resolveOptions(method, { [f.name]: v })), dflt[f.name]) }));
      table(`bilevel '${method}'`, rows, BILEVEL_NOTES[method]);
    }
    const outer = iface('OuterOptions');
    for (const optimizer of ['adam', 'sgd']) {
      const dflt = S.bilevel.resolveOptions('aid-cg', { outer: { optimizer } }).outer;
      const applies = (f) => f.name === 'optimizer' || tryCall(() => S.bilevel.resolveOptions('aid-cg', { outer: { optimizer, [f.name]: dflt[f.name] } }));
      const rows = outer.filter(applies).map((f) => ({ name: f.name, required: false, type: f.type, dflt: show(dflt[f.name]),
        acc: f.name === 'optimizer' ? "'adam', 'sgd'" : probeField(f, (v) => tryCall(() => S.bilevel.resolveOptions('aid-cg', { outer: { optimizer, [f.name]: v } })), dflt[f.name]) }));
      table(`bilevel options.outer (optimizer '${optimizer}')`, rows, 'the upper-level optimizer of every method (f64, in wasm)');
    }
  }

  // serving classes around a policy (src/bandits/serving/): probed over a UCB1 of 3 arms
  lines.push('## Serving', '', 'Options of the serving classes that wrap a policy (probed over `new bandits.UCB1(engine, { arms: 3 })`; defaults read from a fresh instance).', '');
  const served = new S.bandits.UCB1(engine, { arms: 3 });
  for (const name of Object.keys(S.bandits).filter((n) => ['DecisionLog', 'ServedPolicy'].includes(n)).sort()) {
    const C = S.bandits[name], fields = ctorOptions(name);
    if (!fields) throw new Error(`no constructor typing for bandits.${name}`);
    const fresh = new C(served, {});
    const rows = fields.map((fd) => {
      const dflt = typeof fresh[fd.name] === 'function' || (fresh[fd.name] !== null && typeof fresh[fd.name] === 'object') ? undefined : fresh[fd.name];
      return { name: fd.name, required: !fd.optional, type: fd.type, dflt: showDefault(dflt), acc: probeField(fd, (v) => tryCall(() => new C(served, { [fd.name]: v })), dflt) };
    });
    fresh.free?.();
    table(name, rows);
  }
  served.free();
  {
    // bandits.offPolicy (src/bandits/ope.ts): defaults from result.options on a two-sample log
    const data = { arms: [0, 1], propensities: [0.5, 0.5], rewards: [0, 1], target: [0.5, 0.5, 0.5, 0.5] };
    const dflt = S.bandits.offPolicy(engine, data, { arms: 2 }).options;
    const rows = iface('OffPolicyOptions').map((fd) => ({ name: fd.name, required: !fd.optional, type: fd.type, dflt: fd.optional ? showDefault(dflt[fd.name]) : '',
      acc: probeField(fd, (v) => tryCall(() => S.bandits.offPolicy(engine, data, { arms: 2, [fd.name]: v })), dflt[fd.name]) }));
    table('bandits.offPolicy', rows, 'probed on a two-sample log of 2 arms (`arms` must be the data\'s arm count)');
  }
  // online learners (src/online): each table under its namespace name, probed from a base with the
  // required options (a set from online.sets for the OCO learners, dim or experts otherwise)
  if (S.online) {
    lines.push('## Online learners', '', 'OCO learners take a feasible set (`set`, required: `online.sets.*`, not probed); `x0` (a point) is not probed either.', '');
    const learners = Object.entries(S.online).filter(([, C]) => typeof C === 'function' && C.prototype instanceof S.online.OnlineLearner).sort(([a], [b]) => (a < b ? -1 : 1));
    const SETBASE = { ExponentiatedGradient: () => S.online.sets.simplex(3), CoinBetting: () => S.online.sets.unconstrained(3) };
    // options a learner needs one of (OnlineFrankWolfe: horizon or lr), probed from this value
    const EXTRABASE = { OnlineFrankWolfe: { horizon: 1000 } };
    for (const [name, C] of learners) {
      const fields = ctorOptions(C.name);
      if (!fields) throw new Error(`no constructor typing for online.${name} (${C.name})`);
      const base = { ...EXTRABASE[name] };
      if (fields.some((f) => f.name === 'set')) base.set = (SETBASE[name] ?? (() => S.online.sets.l2Ball(3)))();
      const req = fields.filter((x) => !x.optional && !(x.name in base));
      for (const fd of req) base[fd.name] = 3;
      for (const fd of req) base[fd.name] = [3, 2, 1, 10, 100, 0.5].find((v) => tryCall(() => new C(engine, { ...base, [fd.name]: v })));
      const fresh = new C(engine, base), opts = fresh.options; fresh.free();
      const rows = fields.map((fd) => {
        const accepts = (v) => tryCall(() => new C(engine, { ...base, [fd.name]: v }));
        const dflt = opts[fd.name];
        return { name: fd.name, required: !fd.optional, type: fd.type, dflt: fd.optional ? showDefault(dflt) : '', acc: fd.name === 'set' || fd.name === 'x0' ? '— (not probed)' : probeField(fd, accepts, dflt) };
      });
      const extra = Object.entries(EXTRABASE[name] ?? {}).map(([k, v]) => `, ${k} = ${v}`).join('');
      table(`online.${name}`, rows, base.set ? `probed with set = online.sets.${base.set.kind}(3)${extra}` : undefined);
    }
  }
  await engine.dispose();
  return lines.join('\n');
}

export { build, OUT };

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = await build();
  if (process.argv.includes('--check')) {
    const old = (() => { try { return readFileSync(OUT, 'utf8'); } catch { return ''; } })();
    if (old !== text) { console.error('docs/options.md is out of date: run `npm run build && node scripts/options-table.mjs`'); process.exit(1); }
    console.log('docs/options.md is up to date');
  } else {
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, text);
    console.log(`wrote ${OUT}`);
  }
}
