import { defineConfig } from 'tsup';

export default defineConfig({
  // `bandits` is the subpath entry simdopt/bandits (src/entry-bandits.ts); the ESM build shares its
  // code with index through chunks. Its CJS file and declarations are re-exports of index's, written
  // by scripts/build.mjs after tsup (one copy of every class in either module system).
  entry: { index: 'src/index.ts', bandits: 'src/entry-bandits.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: false,
  target: 'es2022',
  platform: 'neutral',
  treeshake: true,
  minify: false,
});
