// The mover-script assembler: the one implementation the CLI, the debugger and the language server use.
//
// Passes: (1) read the entry file and its .include's (each file once; cycles reported), parse every
// line; (2) collect constants, structs and label names; (3) place instructions (text indices) and data
// (addresses per space); (4) encode instructions and data with every symbol known. Every problem is a
// diagnostic with a position; nothing throws on bad input.

import * as path from 'node:path';
import { PATENT_LAYOUT_SPEC, defaultLayout, layoutTranslate, type Layout } from '../layout';
import { pdptAddresses } from '../boot';
import { DEFAULT_CPUS, MAX_CPUS } from '../machine';
import { PHYS_LIMIT } from '../physical-memory';
import { CR0_PE, CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_PSE, ZERO_REG } from '../processor';
import { PTE_A, PTE_D, PTE_G, PTE_P, PTE_PCD, PTE_PS, PTE_PWT, PTE_RW, PTE_US } from '../paging';
import { INSTRUCTION_BY_MNEMONIC, DIRECTIVE_BY_NAME, Op, registerIndex, registerName, type InstructionForm } from './isa';
import { FIELDS, OPCODE_SLOT, SHAPE_OF, writeField, type Field, type MemWords, type WordValue } from './encoding';
import { parseLine, RAW_BODY_DIRECTIVES, type Diagnostic, type Expr, type Line, type Operand, type Span } from './syntax';
import { evaluate } from './expression';
import {
  INSTRUCTION_SIZE, STRIDE, type Aux, type AssemblyResult, type DataBlock, type FieldType, type ObjectDecl, type PrintPart, type Program,
  type StructField, type StructType, type SymbolDef, type IncludeRef, type SymbolKind, type SymbolRef, type TestDecl, type ThreadDecl, type ValueRef, type VolumeDecl,
} from './program';

export interface SourceHost {
  /** The text of a file, or undefined when it does not exist or cannot be read. */
  readFile(file: string): string | undefined;
  /** Why an existing file cannot be read ("not a regular file (a FIFO)"); undefined when it is missing or readable. */
  unreadable?(file: string): string | undefined;
}

/** The extension of the files the assembler reads: only mover scripts, so no diagnostic quotes another file's text. */
export const SOURCE_EXTENSION = '.mover';

/**
 * The file an `.include "name"` in `fromFile` reads: beside the including file, else in each folder of
 * the include path (the library) in turn; the first that exists. Only .mover files are looked for, so a
 * name that is not one, or is found nowhere, is the path beside the includer (and its error names it).
 */
export function resolveInclude(fromFile: string, name: string, includePath: readonly string[], exists: (file: string) => boolean): string {
  const candidates = [path.dirname(fromFile), ...includePath].map((d) => path.normalize(path.resolve(d, name)));
  const source = path.extname(name).toLowerCase() === SOURCE_EXTENSION;
  return (source && candidates.find(exists)) || candidates[0];
}

export interface AssembleOptions {
  /** Reads included files (and the entry file when `text` is not given). */
  readonly host: SourceHost;
  /** Where `.include` looks after the including file's folder: the library (lib/). */
  readonly includePath?: readonly string[];
  /** The layout that .org addresses and the builtin constants come from (default: the patent's). */
  readonly layout?: Layout;
}

/** A test's step limit unless it says `steps=N`: far beyond any unit test, well short of a hang. */
export const DEFAULT_TEST_STEPS = 10_000_000;

/** Default stack of thread k: 64 KiB stacks growing down from the top of 0x0100_0000 in C1 (mapped in every space). */
export const DEFAULT_STACK_TOP = 0x0100_0000;
export const DEFAULT_STACK_SIZE = 0x1_0000;

const MAX_INCLUDE_DEPTH = 32;

/** The fixed, architectural constants every program sees. */
function architecturalConstants(): [string, number, string][] {
  return [
    ['CR0_PE', CR0_PE, 'CR0 bit 0: protected mode'], ['CR0_WP', CR0_WP, 'CR0 bit 16: supervisor writes honour R/W'], ['CR0_PG', CR0_PG >>> 0, 'CR0 bit 31: paging on'],
    ['CR4_PSE', CR4_PSE, 'CR4 bit 4'], ['CR4_PAE', CR4_PAE, 'CR4 bit 5: PAE paging'], ['CR4_PGE', CR4_PGE, 'CR4 bit 7: global pages'],
    ['PTE_P', PTE_P, 'entry bit 0: present'], ['PTE_RW', PTE_RW, 'entry bit 1: writable'], ['PTE_US', PTE_US, 'entry bit 2: user'],
    ['PTE_PWT', PTE_PWT, 'entry bit 3: write-through'], ['PTE_PCD', PTE_PCD, 'entry bit 4: cache disable'], ['PTE_A', PTE_A, 'entry bit 5: accessed'],
    ['PTE_D', PTE_D, 'entry bit 6: dirty'], ['PTE_PS', PTE_PS, 'PDE bit 7: 2 MiB page'], ['PTE_G', PTE_G, 'entry bit 8: global'],
    ['PAGE_SIZE', 4096, '4 KiB'],
  ];
}

class Assembler {
  readonly diags: Diagnostic[] = [];
  readonly files: string[] = [];
  private readonly lines: Line[] = [];
  readonly defs = new Map<string, SymbolDef>();
  readonly refs: SymbolRef[] = [];
  /** Each `.include` that named a file that was found: where it is written and which file it reads. */
  readonly includes: IncludeRef[] = [];
  private readonly constExprs = new Map<string, { expr: Expr; scope: string }>();
  private readonly constValues = new Map<string, bigint>();
  private readonly evaluating = new Set<string>();
  /** Constants whose value could not be computed (already reported): later uses stay silent. */
  private readonly failedConsts = new Set<string>();
  readonly structs = new Map<string, StructType>();
  private readonly codeLabels = new Map<string, number>();
  private readonly dataLabels = new Map<string, { space: string; va: number }>();
  private readonly volumes: VolumeDecl[] = [];
  private readonly threads: ThreadDecl[] = [];
  private readonly objects: ObjectDecl[] = [];
  private readonly tests: TestDecl[] = [];
  private readonly layout: Layout;

  constructor(private readonly opts: AssembleOptions) {
    this.layout = opts.layout ?? defaultLayout();
    for (const [name, value, detail] of architecturalConstants()) this.builtin(name, BigInt(value), detail);
    for (const [space, pdpt] of pdptAddresses(this.layout)) this.builtin(`${space}_CR3`, BigInt(pdpt), `CR3 value (PDPT address) that selects ${space}`);
    for (const c of this.layout.chunks) {
      this.builtin(`${c.name}_BASE`, BigInt(c.base), `chunk ${c.name} base${c.purpose ? ` (${c.purpose})` : ''}`);
      this.builtin(`${c.name}_SIZE`, BigInt(c.size), `chunk ${c.name} size`);
      this.builtin(`${c.name}_END`, BigInt(c.base + c.size), `chunk ${c.name} end (exclusive)`);
    }
  }

  private builtin(name: string, value: bigint, detail: string): void {
    this.defs.set(name, { name, kind: 'builtin', span: null, value, detail });
    this.constValues.set(name, value);
  }

  error(span: Span, message: string): void {
    this.diags.push({ span, message, severity: 'error' });
  }

  // ---- pass 1: files -------------------------------------------------------------------------------

  readFile(file: string, text: string | undefined, from: Span | null, depth: number, stack: string[]): void {
    const norm = path.normalize(file);
    if (stack.includes(norm)) {
      if (from) this.error(from, `include cycle: ${[...stack.slice(stack.indexOf(norm)), norm].map((f) => path.basename(f)).join(' -> ')}`);
      return;
    }
    if (this.files.includes(norm)) return; // each file is assembled once, wherever it is included
    if (depth > MAX_INCLUDE_DEPTH) { if (from) this.error(from, `includes nest deeper than ${MAX_INCLUDE_DEPTH}`); return; }
    const notSource = text === undefined && path.extname(norm).toLowerCase() !== SOURCE_EXTENSION;
    const body = notSource ? undefined : text ?? this.opts.host.readFile(norm);
    if (body === undefined) {
      const why = notSource ? `only ${SOURCE_EXTENSION} files are read` : this.opts.host.unreadable?.(norm);
      if (from && why) this.error(from, `cannot read ${path.basename(norm)}: ${why}`);
      else if (from) this.error(from, `cannot find ${path.basename(norm)} (looked in ${path.dirname(norm)}${this.opts.includePath?.length ? ` and ${this.opts.includePath.join(', ')}` : ''})`);
      else this.diags.push({ span: { file: 0, line: 0, col: 0, endCol: 1 }, message: `cannot read ${norm}${why ? `: ${why}` : this.opts.host.unreadable ? ': no such file' : ''}`, severity: 'error' });
      return;
    }
    const index = this.files.length;
    this.files.push(norm);
    const rows = body.split('\n');
    let inStruct = false;
    for (let i = 0; i < rows.length; i++) {
      if (inStruct && !/^\s*\.endstruct\b/i.test(rows[i])) {
        // Field lines (`name type[count]`) are parsed by the assembler, not as statements.
        this.lines.push(parseLine(rows[i], index, i, this.diags, true));
        continue;
      }
      const line = parseLine(rows[i], index, i, this.diags, false);
      const st = line.statement;
      if (st?.directive && RAW_BODY_DIRECTIVES.has(st.name)) inStruct = true;
      if (st?.directive && st.name === '.endstruct') inStruct = false;
      if (st?.directive && st.name === '.include' && !st.broken) {
        this.lines.push(line);
        const op = st.operands[0];
        if (st.operands.length !== 1 || op.k !== 'str') { this.error(st.span, '.include takes one file name in quotes: .include "vsgate.mover"'); continue; }
        const found = resolveInclude(norm, op.value, this.opts.includePath ?? [], (c) => this.files.includes(c) || this.opts.host.readFile(c) !== undefined);
        this.readFile(found, undefined, op.span, depth + 1, [...stack, norm]);
        const target = this.files.indexOf(path.normalize(found));
        if (target >= 0) this.includes.push({ span: op.span, file: target });
        continue;
      }
      this.lines.push(line);
    }
    if (inStruct) this.error({ file: index, line: rows.length - 1, col: 0, endCol: 1 }, 'a .struct is not closed: add .endstruct');
  }

  // ---- symbols -------------------------------------------------------------------------------------

  private define(name: string, kind: SymbolKind, span: Span, detail: string, value?: bigint): boolean {
    const old = this.defs.get(name);
    if (old) {
      const where = old.span ? ` (first defined at ${path.basename(this.files[old.span.file])}:${old.span.line + 1})` : ' (a builtin name)';
      this.error(span, `${name} is already defined${where}`);
      return false;
    }
    this.defs.set(name, { name, kind, span, detail, ...(value !== undefined ? { value } : {}) });
    return true;
  }

  private fullName(name: string, local: boolean, scope: string): string {
    return local ? `${scope}${name}` : name;
  }

  // ---- pass 2: collect constants, structs, label names ---------------------------------------------

  collect(): void {
    let scope = '';
    let struct: { name: string; span: Span; fields: { name: string; typeText: string; countExpr: Expr | null; span: Span; typeSpan: Span }[] } | null = null;
    for (const line of this.lines) {
      const st = line.statement;
      if (struct) {
        if (st?.directive && st.name === '.endstruct') { this.finishStruct(struct); struct = null; continue; }
        if (line.tokens.length === 0) continue;
        const parsed = this.parseField(line);
        if (parsed) struct.fields.push(parsed);
        continue;
      }
      for (const l of line.labels) {
        if (!l.local) scope = l.name;
        else if (!scope) { this.error(l.span, `local label ${l.name} needs a global label above it`); continue; }
        const full = this.fullName(l.name, l.local, scope);
        const isData = st !== null && st.directive && DATA_DIRECTIVES.has(st.name);
        this.define(full, l.local ? 'local-label' : isData ? 'data-label' : 'label', l.span, isData ? 'data' : 'code');
      }
      if (!st || st.broken) continue;
      if (st.directive) {
        if (st.name === '.equ') {
          const [n, e] = st.operands;
          if (st.operands.length !== 2 || n.k !== 'expr' || n.expr.k !== 'sym' || n.expr.local || e.k !== 'expr') { this.error(st.span, '.equ takes a name and a value: .equ PAGE, 4096'); continue; }
          if (this.define(n.expr.name, 'constant', n.span, 'constant')) this.constExprs.set(n.expr.name, { expr: e.expr, scope });
        } else if (st.name === '.struct') {
          const n = st.operands[0];
          if (st.operands.length !== 1 || n.k !== 'expr' || n.expr.k !== 'sym') { this.error(st.span, '.struct takes a name: .struct dnlc_entry'); struct = { name: '', span: st.span, fields: [] }; continue; }
          struct = { name: n.expr.name, span: n.span, fields: [] };
        } else if (st.name === '.endstruct') {
          this.error(st.span, '.endstruct without a .struct');
        }
      }
    }
    if (struct) this.finishStruct(struct);
  }

  private parseField(line: Line): { name: string; typeText: string; countExpr: Expr | null; span: Span; typeSpan: Span } | null {
    const t = line.tokens;
    const sp = (a: number, b: number): Span => ({ file: line.file, line: line.line, col: a, endCol: b });
    if (t.length < 2 || t[0].kind !== 'ident' || t[1].kind !== 'ident') {
      this.error(sp(t[0].col, t[t.length - 1].endCol), 'a struct field is `name type`, e.g. `inode u32` or `name u8[24]`');
      return null;
    }
    let countExpr: Expr | null = null;
    // `next snap_entry*`: a pointer to a struct (4 bytes; the debugger follows it).
    const pointer = t.length > 2 && t[2].text === '*';
    const rest = pointer ? 3 : 2;
    if (t.length > rest) {
      if (t[rest].text !== '[' || t[t.length - 1].text !== ']') { this.error(sp(t[rest].col, t[t.length - 1].endCol), 'an array field is `name type[count]`'); return null; }
      const inner = line.text.slice(t[rest].endCol, t[t.length - 1].col);
      const pl = parseLine(`x ${inner}`, line.file, line.line, this.diags);
      const op = pl.statement?.operands[0];
      if (!op || op.k !== 'expr') { this.error(sp(t[rest].col, t[t.length - 1].endCol), 'the array count must be a constant'); return null; }
      // Shift the count's spans to where it really is on the line.
      countExpr = shiftExpr(op.expr, t[rest].endCol - 2);
    }
    return { name: t[0].text, typeText: t[1].text + (pointer ? '*' : ''), countExpr, span: sp(t[0].col, t[0].endCol), typeSpan: sp(t[1].col, t[1].endCol) };
  }

  private pendingStructs: { name: string; span: Span; fields: { name: string; typeText: string; countExpr: Expr | null; span: Span; typeSpan: Span }[] }[] = [];

  private finishStruct(s: { name: string; span: Span; fields: { name: string; typeText: string; countExpr: Expr | null; span: Span; typeSpan: Span }[] }): void {
    if (!s.name) return;
    if (!this.define(s.name, 'struct', s.span, 'struct')) return;
    this.pendingStructs.push(s);
  }

  /** Lays out structs (after all are known, so a field may use a struct declared later). */
  layoutStructs(): void {
    const building = new Set<string>();
    const build = (name: string): StructType | undefined => {
      const done = this.structs.get(name);
      if (done) return done;
      const s = this.pendingStructs.find((p) => p.name === name);
      if (!s) return undefined;
      if (building.has(name)) { this.error(s.span, `struct ${name} contains itself`); return undefined; }
      building.add(name);
      let offset = 0;
      const fields: StructField[] = [];
      for (const f of s.fields) {
        const prim = PRIMITIVES[f.typeText.toLowerCase()];
        let type: FieldType | undefined = prim;
        let size = prim ? (prim.kind === 'int' ? prim.bytes : 4) : 0;
        if (!prim && f.typeText.endsWith('*')) {
          // A pointer's target may be declared anywhere, even be this struct: no layout is needed.
          const target = f.typeText.slice(0, -1);
          if (!this.pendingStructs.some((p) => p.name === target)) { this.error(f.typeSpan, `${target} is not a struct, so ${target}* is not a pointer type`); continue; }
          this.refs.push({ name: target, span: f.typeSpan });
          type = { kind: 'ptr', target };
          size = 4;
        } else if (!prim) {
          const inner = build(f.typeText);
          if (!inner) { this.error(f.typeSpan, `unknown field type ${f.typeText}: use u8, u16, u32, u64, i8, i16, i32, i64, ptr or a struct name`); continue; }
          this.refs.push({ name: f.typeText, span: f.typeSpan });
          type = { kind: 'struct', name: f.typeText };
          size = inner.size;
        }
        let count = 1;
        if (f.countExpr) {
          const v = this.evalConst(f.countExpr, '');
          if (v === undefined) continue;
          if (v < 1n || v > 1n << 24n) { this.error(f.countExpr.span, `an array count must be from 1 to 16777216 (got ${v})`); continue; }
          count = Number(v);
        }
        const full = `${name}.${f.name}`;
        if (fields.some((x) => x.name === f.name)) { this.error(f.span, `struct ${name} already has a field ${f.name}`); continue; }
        fields.push({ name: f.name, offset, type: type!, count, elementSize: size, span: f.span });
        this.defs.set(full, { name: full, kind: 'field', span: f.span, value: BigInt(offset), detail: `${f.typeText}${count > 1 ? `[${count}]` : ''} at offset ${offset}` });
        this.constValues.set(full, BigInt(offset));
        offset += size * count;
      }
      building.delete(name);
      const st: StructType = { name, size: offset, fields, span: s.span };
      this.structs.set(name, st);
      const def = this.defs.get(name);
      if (def) this.defs.set(name, { ...def, value: BigInt(offset), detail: `struct, ${offset} bytes` });
      return st;
    };
    for (const s of this.pendingStructs) build(s.name);
  }

  // ---- constant evaluation -------------------------------------------------------------------------

  /** Evaluates a constant expression (64-bit, wrapping). Labels are allowed once placed. */
  evalConst(e: Expr, scope: string, record = true): bigint | undefined {
    return evaluate(e, {
      register: (_index, span) => { this.error(span, 'a register cannot be used in a constant expression'); return undefined; },
      sizeOf: (name, nameSpan) => {
        const s = this.structs.get(name);
        if (record) this.refs.push({ name, span: nameSpan });
        if (!s) { this.error(nameSpan, `sizeof needs a struct; ${name} is not one`); return undefined; }
        return BigInt(s.size);
      },
      symbol: (name, local, span) => this.symbolValue(name, local, scope, span, record),
      error: (span, message) => this.error(span, `${message} in a constant`),
    });
  }

  private symbolValue(name: string, local: boolean, scope: string, span: Span, record: boolean): bigint | undefined {
    const full = this.fullName(name, local, scope);
    if (record) this.refs.push({ name: full, span });
    const known = this.constValues.get(full);
    if (known !== undefined) return known;
    const code = this.codeLabels.get(full);
    if (code !== undefined) return BigInt(code * INSTRUCTION_SIZE);
    const data = this.dataLabels.get(full);
    if (data !== undefined) return BigInt(data.va);
    if (this.constExprs.has(full)) {
      if (this.failedConsts.has(full)) return undefined;
      if (this.evaluating.has(full)) { this.error(span, `${full} is defined in terms of itself`); return undefined; }
      return this.resolveConstant(full);
    }
    const def = this.defs.get(full);
    if (def && (def.kind === 'label' || def.kind === 'local-label' || def.kind === 'data-label')) {
      this.error(span, `${full} is not placed yet: data sizes and .org addresses may only use labels defined above them`);
      return undefined;
    }
    if (def?.kind === 'struct') { this.error(span, `${full} is a struct: use sizeof(${full}) or ${full}.field`); return undefined; }
    this.error(span, `unknown symbol ${full}${this.suggest(full)}`);
    return undefined;
  }

  /**
   * Evaluates a constant whose value is not known yet. The constants it depends on are evaluated first,
   * from an explicit stack rather than by recursion, so a chain of 2,000 `.equ`s each naming the one
   * before cannot overflow the call stack. A constant on the stack is being evaluated: a use of it
   * (a cycle) is reported by symbolValue.
   */
  private resolveConstant(root: string): bigint | undefined {
    const stack = [root];
    this.evaluating.add(root);
    while (stack.length) {
      const name = stack[stack.length - 1];
      const ce = this.constExprs.get(name)!;
      const next = this.pendingConstant(ce.expr, ce.scope);
      if (next !== undefined) { this.evaluating.add(next); stack.push(next); continue; }
      stack.pop();
      // Every constant it names has a value now (or failed, or is on the stack): this evaluation is shallow.
      const v = this.evalConst(ce.expr, ce.scope, false);
      this.evaluating.delete(name);
      if (v === undefined) { this.failedConsts.add(name); continue; }
      this.constValues.set(name, v);
      const d = this.defs.get(name);
      if (d) this.defs.set(name, { ...d, value: v });
    }
    return this.constValues.get(root);
  }

  /** The first constant an expression names that still needs evaluating (not known, not failed, not on the stack). */
  private pendingConstant(e: Expr, scope: string): string | undefined {
    switch (e.k) {
      case 'bin': return this.pendingConstant(e.a, scope) ?? this.pendingConstant(e.b, scope);
      case 'un': return this.pendingConstant(e.a, scope);
      case 'sym': {
        const full = this.fullName(e.name, e.local, scope);
        const waiting = this.constExprs.has(full) && !this.constValues.has(full) && !this.failedConsts.has(full) && !this.evaluating.has(full);
        return waiting && !this.codeLabels.has(full) && !this.dataLabels.has(full) ? full : undefined;
      }
      default: return undefined;
    }
  }

  private suggest(name: string): string {
    const lower = name.toLowerCase();
    let best: string | undefined;
    let bestD = 3;
    for (const k of this.defs.keys()) {
      const d = editDistance(lower, k.toLowerCase());
      if (d < bestD) { bestD = d; best = k; }
    }
    return best ? ` (did you mean ${best}?)` : '';
  }

  // ---- pass 3: place instructions and data ---------------------------------------------------------

  private instrLines: { line: Line; scope: string }[] = [];
  private readonly expectStale = new Set<number>();
  private dataItems: { line: Line; scope: string; space: string; va: number }[] = [];

  place(): void {
    let scope = '';
    let space: string | null = null;
    let va = 0;
    let inStruct = false;
    // After a .org that failed (already reported), data without a place is not reported again.
    let orgBroken = false;
    // A .expect_stale waiting for its instruction.
    let expectStale: Span | null = null;
    for (const line of this.lines) {
      const st = line.statement;
      if (inStruct) { if (st?.directive && st.name === '.endstruct') inStruct = false; continue; }
      for (const l of line.labels) {
        if (!l.local) scope = l.name;
        const full = this.fullName(l.name, l.local, scope);
        const isData = st !== null && st.directive && DATA_DIRECTIVES.has(st.name);
        if (isData) {
          if (space === null) { if (!orgBroken) this.error(l.span, `data label ${full} comes before any .org: say where the data goes, e.g. .org vs1:0x2000_0000`); }
          else this.dataLabels.set(full, { space, va });
        } else if (!st || !st.directive || st.name === '.include') {
          this.codeLabels.set(full, this.instrLines.length);
        } else {
          // A label on another directive line marks the next instruction.
          this.codeLabels.set(full, this.instrLines.length);
        }
      }
      if (!st) continue;
      if (!st.directive) {
        if (expectStale) { this.expectStale.add(this.instrLines.length); expectStale = null; }
        this.instrLines.push({ line, scope });
        continue;
      }
      if (expectStale && !st.broken && st.name !== '.expect_stale') { this.error(expectStale, '.expect_stale must be followed by an instruction (the access whose stale TLB use is intended)'); expectStale = null; }
      if (st.broken) { if (st.name === '.org') orgBroken = true; continue; }
      switch (st.name) {
        case '.struct': inStruct = true; break;
        case '.expect_stale':
          if (st.operands.length) this.error(st.span, '.expect_stale takes no operands: put it on the line before the access');
          expectStale = st.span;
          break;
        case '.org': {
          orgBroken = true;
          const op = st.operands[0];
          if (st.operands.length !== 1 || op.k !== 'spaced') { this.error(st.span, '.org takes a space and an address: .org vs1:0x2000_0000 (or pa:0x1_0000_0000)'); break; }
          const v = this.evalConst(op.expr, scope);
          const s = this.spaceName(op.space, op.spaceSpan);
          if (v === undefined || s === null) break;
          if (s !== 'PA' && v >= 1n << 32n) { this.error(op.expr.span, `${op.space}:0x${v.toString(16)} is not a virtual address: a space is 32 bits`); break; }
          if (s === 'PA' && v >= BigInt(PHYS_LIMIT)) { this.error(op.expr.span, `pa:0x${v.toString(16)} is outside the 36-bit physical space (0 .. 0xF_FFFF_FFFF)`); break; }
          space = s;
          va = Number(v);
          orgBroken = false;
          break;
        }
        case '.byte': case '.half': case '.word': case '.quad': case '.ascii': case '.asciz': case '.zero': case '.align': {
          if (space === null) { if (!orgBroken) this.error(st.nameSpan, `${st.name} needs a place: put .org space:address above it`); break; }
          const size = this.dataSize(st.name, st.operands, scope, va);
          if (size === undefined) break;
          this.dataItems.push({ line, scope, space, va });
          va += size;
          break;
        }
        default: break;
      }
    }
    // Labels now have values: record them with their definitions (hovers, the debugger's symbols).
    for (const [name, index] of this.codeLabels) this.setValue(name, BigInt(index * INSTRUCTION_SIZE), `code, text address 0x${(index * INSTRUCTION_SIZE).toString(16)}`);
    for (const [name, d] of this.dataLabels) this.setValue(name, BigInt(d.va), `data at ${d.space.toLowerCase()}:0x${d.va.toString(16)}`);
  }

  private setValue(name: string, value: bigint, detail: string): void {
    const def = this.defs.get(name);
    if (def) this.defs.set(name, { ...def, value, detail });
  }

  private spaceName(name: string, span: Span): string | null {
    if (name.toLowerCase() === 'pa') return 'PA';
    const s = this.layout.spaces.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!s) { this.error(span, `no space named ${name} in the layout (spaces: ${this.layout.spaces.map((x) => x.name).join(', ')}; or pa: for a physical address)`); return null; }
    return s.name;
  }

  private dataSize(name: string, ops: readonly Operand[], scope: string, va: number): number | undefined {
    const width = DATA_WIDTH[name];
    if (width) return width * ops.length;
    if (name === '.ascii' || name === '.asciz') {
      if (ops.length !== 1 || ops[0].k !== 'str') { this.error(ops[0]?.span ?? { file: 0, line: 0, col: 0, endCol: 1 }, `${name} takes one string`); return undefined; }
      return Buffer.byteLength(ops[0].value, 'latin1') + (name === '.asciz' ? 1 : 0);
    }
    const op = ops[0];
    if (ops.length !== 1 || op.k !== 'expr') { this.error(op?.span ?? { file: 0, line: 0, col: 0, endCol: 1 }, `${name} takes one constant`); return undefined; }
    const v = this.evalConst(op.expr, scope);
    if (v === undefined) return undefined;
    if (name === '.zero') {
      if (v > 1n << 32n) { this.error(op.span, '.zero is limited to 4 GiB'); return undefined; }
      return Number(v);
    }
    if (v < 1n || v > 1n << 30n || (v & (v - 1n)) !== 0n) { this.error(op.span, `.align takes a power of two (got ${v})`); return undefined; }
    const a = Number(v);
    return (a - (va % a)) % a;
  }

  // ---- pass 4: encode -------------------------------------------------------------------------------

  encode(): Program | null {
    // .volume and .object define names that instructions and data use: declare them first.
    this.directives();
    const n = this.instrLines.length;
    const code = new Int32Array(Math.max(1, n) * STRIDE);
    const aux: (Aux | undefined)[] = new Array(n).fill(undefined);
    const srcFile = new Int32Array(n), srcLine = new Int32Array(n), srcCol = new Int32Array(n);
    const text: string[] = [];
    this.instrLines.forEach(({ line, scope }, i) => {
      const st = line.statement!;
      srcFile[i] = line.file;
      srcLine[i] = line.line;
      srcCol[i] = st.nameSpan.col;
      text.push(line.text.replace(/;.*$/, '').replace(/^\s*(?:\.?[A-Za-z_][\w.$]*:\s*)*/, '').trim().replace(/\s+/g, ' '));
      if (st.broken) return;
      this.encodeInstruction(st.name, st.nameSpan, st.operands, scope, code, aux, i, st.span);
    });
    const data = this.encodeData();
    if (this.diags.some((d) => d.severity === 'error')) return null;
    return {
      code, length: n, aux, srcFile, srcLine, srcCol, text, files: this.files, data, threads: this.threads, volumes: this.volumes,
      structs: this.structs, objects: this.objects, tests: this.tests, symbols: { defs: this.defs, refs: this.refs }, labels: this.codeLabels,
      expectStale: this.expectStale,
    };
  }

  private encodeInstruction(name: string, nameSpan: Span, ops: readonly Operand[], scope: string, code: Int32Array, aux: (Aux | undefined)[], i: number, span: Span): void {
    const doc = INSTRUCTION_BY_MNEMONIC.get(name);
    if (!doc) {
      if (DIRECTIVE_BY_NAME.has('.' + name)) this.error(nameSpan, `${name} is a directive: write .${name}`);
      else this.error(nameSpan, `unknown instruction ${name}${this.suggestMnemonic(name)}`);
      return;
    }
    const kinds = ops.map((o) => operandKind(o));
    const fits = (spec: string, kind: string) => (kind === 'IL' ? spec.includes('I') || spec.includes('L') : spec.includes(kind));
    const form = doc.forms.find((f) => f.operands.length === ops.length && f.operands.every((spec, j) => fits(spec, kinds[j])));
    if (!form) {
      const wanted = doc.syntax.join('  or  ');
      const counts = new Set(doc.forms.map((f) => f.operands.length));
      if (!counts.has(ops.length)) this.error(span, `${name} takes ${[...counts].join(' or ')} operand${[...counts].every((c) => c === 1) ? '' : 's'}, not ${ops.length}: ${wanted}`);
      else {
        // Of the forms with this many operands, blame the one that matches the most leading operands.
        const firstBad = (x: InstructionForm) => x.operands.findIndex((spec, j) => !fits(spec, kinds[j]));
        const f = doc.forms.filter((x) => x.operands.length === ops.length).reduce((a, b) => (firstBad(b) > firstBad(a) ? b : a));
        const bad = firstBad(f);
        this.error(ops[Math.max(0, bad)].span, `operand ${bad + 1} of ${name} must be ${describeSpec(f.operands[bad])}, not ${describeKind(kinds[bad])}: ${wanted}`);
      }
      return;
    }
    const op = pickOp(form, kinds);
    const at = i * STRIDE;
    code[at + OPCODE_SLOT] = op;
    // The operand words follow the opcode's declared shape (encoding.ts), field by field.
    const shape = SHAPE_OF[op];
    const fields = FIELDS[shape];
    const value = (o: Operand): ValueRef | undefined => {
      if (o.k === 'reg') return { reg: o.index, lo: 0, hi: 0 };
      const v = this.evalConst((o as { expr: Expr }).expr, scope);
      if (v === undefined) return undefined;
      return { reg: -1, lo: Number(v & 0xffffffffn) | 0, hi: Number((v >> 32n) & 0xffffffffn) | 0 };
    };
    switch (shape) {
      case 'V2': case 'V4': {
        const values = ops.map(value);
        if (values.every((v) => v !== undefined)) aux[i] = { kind: 'values', values: values as ValueRef[] };
        return;
      }
      case 'print': {
        const parts = this.printParts(ops[0] as Extract<Operand, { k: 'str' }>);
        if (parts) aux[i] = { kind: 'print', parts };
        return;
      }
      case 'event': {
        const e = (ops[0] as { expr: Expr }).expr;
        if (e.k !== 'sym') { this.error(ops[0].span, 'event takes a name first: event cofw, r1, r2'); return; }
        const values = [value(ops[1]), value(ops[2])];
        if (values.every((v) => v !== undefined)) aux[i] = { kind: 'event', name: e.name, values: values as ValueRef[] };
        return;
      }
      case 'assert': {
        const values = [value(ops[0]), value(ops[1])];
        if (values.every((v) => v !== undefined)) aux[i] = { kind: 'assert', values: values as ValueRef[], message: (ops[2] as { value: string }).value };
        return;
      }
      default: break;
    }
    if (ops.length > fields.length) { this.error(span, `internal: no encoding for ${name}`); return; }
    // A short form (add rd, rt; not rd) writes its first operand for the fields it leaves out: rd is also rs.
    const written = [...new Array<Operand>(fields.length - ops.length).fill(ops[0]), ...ops];
    fields.forEach((f, j) => {
      const v = this.wordValue(name, f, written[j], scope);
      if (v) writeField(code, at, f, v);
    });
  }

  /** The value of a word field from its operand, or undefined (with a diagnostic) when it has none. */
  private wordValue(name: string, f: Field, o: Operand, scope: string): WordValue | undefined {
    switch (f.kind) {
      case 'reg': case 'creg': return { kind: f.kind, reg: (o as { index: number }).index };
      case 'imm': {
        const v = this.evalConst((o as { expr: Expr }).expr, scope);
        return v === undefined ? undefined : { kind: 'imm', value: v };
      }
      case 'mem': {
        const m = this.memOperand(o as Extract<Operand, { k: 'mem' }>, scope);
        return m && { kind: 'mem', mem: m };
      }
      case 'target': {
        const e = (o as { expr: Expr }).expr;
        if (f.none !== undefined && e.k === 'num' && e.v === 0n) return { kind: 'target', index: null };
        const v = this.evalConst(e, scope);
        if (v === undefined) return undefined;
        if (v % BigInt(INSTRUCTION_SIZE) !== 0n || v / BigInt(INSTRUCTION_SIZE) >= BigInt(this.instrLines.length)) {
          this.error(o.span, `${name} needs a code label; ${v.toString(16)} is not the address of an instruction of this program`);
          return undefined;
        }
        return { kind: 'target', index: Number(v / BigInt(INSTRUCTION_SIZE)) };
      }
      default: return undefined;
    }
  }

  private suggestMnemonic(name: string): string {
    let best: string | undefined;
    let bestD = 3;
    for (const k of INSTRUCTION_BY_MNEMONIC.keys()) {
      const d = editDistance(name, k);
      if (d < bestD) { bestD = d; best = k; }
    }
    return best ? ` (did you mean ${best}?)` : '';
  }

  /** [base + index*scale + disp] as its words: base, index, scale shift, disp (undefined after an error). */
  private memOperand(o: Extract<Operand, { k: 'mem' }>, scope: string): MemWords | undefined {
    const terms: { reg: number; scale: number; span: Span }[] = [];
    const consts: { e: Expr; neg: boolean }[] = [];
    let bad = false;
    const walk = (e: Expr, neg: boolean) => {
      if (e.k === 'reg') { if (neg) { this.error(e.span, 'a register in an address cannot be subtracted'); bad = true; } terms.push({ reg: e.index, scale: 1, span: e.span }); return; }
      if (e.k === 'bin' && (e.op === '+' || e.op === '-')) { walk(e.a, neg); walk(e.b, e.op === '-' ? !neg : neg); return; }
      if (e.k === 'bin' && e.op === '*' && (e.a.k === 'reg' || e.b.k === 'reg')) {
        const r = e.a.k === 'reg' ? e.a : e.b as Extract<Expr, { k: 'reg' }>;
        const s = e.a.k === 'reg' ? e.b : e.a;
        if (neg) { this.error(e.span, 'a register in an address cannot be subtracted'); bad = true; return; }
        const v = this.evalConst(s, scope);
        if (v === undefined) { bad = true; return; }
        if (![1n, 2n, 4n, 8n].includes(v)) { this.error(s.span, `an index is scaled by 1, 2, 4 or 8 (got ${v})`); bad = true; return; }
        terms.push({ reg: r.index, scale: Number(v), span: e.span });
        return;
      }
      if (containsReg(e)) { this.error(e.span, 'an address is base + index*scale + displacement; this combination of registers is not one'); bad = true; return; }
      consts.push({ e, neg });
    };
    walk(o.expr, false);
    if (bad) return;
    if (terms.length > 2) { this.error(o.span, 'an address uses at most two registers: [base + index*scale + disp]'); return; }
    const scaled = terms.filter((t) => t.scale !== 1);
    if (scaled.length > 1) { this.error(o.span, 'only one register in an address can be scaled'); return; }
    let base = ZERO_REG, index = ZERO_REG, shift = 0;
    if (terms.length === 2) {
      const [a, b] = scaled.length ? [terms.find((t) => t.scale === 1)!, scaled[0]] : terms;
      base = a.reg; index = b.reg; shift = Math.log2(b.scale);
    } else if (terms.length === 1) {
      if (terms[0].scale === 1) base = terms[0].reg;
      else { index = terms[0].reg; shift = Math.log2(terms[0].scale); }
    }
    let disp = 0n;
    for (const c of consts) {
      const v = this.evalConst(c.e, scope);
      if (v === undefined) return;
      disp = c.neg ? disp - v : disp + v;
    }
    return { base, index, shift, disp: Number(BigInt.asUintN(32, disp)) | 0 };
  }

  private printParts(o: Extract<Operand, { k: 'str' }>): PrintPart[] | null {
    const parts: PrintPart[] = [];
    const re = /\{([^{}]*)\}/g;
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(o.value))) {
      if (m.index > last) parts.push({ kind: 'text', text: o.value.slice(last, m.index) });
      last = m.index + m[0].length;
      const [what, fmt = 'x'] = m[1].split(':').map((s) => s.trim());
      const ctx = what.toLowerCase();
      if (ctx === 'cpu' || ctx === 'tid' || ctx === 'space' || ctx === 'thread') { parts.push({ kind: 'context', what: ctx }); continue; }
      const r = registerIndex(what);
      if (r === undefined) { this.error(o.span, `{${m[1]}} in print: use {rN}, {rN:d}, {rN:s}, {cpu}, {tid}, {thread} or {space}`); return null; }
      if (fmt !== 'x' && fmt !== 'd' && fmt !== 's') { this.error(o.span, `{${m[1]}}: the format is x (hex), d (decimal) or s (string at that address)`); return null; }
      parts.push({ kind: 'reg', reg: r, format: fmt });
    }
    if (last < o.value.length) parts.push({ kind: 'text', text: o.value.slice(last) });
    return parts;
  }

  private encodeData(): DataBlock[] {
    const blocks: DataBlock[] = [];
    for (const { line, scope, space, va } of this.dataItems) {
      const st = line.statement!;
      const bytes = this.dataBytes(st.name, st.operands, scope, va);
      if (!bytes || bytes.length === 0) continue;
      const span = st.span;
      if (space === 'PA') {
        if (va + bytes.length > PHYS_LIMIT) { this.error(span, `pa:0x${va.toString(16)} (+${bytes.length}) is outside the 36-bit physical space (0 .. 0xF_FFFF_FFFF)`); continue; }
        blocks.push({ space, va, pa: va, bytes, span });
        continue;
      }
      const s = this.layout.spaces.find((x) => x.name === space)!;
      // Split at page boundaries: consecutive VAs need not be consecutive PAs.
      let done = 0;
      while (done < bytes.length) {
        const at = va + done;
        const n = Math.min(bytes.length - done, 4096 - (at % 4096));
        const t = layoutTranslate(this.layout, s, at);
        if (!t) { this.error(span, `${space}:0x${at.toString(16)} is not mapped in ${space} by the layout, so this data has nowhere to go`); break; }
        blocks.push({ space, va: at, pa: t.pa, bytes: bytes.subarray(done, done + n), span });
        done += n;
      }
    }
    return blocks;
  }

  private dataBytes(name: string, ops: readonly Operand[], scope: string, va: number): Uint8Array | undefined {
    const width = DATA_WIDTH[name];
    if (width) {
      const out = new Uint8Array(width * ops.length);
      const view = new DataView(out.buffer);
      ops.forEach((o, i) => {
        if (o.k !== 'expr') { this.error(o.span, `${name} takes constants`); return; }
        const v = this.evalConst(o.expr, scope);
        if (v === undefined) return;
        const max = 1n << BigInt(width * 8);
        if (v >= max && BigInt.asUintN(64, -v) > max / 2n) { this.error(o.span, `${v} does not fit in ${width * 8} bits`); return; }
        const u = BigInt.asUintN(width * 8, v);
        if (width === 8) view.setBigUint64(i * 8, u, true);
        else if (width === 4) view.setUint32(i * 4, Number(u), true);
        else if (width === 2) view.setUint16(i * 2, Number(u), true);
        else view.setUint8(i, Number(u));
      });
      return out;
    }
    if (name === '.ascii' || name === '.asciz') {
      const s = (ops[0] as { value: string }).value;
      const out = new Uint8Array(s.length + (name === '.asciz' ? 1 : 0));
      for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
      return out;
    }
    void va;
    return undefined; // .zero and .align write nothing: memory starts zeroed
  }

  /** .thread, .volume, .object, .test: checked once every symbol is known. */
  private directives(): void {
    let scope = '';
    let inStruct = false;
    for (const line of this.lines) {
      const st = line.statement;
      if (inStruct) { if (st?.directive && st.name === '.endstruct') inStruct = false; continue; }
      for (const l of line.labels) if (!l.local) scope = l.name;
      if (!st || !st.directive || st.broken) continue;
      switch (st.name) {
        case '.struct': inStruct = true; break;
        case '.thread': this.threadDirective(st.operands, st.span, scope); break;
        case '.volume': this.volumeDirective(st.operands, st.span, scope); break;
        case '.object': this.objectDirective(st.operands, st.span, scope); break;
        case '.test': this.testDirective(st.operands, st.span, scope); break;
        case '.equ': {
          const [n, e] = st.operands;
          if (n?.k === 'expr' && n.expr.k === 'sym' && this.constExprs.has(n.expr.name)) this.symbolValue(n.expr.name, false, scope, n.span, false);
          // The value is evaluated lazily without recording; its references are recorded here, once.
          if (e?.k === 'expr') this.recordRefs(e.expr, scope);
          break;
        }
        case '.include': case '.org': case '.byte': case '.half': case '.word': case '.quad': case '.ascii': case '.asciz': case '.zero': case '.align': case '.endstruct': case '.expect_stale': break;
        default: this.error(st.nameSpan, `unknown directive ${st.name} (directives: ${[...DIRECTIVE_BY_NAME.keys(), '.endstruct'].join(' ')})`);
      }
    }
  }

  private recordRefs(e: Expr, scope: string): void {
    if (e.k === 'sym') this.refs.push({ name: this.fullName(e.name, e.local, scope), span: e.span });
    else if (e.k === 'sizeof') this.refs.push({ name: e.name, span: e.nameSpan });
    else if (e.k === 'bin') { this.recordRefs(e.a, scope); this.recordRefs(e.b, scope); }
    else if (e.k === 'un') this.recordRefs(e.a, scope);
  }

  private threadDirective(ops: readonly Operand[], span: Span, scope: string): void {
    const [n, entry, ...rest] = ops;
    if (!n || n.k !== 'expr' || n.expr.k !== 'sym' || !entry || entry.k !== 'expr') { this.error(span, '.thread takes a name and an entry label: .thread main, start, cpu=0'); return; }
    const name = n.expr.name;
    if (!this.define(`thread ${name}`, 'thread', n.span, `thread ${name}`)) return;
    const v = this.evalConst(entry.expr, scope);
    if (v === undefined) return;
    if (v % BigInt(INSTRUCTION_SIZE) !== 0n || v / BigInt(INSTRUCTION_SIZE) >= BigInt(this.instrLines.length)) { this.error(entry.span, 'a thread starts at a code label'); return; }
    let cpu = 0;
    let stack = DEFAULT_STACK_TOP - this.threads.length * DEFAULT_STACK_SIZE;
    for (const kv of rest) {
      if (kv.k !== 'kv' || kv.value.k !== 'expr') { this.error(kv.span, 'after the entry, .thread takes cpu=N and stack=ADDRESS'); return; }
      const val = this.evalConst(kv.value.expr, scope);
      if (val === undefined) return;
      if (kv.key === 'cpu') {
        if (val > 63n) { this.error(kv.span, 'cpu must be from 0 to 63'); return; }
        cpu = Number(val);
      } else if (kv.key === 'stack') {
        if (val >= 1n << 32n) { this.error(kv.span, 'stack is a 32-bit virtual address'); return; }
        stack = Number(val);
      } else { this.error(kv.keySpan, `unknown .thread option ${kv.key}: use cpu=N or stack=ADDRESS`); return; }
    }
    this.threads.push({ name, entry: Number(v / BigInt(INSTRUCTION_SIZE)), cpu, stack, span });
  }

  private volumeDirective(ops: readonly Operand[], span: Span, scope: string): void {
    const [n, bs, count] = ops;
    if (ops.length !== 3 || n.k !== 'expr' || n.expr.k !== 'sym' || bs.k !== 'expr' || count.k !== 'expr') { this.error(span, '.volume takes a name, a block size and a block count: .volume CLONE, 4096, 64'); return; }
    const blockSize = this.evalConst(bs.expr, scope), blocks = this.evalConst(count.expr, scope);
    if (blockSize === undefined || blocks === undefined) return;
    if (blockSize < 512n || blockSize > 1n << 20n || (blockSize & (blockSize - 1n)) !== 0n) { this.error(bs.span, `the block size must be a power of two from 512 to 1M (got ${blockSize})`); return; }
    if (blocks < 1n || blocks > 1n << 28n) { this.error(count.span, `the block count must be from 1 to 2^28 (got ${blocks})`); return; }
    const id = this.volumes.length;
    if (!this.define(n.expr.name, 'volume', n.span, `volume ${id}: ${blocks} blocks of ${blockSize} bytes`, BigInt(id))) return;
    this.constValues.set(n.expr.name, BigInt(id));
    this.volumes.push({ name: n.expr.name, id, blockSize: Number(blockSize), blocks: Number(blocks), span });
  }

  private testDirective(ops: readonly Operand[], span: Span, scope: string): void {
    const [n, ...rest] = ops;
    const usage = '.test takes a name and one or more entry labels: .test lookup_finds, t_lookup';
    if (!n || n.k !== 'expr' || n.expr.k !== 'sym') { this.error(span, usage); return; }
    const name = n.expr.name;
    const entries = rest.filter((o) => o.k !== 'kv');
    if (entries.length === 0) { this.error(span, usage); return; }
    const opts: { cpus?: number; steps?: number; timer?: number } = {};
    const threads: ThreadDecl[] = [];
    let optionsStarted = false;
    for (const o of rest) {
      if (o.k === 'kv') {
        optionsStarted = true;
        if (o.value.k !== 'expr') { this.error(o.span, 'after the entries, .test takes cpus=N, steps=N and timer=N'); return; }
        const v = this.evalConst(o.value.expr, scope);
        if (v === undefined) return;
        const limits: Record<string, bigint> = { cpus: BigInt(MAX_CPUS), steps: 1n << 50n, timer: 1n << 31n };
        const max = limits[o.key];
        if (max === undefined) { this.error(o.keySpan, `unknown .test option ${o.key}: use cpus=N, steps=N or timer=N`); return; }
        if (v < 1n || v > max) { this.error(o.span, `${o.key} must be from 1 to ${max}`); return; }
        opts[o.key as keyof typeof opts] = Number(v);
        continue;
      }
      if (optionsStarted) { this.error(o.span, 'the entry labels of a .test come before its options'); return; }
      if (o.k !== 'expr' || o.expr.k !== 'sym') { this.error(o.span, 'a test entry is a code label'); return; }
      const v = this.evalConst(o.expr, scope);
      if (v === undefined) return;
      if (v % BigInt(INSTRUCTION_SIZE) !== 0n || v / BigInt(INSTRUCTION_SIZE) >= BigInt(this.instrLines.length)) { this.error(o.span, 'a test entry is a code label'); return; }
      threads.push({ name: this.fullName(o.expr.name, o.expr.local, scope), entry: Number(v / BigInt(INSTRUCTION_SIZE)), cpu: 0, stack: DEFAULT_STACK_TOP - threads.length * DEFAULT_STACK_SIZE, span: o.span });
    }
    // Without cpus=, each entry gets its own processor (at least the machine's usual two).
    const cpus = opts.cpus ?? Math.max(DEFAULT_CPUS, threads.length);
    if (!this.define(`test ${name}`, 'test', n.span, `test ${name}: ${threads.map((t) => t.name).join(', ')} on ${cpus} processor${cpus === 1 ? '' : 's'}`)) return;
    this.tests.push({
      name, threads: threads.map((t, k) => ({ ...t, cpu: k % cpus })), cpus, steps: opts.steps ?? DEFAULT_TEST_STEPS,
      ...(opts.timer !== undefined ? { timer: opts.timer } : {}), span,
    });
  }

  private objectDirective(ops: readonly Operand[], span: Span, scope: string): void {
    const [n, t, where] = ops;
    if (ops.length !== 3 || n.k !== 'expr' || n.expr.k !== 'sym' || t.k !== 'expr' || t.expr.k !== 'sym' || where.k !== 'spaced') {
      this.error(span, '.object takes a name, a struct type and a place: .object dnlc, dnlc_table, vs1:0x2000_0000'); return;
    }
    const type = t.expr.name;
    this.refs.push({ name: type, span: t.span });
    if (!this.structs.has(type)) { this.error(t.span, `${type} is not a struct`); return; }
    const space = this.spaceName(where.space, where.spaceSpan);
    const va = this.evalConst(where.expr, scope);
    if (space === null || va === undefined) return;
    if (!this.define(n.expr.name, 'object', n.span, `${type} at ${where.space}:0x${va.toString(16)}`, va)) return;
    this.constValues.set(n.expr.name, va);
    this.objects.push({ name: n.expr.name, type, space, va: Number(va), span });
  }
}

/** Shifts the columns of an expression parsed from a substring. */
function shiftExpr(e: Expr, by: number): Expr {
  const s = (sp: Span): Span => ({ ...sp, col: sp.col + by, endCol: sp.endCol + by });
  switch (e.k) {
    case 'bin': return { ...e, a: shiftExpr(e.a, by), b: shiftExpr(e.b, by), span: s(e.span) };
    case 'un': return { ...e, a: shiftExpr(e.a, by), span: s(e.span) };
    case 'sizeof': return { ...e, nameSpan: s(e.nameSpan), span: s(e.span) };
    default: return { ...e, span: s(e.span) };
  }
}

const DATA_DIRECTIVES = new Set(['.byte', '.half', '.word', '.quad', '.ascii', '.asciz', '.zero', '.align']);
const DATA_WIDTH: Record<string, number> = { '.byte': 1, '.half': 2, '.word': 4, '.quad': 8 };
const PRIMITIVES: Record<string, FieldType> = {
  u8: { kind: 'int', bytes: 1, signed: false }, u16: { kind: 'int', bytes: 2, signed: false }, u32: { kind: 'int', bytes: 4, signed: false }, u64: { kind: 'int', bytes: 8, signed: false },
  i8: { kind: 'int', bytes: 1, signed: true }, i16: { kind: 'int', bytes: 2, signed: true }, i32: { kind: 'int', bytes: 4, signed: true }, i64: { kind: 'int', bytes: 8, signed: true },
  ptr: { kind: 'ptr' },
};

function containsReg(e: Expr): boolean {
  if (e.k === 'reg') return true;
  if (e.k === 'bin') return containsReg(e.a) || containsReg(e.b);
  if (e.k === 'un') return containsReg(e.a);
  return false;
}

function operandKind(o: Operand): string {
  switch (o.k) {
    case 'reg': return 'R';
    case 'creg': return 'C';
    case 'mem': return 'M';
    case 'str': return 'S';
    case 'expr': return 'IL';
    default: return '?';
  }
}

function pickOp(form: InstructionForm, kinds: string[]): Op {
  if (typeof form.op === 'number') return form.op;
  const key = kinds.map((k, j) => (k === 'IL' ? (form.operands[j].includes('L') && !form.operands[j].includes('I') ? 'L' : 'I') : k)).join('');
  const table = form.op as Readonly<Record<string, Op>>;
  return table[key] ?? table[key.replace(/L$/, 'L')];
}

function describeSpec(spec: string): string {
  return spec.split('').map((k) => describeKind(k)).join(' or ');
}

function describeKind(k: string): string {
  return ({ R: 'a register', C: 'a control register', I: 'a constant', M: 'a memory operand [...]', L: 'a label', S: 'a string', IL: 'a constant or label' } as Record<string, string>)[k] ?? 'something else';
}


function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 99;
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) {
    d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}

/**
 * Assembles `file` (its text given, or read through the host). Never throws on bad input: every
 * problem is in `diagnostics`, and `program` is null when any is an error.
 */
export function assemble(file: string, text: string | undefined, opts: AssembleOptions): AssemblyResult {
  const a = new Assembler(opts);
  try {
    a.readFile(path.resolve(file), text, null, 0, []);
    a.collect();
    a.layoutStructs();
    a.place();
    const program = a.encode();
    return { program, diagnostics: sortDiags(a.diags), symbols: { defs: a.defs, refs: a.refs }, files: a.files, structs: a.structs, includes: a.includes };
  } catch (e) {
    // A bug of ours must not take the caller down: report it where the user can see it.
    a.diags.push({ span: { file: 0, line: 0, col: 0, endCol: 1 }, message: `internal assembler error: ${(e as Error).message}`, severity: 'error' });
    return { program: null, diagnostics: a.diags, symbols: { defs: a.defs, refs: a.refs }, files: a.files, structs: a.structs, includes: a.includes };
  }
}

function sortDiags(d: Diagnostic[]): Diagnostic[] {
  return [...d].sort((x, y) => x.span.file - y.span.file || x.span.line - y.span.line || x.span.col - y.span.col);
}

/** `r3` for index 3, for disassembly and the debugger. */
export { registerName };
export { PATENT_LAYOUT_SPEC };
