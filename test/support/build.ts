// Tests run the BUILT bundles (what ships): a bundle is rebuilt when it is missing or older than any of
// its sources. Test files run in parallel processes, so a lock directory lets one build while the
// others wait for it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return newest;
}

/** Builds when `bundle` (under dist/) is missing or older than anything in the source folders. */
export function ensureBuilt(bundle: string, sourceDirs: readonly string[]): void {
  const out = path.join(root, 'dist', bundle);
  const sources = sourceDirs.map((d) => path.join(root, d)).filter(existsSync);
  const fresh = () => existsSync(out) && statSync(out).mtimeMs >= Math.max(...sources.map(newestMtime));
  if (fresh()) return;
  const lock = path.join(root, 'dist', '.test-build.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const blocker = new Int32Array(new SharedArrayBuffer(4));
  for (const started = Date.now(); ;) {
    try { mkdirSync(lock); break; } catch { /* another test process is building */ }
    if (Date.now() - started > 60_000) rmSync(lock, { recursive: true, force: true });
    Atomics.wait(blocker, 0, 0, 25);
  }
  try {
    if (fresh()) return;
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, `the build failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
