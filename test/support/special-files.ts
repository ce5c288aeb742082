// Files that must never be read as a program, an include or a layout: a character device that never
// ends, a FIFO nobody writes to, a directory, and a regular file over the 16 MiB limit. Each test that
// feeds one to a reader gets the same set from here.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_SOURCE_FILE_BYTES } from '../../emulator/index';

/** A limit on anything that reads one of these, so a regression fails instead of hanging the suite. */
export const SPECIAL_FILE_TIMEOUT_MS = 20_000;

export interface SpecialFiles {
  readonly dir: string;
  /** Name -> path, with the reason the reader must give. */
  readonly cases: readonly { readonly name: string; readonly file: string; readonly reason: RegExp }[];
  dispose(): void;
}

/** Makes the special files (named with `ext`, e.g. ".mover" or ".json") in a fresh temporary folder. */
export function specialFiles(ext: string): SpecialFiles {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mover-special-'));
  const fifo = path.join(dir, `fifo${ext}`);
  const r = spawnSync('mkfifo', [fifo]);
  assert.equal(r.status, 0, `mkfifo failed: ${r.stderr}`);
  const folder = path.join(dir, `folder${ext}`);
  mkdirSync(folder);
  const big = path.join(dir, `big${ext}`);
  writeFileSync(big, Buffer.alloc(MAX_SOURCE_FILE_BYTES + 1024 * 1024, 0x20));
  // /dev/zero keeps its name, so a ".mover" device is a symbolic link to it.
  const zero = path.join(dir, `zero${ext}`);
  const ln = spawnSync('ln', ['-s', '/dev/zero', zero]);
  assert.equal(ln.status, 0, `ln failed: ${ln.stderr}`);
  return {
    dir,
    cases: [
      { name: '/dev/zero', file: zero, reason: /not a regular file \(a character device\)/ },
      { name: 'a FIFO', file: fifo, reason: /not a regular file \(a FIFO\)/ },
      { name: 'a directory', file: folder, reason: /not a regular file \(a directory\)/ },
      { name: 'a 17 MiB file', file: big, reason: /larger than 16 MiB/ },
    ],
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
