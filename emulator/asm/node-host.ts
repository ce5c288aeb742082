// Source files from the local file system, for the CLI and the debug adapter (the language server
// supplies open documents through its own SourceHost).

import * as path from 'node:path';
import { readSourceFile } from '../source-file';
import type { SourceHost } from './assembler';

export const nodeSourceHost: SourceHost = {
  readFile(file: string): string | undefined {
    const r = readSourceFile(file);
    return r.ok ? r.text : undefined;
  },
  unreadable(file: string): string | undefined {
    const r = readSourceFile(file);
    return r.ok || r.missing ? undefined : r.reason;
  },
};

/** The library folder (lib/) shipped beside dist/ (bundles) or the source tree (tests). */
export function libraryDir(fromDir: string): string {
  return path.resolve(fromDir, '..', 'lib');
}
