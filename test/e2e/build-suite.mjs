// Bundles the extension integration suite (mocha + tests) for the extension host: out/e2e/index.js.
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: ['test/e2e/suite/index.ts'],
  outfile: 'out/e2e/index.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['vscode'],
  logLevel: 'error',
});
