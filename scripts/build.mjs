// Builds every bundle with esbuild (type-checking is the separate `npm run typecheck`).
// Usage: node scripts/build.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { writeIcon } from './gen-icon.mjs';
import { writeLayoutSchema } from './gen-layout-schema.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** One entry per process we ship: each is bundled on its own. */
const entries = [
  { in: 'cli/main.ts', out: 'cli' },
  { in: 'bench/main.ts', out: 'bench' },
  { in: 'debug-adapter/main.ts', out: 'debugAdapter' },
  { in: 'extension/extension.ts', out: 'extension' },
  { in: 'language-server/main.ts', out: 'languageServer' },
];

const options = {
  entryPoints: entries.map((e) => ({ in: e.in, out: e.out })),
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode'],
  logLevel: 'warning',
};

// A production build starts from an empty dist/, so no stale bundle or source map is packaged.
if (production) rmSync('dist', { recursive: true, force: true });

/** Webview scripts run in the browser sandbox of a webview: one IIFE bundle each. */
const webviews = {
  entryPoints: [
    { in: 'extension/webviews/chunk-map.ts', out: 'chunkMap' },
    { in: 'extension/webviews/memory.ts', out: 'memoryView' },
  ],
  outdir: 'dist',
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

/** Files package.json points at that are generated rather than committed: the icon and the layout schema. */
async function generated() {
  mkdirSync('dist', { recursive: true });
  writeIcon('dist/icon.png');
  await writeLayoutSchema('dist/layout.schema.json');
}

await generated();
if (watch) {
  for (const o of [options, webviews]) await (await esbuild.context(o)).watch();
} else {
  await Promise.all([esbuild.build(options), esbuild.build(webviews)]);
}
