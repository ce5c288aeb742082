// A layout file from disk, read and validated: the one loader behind `mover --layout`, the language
// server's mover.layout setting and the debugger's `layout` launch argument.

import { formatLayoutProblems, parseLayoutText, type Layout, type LayoutProblem } from './layout';
import { readSourceFile } from './source-file';

export type LayoutFileResult =
  | { readonly ok: true; readonly layout: Layout }
  /** `message`: one sentence naming the file ("cannot read the layout file F: ...", "the layout file F is not valid"). */
  | { readonly ok: false; readonly message: string; readonly problems: readonly LayoutProblem[] };

/** Reads and validates a layout file. Never throws; never quotes the file's text. */
export function loadLayoutFile(file: string): LayoutFileResult {
  const read = readSourceFile(file);
  if (!read.ok) return { ok: false, message: `cannot read the layout file ${file}: ${read.reason}`, problems: [] };
  const r = parseLayoutText(read.text);
  if (!r.ok) return { ok: false, message: `the layout file ${file} is not valid`, problems: r.problems };
  return r;
}

/** The failure as text: the sentence, then each problem on its own indented line (or joined by `separator`). */
export function describeLayoutFileFailure(r: Extract<LayoutFileResult, { ok: false }>, separator = '\n'): string {
  if (!r.problems.length) return r.message;
  return `${r.message}:${separator === '\n' ? '\n' : ' '}${formatLayoutProblems(r.problems, separator)}`;
}
