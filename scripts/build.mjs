// Build: one AssemblyScript module per folder of assembly/ that has an index.ts (core, optim, ...; the
// targets and flags are in asconfig.json, 4 variants each) -> build/wasm/<family>-<variant>.wasm, the
// committed Rust modules (rust/prebuilt/linalg-<variant>.wasm) beside them; per module group a
// generated file src/generated/wasm-<group>.ts (base64, so no runtime needs file access; the scalar
// variants in src/generated/wasm-<group>-scalar.ts, a chunk loaded on demand) and
// src/generated/kernels-<group>.ts (the typed signature of every exported kernel, read from the wasm
// export section and named after the source's parameters); then tsup -> dist (ESM + CJS + .d.ts), and
// esbuild -> dist/workerd/index.js (package.json condition "workerd": the wasm imported as modules
// from src/generated/wasm-<group>-workerd.ts, each shipped once, nothing inlined).
// Run by `npm run build`, by `prepare` (so `npm install` leaves a working package) and by `npm test`.
// One module by hand: npx asc assembly/optim/index.ts --config asconfig.json --target simd-mt -o x.wasm
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, copyFileSync, existsSync, statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'wasm');
mkdirSync(out, { recursive: true });

const config = JSON.parse(readFileSync(join(root, 'asconfig.json'), 'utf8'));
const VARIANTS = Object.keys(config.targets); // simd-mt, scalar-mt, simd, scalar
const families = readdirSync(join(root, 'assembly'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'assembly', d.name, 'index.ts'))).map((d) => d.name).sort();

const newest = (dir) => Math.max(...readdirSync(dir, { recursive: true }).map((f) => statSync(join(dir, f)).mtimeMs));
const asSrc = Math.max(newest(join(root, 'assembly')), statSync(join(root, 'asconfig.json')).mtimeMs);
for (const fam of families) {
  for (const v of VARIANTS) {
    const file = join(out, `${fam}-${v}.wasm`);
    if (existsSync(file) && statSync(file).mtimeMs > asSrc) continue;
    execFileSync(process.execPath, [join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js'), `assembly/${fam}/index.ts`,
      '--config', 'asconfig.json', '--target', v, '-o', file], { cwd: root, stdio: 'inherit' });
  }
}

const groups = Object.fromEntries(families.map((f) => [f, VARIANTS.map((v) => `${f}-${v}`)]));
const rustNames = VARIANTS.map((v) => `linalg-${v}`);
for (const name of rustNames) {
  const src = join(root, 'rust', 'prebuilt', `${name}.wasm`);
  if (!existsSync(src)) { console.warn(`note: ${src} missing (run npm run build:rust); building without it`); continue; }
  copyFileSync(src, join(out, `${name}.wasm`));
}
if (rustNames.every((n) => existsSync(join(out, `${n}.wasm`)))) groups.linalg = rustNames;
const all = Object.values(groups).flat();

// ---- exported functions and their parameter types, from the binary (type, import, function, export sections)
function exportsOf(bytes) {
  let i = 8;
  const u = () => { let n = 0, s = 0, x; do { x = bytes[i++]; n |= (x & 127) << s; s += 7; } while (x & 128); return n >>> 0; };
  const types = [], funcTypes = [], res = {};
  let importedFuncs = 0;
  const VT = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128' };
  while (i < bytes.length) {
    const id = bytes[i++], len = u(), end = i + len;
    if (id === 1) {
      for (let n = u(); n > 0; n--) {
        i++; const params = []; for (let k = u(); k > 0; k--) params.push(VT[bytes[i++]]);
        const results = []; for (let k = u(); k > 0; k--) results.push(VT[bytes[i++]]);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u(); n > 0; n--) {
        for (let part = 0; part < 2; part++) { const l = u(); i += l; } // module and field names
        const kind = bytes[i++];
        if (kind === 0) { u(); importedFuncs++; } else if (kind === 1) { i++; const f = u(); u(); if (f & 1) u(); } else if (kind === 2) { const f = u(); u(); if (f & 1) u(); } else { i += 2; }
      }
    } else if (id === 3) {
      for (let n = u(); n > 0; n--) funcTypes.push(u());
    } else if (id === 7) {
      for (let n = u(); n > 0; n--) {
        const nl = u(); const name = new TextDecoder().decode(bytes.subarray(i, i + nl)); i += nl;
        const kind = bytes[i++], idx = u();
        if (kind === 0) res[name] = types[funcTypes[idx - importedFuncs]];
      }
    }
    i = end;
  }
  return res;
}

// Parameter names from the sources (AssemblyScript `export function f(a: T, ...)`, Rust `pub ... extern "C" fn f(a: T, ...)`).
function sourceParams(dir, re) {
  const names = {};
  for (const f of readdirSync(dir, { recursive: true })) {
    if (!/\.(ts|rs)$/.test(f)) continue;
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(re)) {
      names[m[1]] = m[2].split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split(':')[0].trim().replace(/^mut\s+/, ''));
    }
  }
  return names;
}
const asParams = sourceParams(join(root, 'assembly'), /export function (\w+)\(([^)]*)\)/g);
const rsParams = sourceParams(join(root, 'rust', 'src'), /extern "C" fn (\w+)\(([^)]*)\)/g);
const ident = (s, k) => (/^[A-Za-z_$][\w$]*$/.test(s) ? s : `a${k}`);

const head = '// Generated by scripts/build.mjs from the wasm modules. Do not edit.\n/* eslint-disable */\n';
mkdirSync(join(root, 'src', 'generated'), { recursive: true });
const writeIfChanged = (file, text) => { if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text); };
const cap = (s) => s[0].toUpperCase() + s.slice(1);

for (const [group, names] of Object.entries(groups)) {
  // A shared-memory (-mt) module differs from its non-shared twin only in the flags byte of the memory
  // import (0x01 -> 0x03): inline the non-shared one and let the loader set that byte, which halves the
  // bundle. Verified here byte for byte; a pair that differs otherwise is inlined whole.
  const inline = [], patch = {};
  for (const name of names) {
    const twin = name.endsWith('-mt') ? name.slice(0, -3) : null;
    if (twin && names.includes(twin)) {
      const a = readFileSync(join(out, `${name}.wasm`)), b = readFileSync(join(out, `${twin}.wasm`));
      const diff = [];
      if (a.length === b.length) for (let i = 0; i < a.length && diff.length < 2; i++) if (a[i] !== b[i]) diff.push(i);
      if (diff.length === 1 && (a[diff[0]] & ~2) === b[diff[0]]) { patch[name] = [twin, diff[0], a[diff[0]]]; continue; }
    }
    inline.push(name);
  }
  // Typed kernel signatures: every variant must export the same functions with the same types.
  const sigs = exportsOf(readFileSync(join(out, `${names[0]}.wasm`)));
  for (const n of names.slice(1)) {
    if (JSON.stringify(exportsOf(readFileSync(join(out, `${n}.wasm`)))) !== JSON.stringify(sigs)) throw new Error(`${n} exports differ from ${names[0]}`);
  }
  const params = group === 'linalg' ? rsParams : asParams;
  let k = head + `/** Parameter lists of the ${group} module's kernels (all numbers at the JS boundary; pointers are byte offsets). */\n`;
  k += `export interface ${cap(group)}Kernels {\n`;
  const arity = {};
  for (const [name, sig] of Object.entries(sigs).sort(([a], [b]) => a.localeCompare(b))) {
    if (sig.params.includes('v128') || sig.params.includes('i64') || sig.results.some((r) => r === 'v128' || r === 'i64')) continue;
    const src = params[name] && params[name].length === sig.params.length ? params[name] : sig.params.map((_, j) => `a${j}`);
    k += `  ${name}: [${sig.params.map((t, j) => `${ident(src[j], j)}: number`).join(', ')}];\n`;
    arity[name] = sig.params.length;
  }
  k += `}\n`;
  const table = (list) => `{\n${list.map((n) => `  '${n}': '${readFileSync(join(out, `${n}.wasm`)).toString('base64')}',\n`).join('')}}`;
  const scalar = inline.filter((n) => n.includes('scalar'));
  let ts = head + `import type { ModuleGroup } from '../engine/families.js';\n\n`;
  ts += `/** The ${group} modules: SIMD variants inlined, scalar variants in ./wasm-${group}-scalar.js (loaded on demand by runtimes without wasm SIMD). */\n`;
  ts += `export const ${group.toUpperCase()}_MODULES: ModuleGroup = {\n  name: '${group}',\n`;
  ts += `  base64: ${table(inline.filter((n) => !scalar.includes(n))).replace(/\n/g, '\n  ')},\n`;
  ts += `  lazy: ${JSON.stringify(scalar)},\n  loadLazy: () => import('./wasm-${group}-scalar.js').then((m) => m.WASM_BASE64),\n`;
  ts += `  sharedPatch: ${JSON.stringify(patch)},\n`;
  ts += `  /** Number of parameters of each kernel (checked at run time for JavaScript callers). */\n  arity: ${JSON.stringify(arity)},\n};\n`;
  writeIfChanged(join(root, 'src', 'generated', `wasm-${group}.ts`), ts);
  writeIfChanged(join(root, 'src', 'generated', `wasm-${group}-scalar.ts`), head + `export const WASM_BASE64: Record<string, string> = ${table(scalar)};\n`);

  writeIfChanged(join(root, 'src', 'generated', `kernels-${group}.ts`), k);

  // The workerd entry's descriptor (dist/workerd/index.js, package.json condition "workerd"): workerd
  // forbids compiling wasm from bytes, so the module workerd runs (SIMD, shared memory) is imported as
  // a platform wasm module, which wrangler uploads once, and nothing is inlined as base64.
  const WORKERD_VARIANT = 'simd-mt';
  const wName = `${group}-${WORKERD_VARIANT}`;
  if (names.includes(wName)) {
    let w = head + `import type { ModuleGroup } from '../engine/families.js';
`;
    w += `// Resolved from dist/workerd/index.js: the file in dist/wasm/, uploaded by wrangler as a CompiledWasm module.
`;
    w += `import mod from '../wasm/${wName}.wasm';

`;
    w += `/** The ${group} module for workerd (imported, not inlined; other variants: init({ wasm })). */
`;
    w += `export const ${group.toUpperCase()}_MODULES: ModuleGroup = {
  name: '${group}',
  base64: {},
  modules: { '${wName}': mod },
`;
    w += `  lazy: [],
  loadLazy: () => Promise.resolve({}),
  sharedPatch: {},
  arity: ${JSON.stringify(arity)},
};
`;
    writeIfChanged(join(root, 'src', 'generated', `wasm-${group}-workerd.ts`), w);
  }
}

// Every kernel of every group, for the engine's typed run()/kernel() (types only: no family code).
const ifaces = Object.keys(groups).map((g) => `${cap(g)}Kernels`);
writeIfChanged(join(root, 'src', 'generated', 'kernels.ts'), head + Object.keys(groups).map((g) => `import type { ${cap(g)}Kernels } from './kernels-${g}.js';\n`).join('')
  + `\n/** Parameter lists of every kernel in the build, by name. */\nexport interface KernelRegistry extends ${ifaces.join(', ')} {}\n`);

execFileSync(process.execPath, [join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: root, stdio: 'inherit' });
// tsup's declaration bundler (rollup-plugin-dts) flattens `namespace bandits { export type Policy =
// P.Policy }` into `declare namespace bandits { type Policy = Policy; }`, where the right-hand name is
// the alias itself: every namespace type is circular (TS2456 for a consumer that type-checks
// libraries, i.e. without skipLibCheck; test/consumer.test.mjs). Each such alias is pointed at a
// module-level alias of the flattened type instead: `type bandits$Policy = Policy;` outside the block.
for (const f of ['index.d.ts', 'index.d.cts']) {
  const file = join(root, 'dist', f);
  const fixed = readFileSync(file, 'utf8').replace(/^declare namespace (\w+) \{\n((?: {4}.*\n)*?)\}/gm, (block, ns, body) => {
    const outer = [];
    const inner = body.replace(/^ {4}type (\w+) = (\w+);$/gm, (line, name, target) => {
      if (name !== target) return line;
      outer.push(`type ${ns}$${name} = ${name};`);
      return `    type ${name} = ${ns}$${name};`;
    });
    return `${outer.join('\n')}${outer.length ? '\n' : ''}declare namespace ${ns} {\n${inner}}`;
  });
  const left = fixed.match(/^ {4}type (\w+) = \1;$/m);
  if (left) throw new Error(`dist/${f}: namespace alias ${left[1]} still refers to itself`);
  writeFileSync(file, fixed);
}
// simdopt/bandits (src/entry-bandits.ts): tsup's ESM file shares index's chunks; its CJS file and its
// declarations are re-exports of index's (CJS is not tree-shaken, and one copy keeps `instanceof` and
// private members the same for an app that uses both entries).
{
  const src = readFileSync(join(root, 'src', 'entry-bandits.ts'), 'utf8');
  const names = [...src.matchAll(/export \{([^}]*)\}/g)].flatMap((m) => m[1].split(',').map((x) => x.trim()).filter(Boolean));
  const values = names.filter((n) => !n.startsWith('type ')), types = names.filter((n) => n.startsWith('type ')).map((n) => n.slice(5));
  const exported = Object.keys(await import(`${pathToFileURL(join(root, 'dist', 'bandits.js')).href}?${Date.now()}`)).sort();
  if (JSON.stringify(exported) !== JSON.stringify([...values].sort())) throw new Error(`dist/bandits.js exports ${exported} but src/entry-bandits.ts lists ${values}`);
  const note = '// Generated by scripts/build.mjs: simdopt/bandits is a subset of the main entry (src/entry-bandits.ts).\n';
  writeFileSync(join(root, 'dist', 'bandits.cjs'), `${note}'use strict';\nconst s = require('./index.cjs');\n${values.map((n) => `exports.${n} = s.${n};`).join('\n')}\n`);
  for (const [f, from] of [['bandits.d.ts', './index.js'], ['bandits.d.cts', './index.cjs']]) {
    writeFileSync(join(root, 'dist', f), `${note}export { ${[...values, ...types.map((t) => `type ${t}`)].join(', ')} } from '${from}';\n`);
  }
}
// simdopt/tfjs after the core: it imports 'simdopt' (resolved to dist/ by the package's self-reference).
execFileSync(process.execPath, [join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js'), '--config', 'tsup.tfjs.config.ts'], { cwd: root, stdio: 'inherit' });
mkdirSync(join(root, 'dist', 'wasm'), { recursive: true });
for (const name of all) copyFileSync(join(out, `${name}.wasm`), join(root, 'dist', 'wasm', `${name}.wasm`));

// dist/workerd/index.js: the same library with every group's descriptor taken from its own file
// dist/workerd/wasm-<group>.js (built from src/generated/wasm-<group>-workerd.ts) whose .wasm import the
// deploy tool uploads as a module. One file per group, so that (sideEffects: false) an app's bundler
// drops a family it does not use together with that file's wasm import.
const { build } = await import('esbuild');
const esm = { bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', treeShaking: true, logLevel: 'warning' };
const workerdGroups = Object.keys(groups).filter((g) => existsSync(join(root, 'src', 'generated', `wasm-${g}-workerd.ts`)));
await build({
  ...esm, entryPoints: { index: join(root, 'src', 'index.ts'), bandits: join(root, 'src', 'entry-bandits.ts') },
  outdir: join(root, 'dist', 'workerd'), splitting: true, chunkNames: 'chunk-[hash]',
  plugins: [{
    name: 'workerd-modules',
    setup(b) {
      b.onResolve({ filter: /\/generated\/wasm-[a-z0-9_]+\.js$/ }, (a) => {
        const group = a.path.match(/wasm-([a-z0-9_]+)\.js$/)[1];
        if (!workerdGroups.includes(group)) throw new Error(`module group ${group} has no simd-mt variant for the workerd entry`);
        return { path: `./wasm-${group}.js`, external: true };
      });
    },
  }],
});
for (const g of workerdGroups) {
  await build({ ...esm, entryPoints: [join(root, 'src', 'generated', `wasm-${g}-workerd.ts`)], outfile: join(root, 'dist', 'workerd', `wasm-${g}.js`), external: ['*.wasm'] });
}
