// Bench row 8: what an app ships, each figure from a real build made here (scripts/app-bundles.mjs),
// for four apps: one using init + ParamSet + AdamW, one using the whole library, and a bandits-only app
// importing from the main entry and from simdopt/bandits (issue 8: a bandit app ships no optimizer kernels).
//   (a) esbuild, minified, code splitting: the initial download (entry + static imports) and the total
//       (the lazily imported chunks too: the scalar modules, loaded only without wasm SIMD);
//   (b) esbuild, minified, one file (no splitting: the lazy chunks are inlined);
//   (c) a workerd deploy as wrangler builds it (`wrangler deploy --dry-run --outdir`), gzip as wrangler
//       counts it (every uploaded module concatenated, then gzip'd); each wasm module is uploaded once.
// Each module group's share (core, optim, linalg, and whatever groups the build has) is the gzip size
// of its wasm as that build carries it: base64 inside the JS for (a)/(b), the uploaded module for (c).
// Sizes only: no timing. `node bench/sizes.mjs` prints these rows alone (needs `npm run build`).
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { appFolder, groupsOf, singleBundle, splitBundle, wasmCopies, wasmFiles, workerdDeploy } from '../scripts/app-bundles.mjs';

const BANDIT_APP = (from) => `import { init, bandits } from '${from}';
export default { async fetch() { const e = await init(); const p = new bandits.KLUCB(e, { arms: 3, seed: 7 }); const d = p.decide({ eventId: 'r1' }); p.learn([{ eventId: 'r1', arm: d.arm, reward: 1 }]); return Response.json({ arm: d.arm, groups: e.groups }); } };
`;
export const APPS = {
  'AdamW app': `import { init, ParamSet, AdamW } from 'simdopt';
export default { async fetch() { const e = await init(); const ps = new ParamSet(e, { w: 4 }); ps.setGrad('w', new Float32Array([1, 2, 3, 4])); new AdamW(ps, { lr: 1e-3 }).step(); return Response.json([...ps.param('w')]); } };
`,
  // A bandits-only app, importing from the main entry and from the subpath entry simdopt/bandits
  // (src/entry-bandits.ts): the kernels each build ships are listed per group.
  'bandits app (simdopt)': BANDIT_APP('simdopt'),
  'bandits app (simdopt/bandits)': BANDIT_APP('simdopt/bandits'),
  'whole library': `import * as simdopt from 'simdopt';
export default { async fetch() { return Response.json(Object.keys(simdopt)); } };
`,
};

const kib = (b) => (b / 1024).toFixed(1);

/** gzip of each group's wasm found in `texts` as base64 (any variant), by group. */
function inlinedShare(texts, files) {
  const share = {};
  for (const f of files) {
    const b64 = f.bytes.toString('base64');
    if (texts.some((t) => t.includes(b64))) share[f.group] = (share[f.group] || 0) + gzipSync(b64).length;
  }
  return share;
}
const shareText = (share, groups) => groups.filter((g) => share[g]).map((g) => `${g} ${kib(share[g])}`).join(', ') || 'none';

/** Measure; returns { rows: [{ name, value, target, pass }], data }. */
export async function measureSizes() {
  const files = wasmFiles(), groups = groupsOf(files);
  const rows = [], data = { groups, apps: {} };
  for (const [app, source] of Object.entries(APPS)) {
    const f = appFolder(source);
    try {
      const split = splitBundle(f.dir), single = singleBundle(f.dir), deploy = await workerdDeploy(f.dir);
      const copies = wasmCopies(deploy, files);
      const initialShare = inlinedShare(split.files.filter((x) => x.initial).map((x) => x.text), files);
      const lazyShare = inlinedShare(split.files.filter((x) => !x.initial).map((x) => x.text), files);
      const singleShare = inlinedShare([single.text], files);
      const deployShare = {};
      for (const m of deploy.modules.filter((x) => x.type === 'CompiledWasm')) {
        const g = files.find((x) => x.bytes.equals(m.bytes))?.group ?? m.file;
        deployShare[g] = (deployShare[g] || 0) + gzipSync(m.bytes).length;
      }
      data.apps[app] = {
        split: { initialGzip: split.initialGzip, totalGzip: split.totalGzip, files: split.files.map(({ text, ...x }) => x), initialShare, lazyShare },
        single: { bytes: single.bytes, gzip: single.gzip, share: singleShare },
        workerd: { by: deploy.by, wranglerReport: deploy.report, bytes: deploy.bytes, gzip: deploy.gzip, modules: deploy.modules.map((m) => ({ file: m.file, type: m.type, bytes: m.bytes.length })), copies, share: deployShare },
      };
      const lazyN = split.files.filter((x) => !x.initial).length;
      const raw = (fs) => fs.reduce((a, x) => a + x.bytes, 0);
      const rawText = ` (raw ${kib(raw(split.files.filter((x) => x.initial)))} / ${kib(raw(split.files))} KiB)`;
      // Bandit apps: the groups a bandit app must not ship (all but core and bandits), where it ships them.
      const bandit = app.startsWith('bandits app'), foreign = groups.filter((g) => g !== 'core' && g !== 'bandits');
      const shipsForeign = (share) => foreign.some((g) => share[g]);
      const subpath = app.includes('simdopt/bandits');
      rows.push({ name: `${app}: esbuild split, initial / total (min+gzip)`,
        value: `${kib(split.initialGzip)} / ${kib(split.totalGzip)} KiB${rawText} (${lazyN} lazy chunks); wasm in initial: ${shareText(initialShare, groups)}; lazy: ${shareText(lazyShare, groups)}`,
        target: app === 'AdamW app' ? 'initial ≤ 50 KiB' : bandit ? (subpath ? 'only core + bandits wasm' : 'initial: only core + bandits wasm') : '—',
        pass: app === 'AdamW app' ? split.initialGzip / 1024 <= 50 : bandit ? !shipsForeign(initialShare) && (!subpath || !shipsForeign(lazyShare)) : null });
      rows.push({ name: `${app}: esbuild single file (min+gzip)`, value: `${kib(single.gzip)} KiB (raw ${kib(single.bytes)} KiB); wasm: ${shareText(singleShare, groups)}`,
        target: bandit ? 'only core + bandits wasm' : '—', pass: bandit ? !shipsForeign(singleShare) : null });
      const once = copies.inlined === 0 && Object.values(copies.uploaded).every((n) => n === 1);
      rows.push({ name: `${app}: workerd deploy (${deploy.by})`,
        value: `${deploy.report ? `${deploy.report.replace(/^Total Upload:\s*/, '')} (wrangler's report)` : `${kib(deploy.bytes)} KiB / gzip: ${kib(deploy.gzip)} KiB (counted as wrangler counts)`}; ` +
          `wasm modules: ${shareText(deployShare, groups)}; ` +
          `${once ? 'each once' : `COPIES ${JSON.stringify(copies)}`}`,
        target: bandit && subpath ? 'each wasm once, only core + bandits' : 'each wasm once', pass: once && (!(bandit && subpath) || !shipsForeign(deployShare)) });
    } finally {
      f.dispose();
    }
  }
  return { rows, data };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { rows } = await measureSizes();
  for (const r of rows) console.log(`${r.pass === null ? 'info' : r.pass ? 'PASS' : 'MISS'}  ${r.name}: ${r.value}${r.target !== '—' ? `  [target ${r.target}]` : ''}`);
}
