// Where each symbol is written: the assembler's definitions and references, cut to the part of the
// text that names the symbol. `rec.data` names two symbols (the struct `rec` and its field `rec.data`),
// `.again` names `helper.again` by its last segment, and `helper.again` names both `helper` and
// `helper.again`. Go to definition, references, highlights, rename and semantic tokens use these.

import type { Span, SymbolDef } from '../emulator/index';
import type { Analysis } from './project';

export interface Occurrence {
  /** The symbol's full name (`helper.again`, `rec.data`, `thread main`). */
  readonly name: string;
  readonly def: SymbolDef;
  /** The columns naming this symbol (a sub-range of the written span). */
  readonly span: Span;
  readonly isDefinition: boolean;
}

function cut(span: Span, from: number, to: number): Span {
  return { file: span.file, line: span.line, col: span.col + from, endCol: span.col + to };
}

/** The occurrences written at one span that refers to (or defines) `name`. */
function occurrencesOf(a: Analysis, name: string, span: Span, isDefinition: boolean): Occurrence[] {
  const defs = a.result.symbols.defs;
  const def = defs.get(name);
  if (!def) return [];
  const text = a.text(span);
  if (text === name) {
    // A dotted name: each prefix that is itself a symbol (label or struct) is named by its own segment.
    const out: Occurrence[] = [];
    let start = 0;
    for (let i = 0; i <= name.length; i++) {
      if (i < name.length && name[i] !== '.') continue;
      const prefix = name.slice(0, i);
      const pd = defs.get(prefix);
      if (pd) {
        out.push({ name: prefix, def: pd, span: cut(span, start, i), isDefinition: isDefinition && prefix === name });
        start = i + 1;
      }
    }
    return out;
  }
  if (text.startsWith('.') && name.endsWith(text)) return [{ name, def, span: cut(span, 1, text.length), isDefinition }];
  return [{ name, def, span, isDefinition }];
}

/** Every occurrence of every symbol in the program, in all of its files. */
export function allOccurrences(a: Analysis): Occurrence[] {
  const cached = occurrenceCache.get(a);
  if (cached) return cached;
  const out: Occurrence[] = [];
  for (const d of a.result.symbols.defs.values()) if (d.span) out.push(...occurrencesOf(a, d.name, d.span, true));
  for (const r of a.result.symbols.refs) out.push(...occurrencesOf(a, r.name, r.span, false));
  occurrenceCache.set(a, out);
  return out;
}

const occurrenceCache = new WeakMap<Analysis, Occurrence[]>();

/** The occurrence under a position of a file, if any. */
export function occurrenceAt(a: Analysis, file: number, line: number, character: number): Occurrence | undefined {
  let best: Occurrence | undefined;
  for (const o of allOccurrences(a)) {
    if (o.span.file !== file || o.span.line !== line || character < o.span.col || character > o.span.endCol) continue;
    // Prefer the narrowest; at a boundary between two (`rec|.data`), the one the cursor is inside.
    if (!best || o.span.endCol - o.span.col < best.span.endCol - best.span.col || (best.span.endCol === character && o.span.col <= character && o.span.endCol > character)) best = o;
  }
  return best;
}
