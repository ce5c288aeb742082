// Writes the layout JSON schema (emulator/layout-schema.ts, which the validator's test keeps in step
// with validateLayout) to a JSON file for contributes.jsonValidation. The TypeScript module is bundled
// in memory with esbuild and imported from a data URL, so the build needs no TypeScript loader.
import * as esbuild from 'esbuild';
import { writeFileSync } from 'node:fs';

export async function writeLayoutSchema(file) {
  const r = await esbuild.build({ entryPoints: ['emulator/layout-schema.ts'], bundle: true, format: 'esm', platform: 'neutral', write: false, logLevel: 'warning' });
  const mod = await import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].text).toString('base64')}`);
  writeFileSync(file, JSON.stringify(mod.LAYOUT_SCHEMA, null, 2) + '\n');
}
