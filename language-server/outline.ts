// The outline (labels with their local labels, structs with their fields, threads, tests, constants,
// volumes, objects), folding ranges (label bodies, structs, comment blocks, `; region` markers),
// links on `.include` names, and workspace symbols.

import { FoldingRangeKind, SymbolKind, type DocumentLink, type DocumentSymbol, type FoldingRange, type SymbolInformation } from 'vscode-languageserver';
import type { SymbolDef } from '../emulator/index';
import { pathToUri, type Analysis } from './project';
import { toRange } from './navigation';

const SYMBOL_KIND: Record<SymbolDef['kind'], SymbolKind> = {
  label: SymbolKind.Function,
  'local-label': SymbolKind.Key,
  'data-label': SymbolKind.Variable,
  constant: SymbolKind.Constant,
  struct: SymbolKind.Struct,
  field: SymbolKind.Field,
  volume: SymbolKind.File,
  thread: SymbolKind.Event,
  // The Test Explorer finds tests by this kind (extension/testing.ts).
  test: SymbolKind.Method,
  object: SymbolKind.Object,
  builtin: SymbolKind.Constant,
};

const GLOBAL_LABEL = /^[A-Za-z_][\w.$]*:/;

/** The last line of a block that starts at `from`: the line before the next global label (or struct), without trailing blank or comment lines. */
function blockEnd(lines: readonly string[], from: number): number {
  let end = lines.length - 1;
  for (let i = from + 1; i < lines.length; i++) {
    if (GLOBAL_LABEL.test(lines[i]) || /^\.(struct|thread|equ|org|object|volume|include)\b/i.test(lines[i])) { end = i - 1; break; }
  }
  while (end > from && /^\s*(;.*)?$/.test(lines[end])) end--;
  return end;
}

/** `.thread a, a_main, cpu=1` -> `a_main, cpu=1`. */
function threadDetail(line: string): string {
  return line.replace(/;.*/, '').replace(/^\s*\.thread\s+[^,]*,?\s*/i, '').trim();
}

export function documentSymbols(a: Analysis, file: number): DocumentSymbol[] {
  const lines = a.lines(file);
  const mine = [...a.result.symbols.defs.values()].filter((d) => d.span?.file === file).sort((x, y) => x.span!.line - y.span!.line || x.span!.col - y.span!.col);
  const top: DocumentSymbol[] = [];
  const byName = new Map<string, DocumentSymbol>();
  for (const d of mine) {
    const span = d.span!;
    let endLine = span.line;
    if (d.kind === 'label' || d.kind === 'data-label') endLine = blockEnd(lines, span.line);
    if (d.kind === 'struct') {
      endLine = lines.findIndex((l, i) => i > span.line && /^\s*\.endstruct\b/i.test(l));
      if (endLine < 0) endLine = span.line;
    }
    const name = d.kind === 'thread' || d.kind === 'test' ? d.name.slice(d.kind.length + 1) : d.kind === 'local-label' ? d.name.slice(d.name.lastIndexOf('.')) : d.kind === 'field' ? d.name.slice(d.name.indexOf('.') + 1) : d.name;
    const sym: DocumentSymbol = {
      name, kind: SYMBOL_KIND[d.kind], detail: d.kind === 'thread' ? threadDetail(lines[span.line] ?? '') : d.detail,
      range: { start: { line: span.line, character: 0 }, end: { line: endLine, character: (lines[endLine] ?? '').length } },
      selectionRange: toRange(span), children: [],
    };
    byName.set(d.name, sym);
    const parentName = d.kind === 'local-label' ? d.name.slice(0, d.name.lastIndexOf('.')) : d.kind === 'field' ? d.name.slice(0, d.name.indexOf('.')) : '';
    const parent = parentName ? byName.get(parentName) : undefined;
    if (parent) {
      parent.children!.push(sym);
      // A local label's body ends where the next local label starts, or with its parent's.
      if (d.kind === 'local-label') {
        const siblings = parent.children!;
        if (siblings.length > 1) {
          const prev = siblings[siblings.length - 2];
          prev.range = { start: prev.range.start, end: { line: Math.max(prev.range.start.line, span.line - 1), character: (lines[Math.max(prev.range.start.line, span.line - 1)] ?? '').length } };
        }
        sym.range = { start: sym.range.start, end: parent.range.end };
      }
    } else {
      top.push(sym);
    }
  }
  return top;
}

export function foldingRanges(lines: readonly string[]): FoldingRange[] {
  const out: FoldingRange[] = [];
  const regions: number[] = [];
  let struct = -1;
  let commentStart = -1;
  for (let i = 0; i <= lines.length; i++) {
    const l = i < lines.length ? lines[i] : '';
    const isComment = i < lines.length && /^\s*;/.test(l);
    if (!isComment && commentStart >= 0) {
      if (i - 1 > commentStart) out.push({ startLine: commentStart, endLine: i - 1, kind: FoldingRangeKind.Comment });
      commentStart = -1;
    }
    if (i === lines.length) break;
    if (/^\s*;\s*#?region\b/i.test(l)) { regions.push(i); continue; }
    if (/^\s*;\s*#?endregion\b/i.test(l)) { const s = regions.pop(); if (s !== undefined) out.push({ startLine: s, endLine: i, kind: FoldingRangeKind.Region }); continue; }
    if (isComment && commentStart < 0) commentStart = i;
    if (/^\s*\.struct\b/i.test(l)) struct = i;
    if (/^\s*\.endstruct\b/i.test(l) && struct >= 0) { out.push({ startLine: struct, endLine: i }); struct = -1; }
    if (GLOBAL_LABEL.test(l)) {
      const end = blockEnd(lines, i);
      if (end > i) out.push({ startLine: i, endLine: end });
    }
  }
  return out;
}

export function documentLinks(a: Analysis, file: number): DocumentLink[] {
  return a.result.includes.filter((i) => i.span.file === file).map((i) => ({
    range: toRange(i.span), target: pathToUri(a.result.files[i.file]), tooltip: a.result.files[i.file],
  }));
}

/** Case-insensitive subsequence match, as editors filter symbol lists. */
function matches(query: string, name: string): boolean {
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let j = 0;
  for (let i = 0; i < n.length && j < q.length; i++) if (n[i] === q[j]) j++;
  return j === q.length;
}

export function workspaceSymbols(analyses: readonly Analysis[], query: string, limit = 500): SymbolInformation[] {
  const out: SymbolInformation[] = [];
  const seen = new Set<string>();
  for (const a of analyses) {
    for (const d of a.result.symbols.defs.values()) {
      if (!d.span || d.kind === 'builtin' || !matches(query, d.name)) continue;
      const uri = pathToUri(a.result.files[d.span.file]);
      const key = `${uri}#${d.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ name: d.name, kind: SYMBOL_KIND[d.kind], location: { uri, range: toRange(d.span) }, containerName: d.detail });
      if (out.length >= limit) return out;
    }
  }
  return out;
}
