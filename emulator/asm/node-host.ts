// Source files from the local file system, for the CLI and the debug adapter (the language server
// supplies open documents through its own SourceHost).

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SourceHost } from './assembler';

export const nodeSourceHost: SourceHost = {
  readFile(file: string): string | undefined {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** The library folder (lib/) shipped beside dist/ (bundles) or the source tree (tests). */
export function libraryDir(fromDir: string): string {
  return path.resolve(fromDir, '..', 'lib');
}
