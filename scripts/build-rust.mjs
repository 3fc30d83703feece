#!/usr/bin/env node
// Builds the Rust linear-algebra module (rust/) in four variants and copies them to rust/prebuilt/.
//
//   node scripts/build-rust.mjs          rebuild rust/prebuilt/*.wasm
//   node scripts/build-rust.mjs --check  rebuild into a temp dir; exit 1 if any byte differs from
//                                        the committed rust/prebuilt/*.wasm (CI)
//
// Needs Debian's rustc 1.63 + cargo + libstd-rust-dev-wasm32 (/usr/bin/rustc). The rustup shims on
// PATH have no wasm32 target, so RUSTC is pinned to /usr/bin/rustc. Without it the prebuilt files
// are used as they are (the script prints a note and exits 0). No dependencies.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const crateDir = join(root, 'rust');
const prebuiltDir = join(crateDir, 'prebuilt');
const RUSTC = '/usr/bin/rustc';
const CARGO = '/usr/bin/cargo';
const CRATE = 'simdopt_linalg';

const check = process.argv.includes('--check');

// name -> { simd, mt }
const VARIANTS = [
  { name: 'linalg-simd-mt', simd: true, mt: true },
  { name: 'linalg-scalar-mt', simd: false, mt: true },
  { name: 'linalg-simd', simd: true, mt: false },
  { name: 'linalg-scalar', simd: false, mt: false },
];

function rustflags({ simd, mt }) {
  const features = [];
  if (simd) features.push('+simd128');
  if (mt) features.push('+atomics', '+bulk-memory');
  features.push('+mutable-globals'); // needed to export the mutable __stack_pointer
  const flags = [`-C target-feature=${features.join(',')}`, '-C link-arg=--import-memory'];
  if (mt) flags.push('-C link-arg=--shared-memory');
  flags.push(
    '-C link-arg=--max-memory=4294967296',
    '-C link-arg=--export=__stack_pointer',
    `--remap-path-prefix=${crateDir}=/simdopt`,
  );
  return flags.join(' ');
}

if (!existsSync(RUSTC) || !existsSync(CARGO)) {
  console.log(
    `build-rust: ${RUSTC} or ${CARGO} not found; keeping the committed rust/prebuilt/*.wasm ` +
      '(install Debian rustc, cargo and libstd-rust-dev-wasm32 to rebuild them).',
  );
  process.exit(0);
}

const tmp = check ? mkdtempSync(join(tmpdir(), 'simdopt-rust-')) : null;
const outDir = check ? join(tmp, 'prebuilt') : prebuiltDir;
mkdirSync(outDir, { recursive: true });

function main() {
  for (const v of VARIANTS) {
    const targetDir = check ? join(tmp, 'target', v.name) : join(crateDir, 'target', v.name);
    const env = { ...process.env, RUSTC, RUSTFLAGS: rustflags(v) };
    for (const k of ['CARGO_ENCODED_RUSTFLAGS', 'CARGO_BUILD_RUSTFLAGS', 'CARGO_BUILD_TARGET_DIR', 'CARGO_TARGET_DIR', 'RUSTC_WRAPPER', 'CARGO_INCREMENTAL']) {
      delete env[k];
    }
    const args = ['build', '--release', '--offline', '--target', 'wasm32-unknown-unknown', '--target-dir', targetDir];
    const r = spawnSync(CARGO, args, { cwd: crateDir, env, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) {
      console.error(`build-rust: cargo build failed for ${v.name} (exit ${r.status ?? r.signal})`);
      return 2;
    }
    const built = join(targetDir, 'wasm32-unknown-unknown', 'release', `${CRATE}.wasm`);
    copyFileSync(built, join(outDir, `${v.name}.wasm`));
    console.log(`build-rust: ${v.name}.wasm ${readFileSync(built).length} bytes`);
  }

  if (check) {
    const bad = [];
    for (const v of VARIANTS) {
      const committed = join(prebuiltDir, `${v.name}.wasm`);
      const fresh = readFileSync(join(outDir, `${v.name}.wasm`));
      if (!existsSync(committed)) {
        bad.push(`${v.name}.wasm: missing from rust/prebuilt/`);
      } else if (!fresh.equals(readFileSync(committed))) {
        bad.push(`${v.name}.wasm: rebuilt ${fresh.length} bytes differ from committed ${readFileSync(committed).length} bytes`);
      }
    }
    if (bad.length) {
      console.error('build-rust --check: rust/prebuilt/ is stale; run `node scripts/build-rust.mjs` and commit:');
      for (const b of bad) console.error(`  ${b}`);
      return 1;
    }
    console.log('build-rust --check: rust/prebuilt/*.wasm match a fresh build byte for byte');
  }
  return 0;
}

try {
  process.exitCode = main();
} finally {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
