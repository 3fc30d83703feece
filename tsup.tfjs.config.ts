// The simdopt/tfjs entry (package.json exports "./tfjs"), built after the core (scripts/build.mjs):
// 'simdopt' and tfjs stay imports (the core is the package's own entry, one copy of its classes per
// process; tfjs is the user's peer dependency), so this entry holds only the adapter.
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/tfjs/index.ts' },
  outDir: 'dist/tfjs',
  format: ['esm', 'cjs'],
  dts: true,
  clean: false,
  sourcemap: false,
  target: 'es2022',
  platform: 'neutral',
  treeshake: true,
  minify: false,
  external: ['simdopt', /^@tensorflow\//],
});
