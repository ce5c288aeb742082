// What the extension reads from a mover script's text with the assembler's own line parser (no
// assembly, no includes): its `.thread` and `.test` declarations (the dynamic debug configurations) and
// the registers and memory operands of an instruction line (the inline values).

import { parseLine, type Diagnostic, type Expr, type Operand, type Span } from '../emulator/index';

export interface ThreadDecl { readonly name: string; readonly entry: string; readonly cpu: number }
/** A `.test`: one thread per entry label, the k-th on processor k. */
export interface TestDecl { readonly name: string; readonly entries: readonly string[] }

const name = (o: Operand | undefined): string | undefined => (o?.k === 'expr' && o.expr.k === 'sym' ? o.expr.name : undefined);

/** The `.thread` and `.test` declarations of a script, in order. */
export function declarations(text: string): { readonly threads: ThreadDecl[]; readonly tests: TestDecl[] } {
  const threads: ThreadDecl[] = [];
  const tests: TestDecl[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*(?:[\w$.]+:\s*)*\.t(?:hread|est)\b/i.test(lines[i])) continue;
    const s = parseLine(lines[i], 0, i, []).statement;
    if (!s || s.broken) continue;
    const [first, ...rest] = s.operands;
    const n = name(first);
    if (!n) continue;
    if (s.name === '.thread') {
      const entry = name(rest[0]);
      const cpuKv = rest.find((o) => o.k === 'kv' && o.key === 'cpu');
      const cpu = cpuKv?.k === 'kv' && cpuKv.value.k === 'expr' && cpuKv.value.expr.k === 'num' ? Number(cpuKv.value.expr.v) : 0;
      if (entry) threads.push({ name: n, entry, cpu });
    } else if (s.name === '.test') {
      tests.push({ name: n, entries: rest.map(name).filter((e): e is string => !!e) });
    }
  }
  return { threads, tests };
}

export interface MemoryOperand {
  /** The address expression's source text (inside the brackets), e.g. "r1 + 8". */
  readonly expression: string;
  readonly span: Span;
}

/** The registers (as written, e.g. "r1", "sp") and memory operands of an instruction line; undefined for other lines. */
export function instructionOperands(text: string, line: number): { readonly registers: string[]; readonly memory: MemoryOperand[] } | undefined {
  const diags: Diagnostic[] = [];
  const s = parseLine(text, 0, line, diags).statement;
  if (!s || s.directive || s.broken) return undefined;
  const registers: string[] = [];
  const memory: MemoryOperand[] = [];
  const reg = (span: Span) => { const r = text.slice(span.col, span.endCol); if (!registers.includes(r)) registers.push(r); };
  const walk = (e: Expr): void => {
    if (e.k === 'reg') reg(e.span);
    else if (e.k === 'bin') { walk(e.a); walk(e.b); } else if (e.k === 'un') walk(e.a);
  };
  for (const o of s.operands) {
    if (o.k === 'reg') reg(o.span);
    else if (o.k === 'mem') { walk(o.expr); memory.push({ expression: text.slice(o.expr.span.col, o.expr.span.endCol), span: o.span }); } else if (o.k === 'expr') walk(o.expr);
    else if (o.k === 'kv' && o.value.k === 'expr') walk(o.value.expr);
  }
  return { registers, memory };
}
