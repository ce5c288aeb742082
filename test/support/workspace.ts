// A temporary folder holding the given files, for tests that need real paths on disk.

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A temporary workspace folder with the given files (name -> text). */
export function workspace(files: Record<string, string>): { dir: string; file: (name: string) => string; dispose: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mover-test-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return { dir, file: (name) => path.join(dir, name), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}


/** Runs `fn` with a temporary workspace and removes it afterwards, whatever happens. */
export function withWorkspace<T>(files: Record<string, string>, fn: (ws: ReturnType<typeof workspace>) => T): T {
  const ws = workspace(files);
  try {
    return fn(ws);
  } finally {
    ws.dispose();
  }
}
