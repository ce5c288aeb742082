// An assembled program: pre-decoded instructions for the interpreter (no strings at run time), the
// source map, the data to load, declared threads, volumes, structs and typed objects, and the symbol
// table with definitions and references (for the language server and the debugger).

import type { Op } from './isa';
import type { Diagnostic, Span } from './syntax';

/** Words per pre-decoded instruction in Program.code; which word holds which operand is declared in encoding.ts. */
export const STRIDE = 8;
/** Instructions live in the program's text, not in emulated memory; a text address is 4 x index. */
export const INSTRUCTION_SIZE = 4;

/** A register-or-constant operand of the less frequent instructions, kept decoded in Program.aux. */
export interface ValueRef {
  /** Register index, or -1 for a constant. */
  readonly reg: number;
  readonly lo: number;
  readonly hi: number;
}

export type PrintPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'reg'; readonly reg: number; readonly format: 'x' | 'd' | 's' }
  | { readonly kind: 'context'; readonly what: 'cpu' | 'tid' | 'space' | 'thread' };

export type Aux =
  | { readonly kind: 'values'; readonly values: readonly ValueRef[] }
  | { readonly kind: 'print'; readonly parts: readonly PrintPart[] }
  | { readonly kind: 'event'; readonly name: string; readonly values: readonly ValueRef[] }
  | { readonly kind: 'assert'; readonly values: readonly ValueRef[]; readonly message: string };

export type FieldType =
  | { readonly kind: 'int'; readonly bytes: 1 | 2 | 4 | 8; readonly signed: boolean }
  /** A 32-bit virtual address; `target` names the struct it points to (`next snap_entry*`). */
  | { readonly kind: 'ptr'; readonly target?: string }
  | { readonly kind: 'struct'; readonly name: string };

export interface StructField {
  readonly name: string;
  readonly offset: number;
  readonly type: FieldType;
  /** 1 for a scalar; the element count for an array. */
  readonly count: number;
  /** Bytes of one element. */
  readonly elementSize: number;
  readonly span: Span;
}

export interface StructType {
  readonly name: string;
  readonly size: number;
  readonly fields: readonly StructField[];
  readonly span: Span;
}

export interface DataBlock {
  /** The space named in .org ("PA" for physical). */
  readonly space: string;
  readonly va: number;
  readonly pa: number;
  readonly bytes: Uint8Array;
  readonly span: Span;
}

export interface ThreadDecl {
  readonly name: string;
  readonly entry: number;
  readonly cpu: number;
  readonly stack: number;
  readonly span: Span;
}

export interface VolumeDecl {
  readonly name: string;
  readonly id: number;
  readonly blockSize: number;
  readonly blocks: number;
  readonly span: Span;
}

export interface ObjectDecl {
  readonly name: string;
  readonly type: string;
  readonly space: string;
  readonly va: number;
  readonly span: Span;
}

/**
 * A `.test NAME, entry, ...`: run in a fresh machine with these threads instead of the program's.
 * Its defaults are resolved by the assembler, so every runner (CLI, debugger, editor) runs the same test.
 */
export interface TestDecl {
  readonly name: string;
  /** One thread per entry label, named after it; the k-th runs on processor k modulo `cpus`. */
  readonly threads: readonly ThreadDecl[];
  /** Processors of the test's machine. */
  readonly cpus: number;
  /** The step limit: a test still running after this many instructions fails. */
  readonly steps: number;
  /** The timer quantum, when the test sets one (else the machine's default). */
  readonly timer?: number;
  readonly span: Span;
}

export type SymbolKind = 'label' | 'local-label' | 'data-label' | 'constant' | 'struct' | 'field' | 'volume' | 'thread' | 'object' | 'test' | 'builtin';

export interface SymbolDef {
  /** Full name: local labels are `parent.local`, fields `struct.field`. */
  readonly name: string;
  readonly kind: SymbolKind;
  /** null for builtins (from the layout and the architecture). */
  readonly span: Span | null;
  readonly value?: bigint;
  readonly detail: string;
}

export interface SymbolRef {
  readonly name: string;
  readonly span: Span;
}

export interface SymbolTable {
  readonly defs: ReadonlyMap<string, SymbolDef>;
  readonly refs: readonly SymbolRef[];
}

export interface Program {
  readonly code: Int32Array;
  readonly length: number;
  readonly aux: readonly (Aux | undefined)[];
  /** Per instruction: index into `files`, zero-based line and column. */
  readonly srcFile: Int32Array;
  readonly srcLine: Int32Array;
  readonly srcCol: Int32Array;
  /** Canonical text of each instruction, for disassembly. */
  readonly text: readonly string[];
  readonly files: readonly string[];
  readonly data: readonly DataBlock[];
  readonly threads: readonly ThreadDecl[];
  readonly volumes: readonly VolumeDecl[];
  readonly structs: ReadonlyMap<string, StructType>;
  readonly objects: readonly ObjectDecl[];
  /** The `.test` declarations, in source order. */
  readonly tests: readonly TestDecl[];
  readonly symbols: SymbolTable;
  /** Code labels (global and local full names) -> instruction index. */
  readonly labels: ReadonlyMap<string, number>;
  /** Instructions marked `.expect_stale`: the TLB sanitizer reports their stale uses as expected. */
  readonly expectStale: ReadonlySet<number>;
}

/** An `.include "file"`: the span of the quoted name and the index (in `files`) of the file it reads. */
export interface IncludeRef {
  readonly span: Span;
  readonly file: number;
}

export interface AssemblyResult {
  /** null when there are errors. */
  readonly program: Program | null;
  readonly diagnostics: readonly Diagnostic[];
  /** Always present, even with errors, so editors can navigate a broken file. */
  readonly symbols: SymbolTable;
  readonly files: readonly string[];
  readonly structs: ReadonlyMap<string, StructType>;
  readonly includes: readonly IncludeRef[];
}

export type { Op };
