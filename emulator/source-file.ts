// Reading a file the user names (a program, an .include, a layout): regular files only, at most
// MAX_SOURCE_FILE_BYTES. /dev/zero would be read forever, a FIFO would block forever and a directory
// or socket cannot be read, so each is refused with a reason instead.

import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { MiB } from './hex';

/** The largest program, include or layout file read (the biggest shipped file is well under 1 MiB). */
export const MAX_SOURCE_FILE_BYTES = 16 * MiB;
const READ_CHUNK_BYTES = 64 * 1024;
const TOO_LARGE = `larger than ${MAX_SOURCE_FILE_BYTES / MiB} MiB`;

export type SourceFileRead =
  | { readonly ok: true; readonly text: string }
  /** `missing`: there is no such file (the assembler then looks elsewhere along the include path). */
  | { readonly ok: false; readonly missing: boolean; readonly reason: string };

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a plain file';
}

/** Why a file of this status cannot be read, or undefined when it can. */
function refusal(st: Stats): string | undefined {
  if (!st.isFile()) return `not a regular file (${kindOf(st)})`;
  if (st.size > MAX_SOURCE_FILE_BYTES) return TOO_LARGE;
  return undefined;
}

/** Reads a regular file of at most MAX_SOURCE_FILE_BYTES as UTF-8; never blocks on a FIFO or device. */
export function readSourceFile(file: string): SourceFileRead {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    return { ok: false, missing, reason: missing ? 'no such file' : (e as Error).message };
  }
  const refused = refusal(st);
  if (refused) return { ok: false, missing: false, reason: refused };
  let fd: number;
  try {
    // O_NONBLOCK: should the path become a FIFO between the stat and the open, the open does not wait.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return { ok: false, missing: false, reason: (e as Error).message };
  }
  try {
    const again = refusal(fstatSync(fd));
    if (again) return { ok: false, missing: false, reason: again };
    // Read to the end rather than trusting the size: the file may have grown since the stat.
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const part = Buffer.allocUnsafe(READ_CHUNK_BYTES);
      const n = readSync(fd, part, 0, part.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_SOURCE_FILE_BYTES) return { ok: false, missing: false, reason: TOO_LARGE };
      parts.push(part.subarray(0, n));
    }
    return { ok: true, text: Buffer.concat(parts, total).toString('utf8') };
  } catch (e) {
    return { ok: false, missing: false, reason: (e as Error).message };
  } finally {
    closeSync(fd);
  }
}
