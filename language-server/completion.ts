// Completion by position: at the head of a statement, instructions and directives; in operands,
// registers (control registers for mov), labels (local ones of the current scope as `.name`),
// constants, builtins, structs and, after `struct.`, their fields; spaces before `:`; in a .struct
// body, field types; in `.include "`, library and neighbouring files. Library entry points of a
// library file not yet included come with the `.include` line that brings them in.

import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type TextEdit } from 'vscode-languageserver';
import { CONTROL_REGISTERS, DIRECTIVES, INSTRUCTIONS, type SymbolDef } from '../emulator/index';
import { instructionMarkdown } from './hover';
import type { Analysis, Project } from './project';
import { commentStart, docCommentAbove, statementHead, tokens } from './text';

const FIELD_TYPES = ['u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64', 'ptr'];
const REGISTERS = [...Array.from({ length: 16 }, (_, i) => `r${i}`), 'sp', 'fp'];

const KIND: Record<SymbolDef['kind'], CompletionItemKind> = {
  label: CompletionItemKind.Function,
  'local-label': CompletionItemKind.Reference,
  'data-label': CompletionItemKind.Variable,
  constant: CompletionItemKind.Constant,
  struct: CompletionItemKind.Struct,
  field: CompletionItemKind.Field,
  volume: CompletionItemKind.Unit,
  thread: CompletionItemKind.Event,
  test: CompletionItemKind.Event,
  object: CompletionItemKind.Variable,
  builtin: CompletionItemKind.Constant,
};

/** Is the line inside a .struct body (between .struct and .endstruct)? */
function inStruct(lines: readonly string[], line: number): boolean {
  for (let i = line - 1; i >= 0; i--) {
    const t = lines[i].replace(/;.*/, '').trim().toLowerCase();
    if (/^\.endstruct\b/.test(t)) return false;
    if (/^\.struct\b/.test(t)) return true;
  }
  return false;
}

/** The global label a line is under (for local labels), from the program's definitions. */
export function scopeAt(a: Analysis, file: number, line: number): string {
  let best: SymbolDef | undefined;
  for (const d of a.result.symbols.defs.values()) {
    if ((d.kind === 'label' || d.kind === 'data-label') && d.span && d.span.file === file && d.span.line <= line && (!best || d.span.line >= best.span!.line)) best = d;
  }
  return best?.name ?? '';
}

function symbolItem(d: SymbolDef, label = d.name): CompletionItem {
  return { label, kind: KIND[d.kind], detail: d.detail, sortText: (d.kind === 'builtin' ? '3' : d.kind === 'local-label' ? '0' : '1') + label };
}

export interface LibraryEntry {
  readonly file: string;
  readonly def: SymbolDef;
  readonly doc: string;
}

/** Global labels each library file defines itself, with the comment above each. */
export function libraryEntries(project: Project): LibraryEntry[] {
  const out: LibraryEntry[] = [];
  let names: string[];
  try {
    names = readdirSync(project.libraryDir).filter((n) => n.endsWith('.mover')).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    const file = path.join(project.libraryDir, n);
    const a = project.analyze(file);
    for (const d of a.result.symbols.defs.values()) {
      if (d.kind !== 'label' || !d.span || d.span.file !== 0) continue;
      out.push({ file, def: d, doc: docCommentAbove(a.lines(0), d.span.line) });
    }
  }
  return out;
}

/** Where a new `.include` line goes: after the last one, else after the header comment. */
function includeInsertLine(lines: readonly string[]): number {
  let last = -1;
  for (let i = 0; i < lines.length; i++) if (/^\s*\.include\b/i.test(lines[i])) last = i;
  if (last >= 0) return last + 1;
  let i = 0;
  while (i < lines.length && /^\s*;/.test(lines[i])) i++;
  return i;
}

export function complete(project: Project, a: Analysis, file: number, lines: readonly string[], line: number, character: number): CompletionItem[] {
  const text = lines[line] ?? '';
  const before = text.slice(0, character);
  const c = commentStart(text);
  if (c >= 0 && c < character) return [];

  // .include "...: library files and .mover files beside this one.
  const inc = /^\s*\.include\s+"([^"]*)$/i.exec(before);
  if (inc) {
    const items: CompletionItem[] = [];
    const here = path.dirname(a.result.files[file] ?? '');
    const seen = new Set<string>();
    for (const [dir, detail] of [[here, 'beside this file'], [project.libraryDir, 'library']] as const) {
      let names: string[] = [];
      try { names = readdirSync(dir).filter((n) => n.endsWith('.mover')); } catch { /* no folder */ }
      for (const n of names.sort()) {
        if (seen.has(n) || path.join(dir, n) === a.result.files[file]) continue;
        seen.add(n);
        items.push({ label: n, kind: CompletionItemKind.File, detail });
      }
    }
    return items;
  }
  // Inside a string: nothing to offer.
  const quotes = (before.match(/"/g) ?? []).length;
  if (quotes % 2 === 1) return [];

  if (inStruct(lines, line)) {
    const toks = tokens(before);
    if (toks.length === 0 || (toks.length === 1 && !/\s$/.test(before))) {
      return /^\s*\.?\w*$/.test(before) ? [{ label: '.endstruct', kind: CompletionItemKind.Keyword, detail: 'end of the struct' }] : [];
    }
    const structs = [...a.result.structs.keys()];
    return [
      ...FIELD_TYPES.map((t, i) => ({ label: t, kind: CompletionItemKind.TypeParameter, sortText: `0${i}`, detail: t === 'ptr' ? 'a 32-bit virtual address' : `${t[0] === 'u' ? 'unsigned' : 'signed'} ${t.slice(1)}-bit integer` })),
      ...structs.map((s) => ({ label: s, kind: CompletionItemKind.Struct, detail: 'struct (embedded)' })),
      ...structs.map((s) => ({ label: `${s}*`, kind: CompletionItemKind.Struct, detail: `pointer to ${s} (the debugger follows it)` })),
    ];
  }

  const toks = tokens(before);
  const { head, rest } = statementHead(toks);
  const typingHead = !head || (rest.length === 0 && head.endCol === character);
  if (typingHead) {
    // The word typed so far, its dot included: left to itself the editor replaces only what its word
    // pattern covers (`inc` of `.inc`), and accepting `.include` would give `..include`.
    const typed = /[.A-Za-z_][\w.$]*$/.exec(before)?.[0] ?? '';
    const replace = { start: { line, character: character - typed.length }, end: { line, character } };
    return [
      ...INSTRUCTIONS.map((d): CompletionItem => ({
        label: d.mnemonic, kind: CompletionItemKind.Keyword, detail: d.syntax.join('  |  '),
        documentation: { kind: MarkupKind.Markdown, value: instructionMarkdown(d) }, sortText: '1' + d.mnemonic,
        textEdit: { range: replace, newText: d.mnemonic },
      })),
      ...DIRECTIVES.map((d): CompletionItem => ({
        label: d.name, kind: CompletionItemKind.Module, detail: d.syntax,
        documentation: { kind: MarkupKind.Markdown, value: `${d.summary}\n\n\`\`\`mover\n${d.example}\n\`\`\`` }, sortText: '2' + d.name,
        filterText: d.name, textEdit: { range: replace, newText: d.name },
      })),
    ];
  }

  const mnemonic = head!.text.toLowerCase();
  const word = /[A-Za-z_.][\w.$]*$/.exec(before)?.[0] ?? '';
  const defs = a.result.symbols.defs;

  // `struct.` -> the struct's fields.
  const dot = word.lastIndexOf('.');
  if (dot > 0) {
    const owner = word.slice(0, dot);
    const s = a.result.structs.get(owner);
    if (s) {
      return s.fields.map((f) => {
        const d = defs.get(`${owner}.${f.name}`);
        return { label: f.name, kind: CompletionItemKind.Field, detail: d?.detail ?? `offset ${f.offset}`, sortText: String(f.offset).padStart(8, '0') };
      });
    }
    const label = defs.get(owner);
    if (label && label.kind === 'label') {
      return [...defs.values()].filter((d) => d.kind === 'local-label' && d.name.startsWith(owner + '.')).map((d) => symbolItem(d, d.name.slice(owner.length + 1)));
    }
  }

  const items: CompletionItem[] = [];
  // Spaces, where an address with a space is written (.org, .object, the console).
  if (mnemonic === '.org' || mnemonic === '.object') {
    for (const s of project.layout.spaces) items.push({ label: `${s.name.toLowerCase()}:`, kind: CompletionItemKind.Module, detail: s.paging ? `virtual space ${s.name}` : `${s.name}: paging off`, sortText: '0' + s.name });
    items.push({ label: 'pa:', kind: CompletionItemKind.Module, detail: 'a physical address', sortText: '0pa' });
  }
  if (mnemonic === '.thread') {
    items.push({ label: 'cpu=', kind: CompletionItemKind.Property, detail: 'the processor that runs the thread' }, { label: 'stack=', kind: CompletionItemKind.Property, detail: 'initial stack pointer' });
  }
  if (mnemonic === '.object' && rest.filter((t) => t.text === ',').length === 1) {
    for (const s of a.result.structs.keys()) items.push({ label: s, kind: CompletionItemKind.Struct, detail: 'struct' });
    return items;
  }
  if (!mnemonic.startsWith('.')) {
    for (const r of REGISTERS) items.push({ label: r, kind: CompletionItemKind.Variable, detail: r === 'sp' ? 'r15, stack pointer' : r === 'fp' ? 'r14, frame pointer' : '64-bit register', sortText: '2' + r.padStart(3, '0') });
    if (mnemonic === 'mov') for (const r of Object.keys(CONTROL_REGISTERS)) items.push({ label: r, kind: CompletionItemKind.Variable, detail: 'control register', sortText: '2' + r });
  }
  const scope = scopeAt(a, file, line);
  for (const d of defs.values()) {
    if (d.kind === 'field' || d.kind === 'thread' || d.kind === 'test') continue;
    if (d.kind === 'local-label') {
      if (scope && d.name.startsWith(scope + '.')) items.push(symbolItem(d, d.name.slice(scope.length)));
      continue;
    }
    items.push(symbolItem(d));
  }
  items.push({ label: 'sizeof', kind: CompletionItemKind.Function, detail: 'sizeof(struct): its size in bytes', insertText: 'sizeof($1)', insertTextFormat: InsertTextFormat.Snippet, sortText: '4sizeof' });

  // Library entry points not yet part of the program.
  const known = new Set(a.result.files);
  const at = includeInsertLine(lines);
  for (const e of libraryEntries(project)) {
    if (known.has(e.file) || defs.has(e.def.name)) continue;
    const edit: TextEdit = { range: { start: { line: at, character: 0 }, end: { line: at, character: 0 } }, newText: `.include "${path.basename(e.file)}"\n` };
    items.push({
      label: e.def.name, kind: CompletionItemKind.Function, detail: `${path.basename(e.file)} (adds .include "${path.basename(e.file)}")`,
      documentation: e.doc ? { kind: MarkupKind.Markdown, value: e.doc } : undefined, additionalTextEdits: [edit], sortText: '5' + e.def.name,
    });
  }
  return items;
}
