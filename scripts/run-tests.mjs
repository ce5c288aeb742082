// Runs every test/**/*.test.ts with node's test runner (TypeScript through tsx).
// Node 20's --test takes no glob patterns, so the files are listed here. Extra arguments
// (e.g. a folder or file name fragment) narrow the set: node scripts/run-tests.mjs emulator
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);
const skip = new Set(['node_modules', 'fixtures', 'e2e']);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (!skip.has(name)) walk(p); }
    else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
})(join(root, 'test'));
const chosen = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
if (chosen.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--import', 'tsx', ...chosen], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
