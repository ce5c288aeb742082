// Formatting: column alignment that keeps every code word as written and never moves text between lines.
//   - labels at column 0; instructions and data directives indented; program-level directives
//     (.equ .include .org .struct .thread .volume .object) at column 0;
//   - one space after a mnemonic and after each comma, no space before a comma, other spacing inside
//     operands kept as "some" or "none";
//   - aligned columns within a run of neighbouring lines (a run ends at a blank line): the statement
//     after `label:`, the value of `.equ NAME,`, the type of a struct field, and trailing comments. A
//     run keeps the column its first line had when that is wide enough, so a file already laid out
//     by hand stays as it is; otherwise the column is the narrowest that fits the run.
// Lines the lexer cannot read (an unclosed string, a stray character) are left as they are. The result
// is idempotent: formatting formatted text changes nothing.

import { lexLine, type Token } from '../emulator/index';
import { commentStart, splitLines, statementHead } from './text';

export interface FormatOptions {
  readonly tabSize: number;
  readonly insertSpaces: boolean;
}

const PROGRAM_LEVEL = new Set(['.equ', '.include', '.org', '.struct', '.endstruct', '.thread', '.volume', '.object']);

type Shape =
  | { kind: 'blank' }
  | { kind: 'verbatim'; text: string }
  | { kind: 'comment'; indented: boolean; comment: string }
  | { kind: 'code'; labels: string; stmt: string; stmtIndented: boolean; equ?: { name: string; value: string }; field?: { name: string; type: string }; comment: string; orig: { stmtCol: number; valueCol: number; typeCol: number; commentCol: number } };

/** Rebuilds operand text from tokens: ", " after commas, nothing before; elsewhere one space where the source had any. */
function joinTokens(text: string, toks: readonly Token[]): string {
  let out = '';
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (i > 0) {
      const prev = toks[i - 1];
      if (t.text === ',') { /* no space before a comma */ }
      else if (prev.text === ',') out += ' ';
      else if (t.col > prev.endCol) out += ' ';
    }
    out += text.slice(t.col, t.endCol);
  }
  return out;
}

/** Only the blanks the lexer skips are trimmed: \v or U+2028 (which String.trim also drops) are errors it reports. */
const trimBlanks = (s: string): string => s.replace(/[ \t]+$/, '');

function shape(raw: string, inStruct: boolean): Shape {
  const text = trimBlanks(raw);
  if (!text) return { kind: 'blank' };
  const diags: never[] = [];
  const toks = lexLine(text, 0, 0, diags);
  if (diags.length) return { kind: 'verbatim', text };
  const c = commentStart(text);
  const comment = c >= 0 ? text.slice(c) : '';
  if (toks.length === 0) return { kind: 'comment', indented: /^[ \t]/.test(text), comment };
  const orig = { stmtCol: -1, valueCol: -1, typeCol: -1, commentCol: c };
  if (inStruct && !(toks[0].kind === 'local' && toks[0].text.toLowerCase() === '.endstruct')) {
    if (toks.length >= 2 && toks[0].kind === 'ident' && toks[1].kind === 'ident') {
      orig.typeCol = toks[1].col;
      return { kind: 'code', labels: '', stmt: '', stmtIndented: true, field: { name: toks[0].text, type: joinTokens(text, toks.slice(1)) }, comment, orig };
    }
    return { kind: 'verbatim', text };
  }
  const { head, rest, labels } = statementHead(toks);
  const labelText = labels.map((l) => `${l.text}:`).join(' ');
  if (!head) return { kind: 'code', labels: labelText, stmt: '', stmtIndented: false, comment, orig };
  orig.stmtCol = head.col;
  const name = head.text.toLowerCase();
  const stmtIndented = !(head.kind === 'local' && PROGRAM_LEVEL.has(name));
  if (name === '.equ' && rest.length >= 3 && rest[1].text === ',' && labels.length === 0) {
    orig.valueCol = rest[2].col;
    return { kind: 'code', labels: '', stmt: '', stmtIndented: false, equ: { name: `${head.text} ${text.slice(rest[0].col, rest[0].endCol)},`, value: joinTokens(text, rest.slice(2)) }, comment, orig };
  }
  const stmt = rest.length ? `${head.text} ${joinTokens(text, rest)}` : head.text;
  return { kind: 'code', labels: labelText, stmt, stmtIndented, comment, orig };
}

/** The width of text as displayed (a tab to the next multiple of tabSize). */
function width(s: string, tabSize: number): number {
  let w = 0;
  for (const ch of s) w = ch === '\t' ? w + tabSize - (w % tabSize) : w + 1;
  return w;
}

function pad(s: string, col: number, tabSize: number): string {
  const w = width(s, tabSize);
  return w >= col ? s : s + ' '.repeat(col - w);
}

/** Formats lines; the result has exactly one line per input line. */
export function formatLines(lines: readonly string[], opts: FormatOptions): string[] {
  const tab = Math.max(1, Math.min(16, Math.floor(opts.tabSize) || 4));
  const indent = opts.insertSpaces ? ' '.repeat(tab) : '\t';
  const shapes: Shape[] = [];
  let inStruct = false;
  for (const l of lines) {
    const s = shape(l, inStruct);
    shapes.push(s);
    if (s.kind === 'code' && !s.field) {
      const head = s.stmt.split(' ')[0].toLowerCase();
      if (head === '.struct') inStruct = true;
      if (head === '.endstruct') inStruct = false;
    }
  }

  // Runs of neighbouring lines (a blank line ends a run).
  const runs: number[][] = [];
  let run: number[] = [];
  shapes.forEach((s, i) => {
    if (s.kind === 'blank') { if (run.length) runs.push(run); run = []; } else run.push(i);
  });
  if (run.length) runs.push(run);

  const code: string[] = shapes.map(() => '');
  for (const r of runs) {
    // Column of statements after labels, of .equ values and of field types: the first line's when wide enough.
    const align = (pick: (s: Extract<Shape, { kind: 'code' }>) => { key: string; orig: number } | undefined, floor: number): number => {
      let need = floor;
      let first = -1;
      for (const i of r) {
        const s = shapes[i];
        if (s.kind !== 'code') continue;
        const p = pick(s);
        if (!p) continue;
        need = Math.max(need, width(p.key, tab) + 1);
        if (first < 0) first = p.orig;
      }
      return Math.max(need, first);
    };
    const labelCol = align((s) => (s.labels && s.stmt ? { key: s.labels, orig: s.orig.stmtCol } : undefined), tab);
    const equCol = align((s) => (s.equ ? { key: s.equ.name, orig: s.orig.valueCol } : undefined), 0);
    const typeCol = align((s) => (s.field ? { key: indent + s.field.name, orig: s.orig.typeCol } : undefined), 0);
    for (const i of r) {
      const s = shapes[i];
      if (s.kind !== 'code') continue;
      if (s.equ) code[i] = pad(s.equ.name, equCol, tab) + s.equ.value;
      else if (s.field) code[i] = pad(indent + s.field.name, typeCol, tab) + s.field.type;
      else if (s.labels && s.stmt) code[i] = pad(s.labels, labelCol, tab) + s.stmt;
      else if (s.labels) code[i] = s.labels;
      else code[i] = (s.stmtIndented ? indent : '') + s.stmt;
    }
    // Trailing comments.
    let need = 0;
    let first = -1;
    for (const i of r) {
      const s = shapes[i];
      if (s.kind !== 'code' || !s.comment) continue;
      need = Math.max(need, width(code[i], tab) + 1);
      if (first < 0) first = s.orig.commentCol;
    }
    const commentCol = Math.max(need, first);
    for (const i of r) {
      const s = shapes[i];
      if (s.kind === 'code' && s.comment) code[i] = pad(code[i], commentCol, tab) + s.comment;
    }
  }

  return shapes.map((s, i) => {
    switch (s.kind) {
      case 'blank': return '';
      case 'verbatim': return s.text;
      case 'comment': return (s.indented ? indent : '') + s.comment;
      case 'code': return code[i];
    }
  });
}

export interface LineEdit {
  readonly line: number;
  /** Characters of the line replaced (its length without its line ending). */
  readonly length: number;
  readonly text: string;
}

/** The lines that change, within [fromLine, toLine], with lines counted as LSP counts them. */
export function formatEdits(text: string, opts: FormatOptions, fromLine = 0, toLine = Number.MAX_SAFE_INTEGER): LineEdit[] {
  const lines = splitLines(text);
  const out = formatLines(lines, opts);
  const edits: LineEdit[] = [];
  for (let i = Math.max(0, fromLine); i < lines.length && i <= toLine; i++) {
    if (out[i] !== lines[i]) edits.push({ line: i, length: lines[i].length, text: out[i] });
  }
  return edits;
}
