// The debug console's expressions: registers, control registers, symbols, struct fields of objects and
// memory operands in any space, over the assembler's own expression grammar, with comparisons for
// breakpoint conditions. The console's commands are in console-commands.ts.

import {
  evaluate, parseExpression,
  type Diagnostic, type Expr, type Interpreter, type Program, type Thread,
} from '../emulator/index';
import { formatRef, parseRef, readRef, type MemoryRef } from './memory-ref';

export interface EvalContext {
  readonly interp: Interpreter;
  readonly program: Program;
  /** The thread whose registers expressions use (the selected frame's thread). */
  readonly thread: Thread | undefined;
}

export type EvalResult = { readonly ok: true; readonly value: bigint } | { readonly ok: false; readonly message: string };


/**
 * Condition operators, loosest first, layered over the assembler's expression grammar (which has no
 * comparisons) so breakpoint conditions read as `r4 == 0xAAAA && r1 != 0`. Each side is an assembler
 * expression; a comparison is 1 or 0 (unsigned 64-bit); && and || short-circuit.
 */
const CONDITION_LEVELS: readonly (readonly string[])[] = [['||'], ['&&'], ['==', '!=', '<=', '>=', '<', '>']];

/** The last operator of `ops` outside parentheses, brackets and quotes (so a chain groups to the left). */
function splitAt(text: string, ops: readonly string[]): { left: string; op: string; right: string } | undefined {
  let depth = 0;
  let found: { at: number; op: string } | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ';') break;
    if (c === '"' || c === "'") { const end = text.indexOf(c, i + 1); if (end < 0) break; i = end; continue; }
    if (c === '(' || c === '[') { depth++; continue; }
    if (c === ')' || c === ']') { depth--; continue; }
    if (depth !== 0) continue;
    if (text.startsWith('<<', i) || text.startsWith('>>', i)) { i++; continue; }
    const op = ops.find((o) => text.startsWith(o, i));
    if (op) { found = { at: i, op }; i += op.length - 1; }
  }
  return found && { left: text.slice(0, found.at), op: found.op, right: text.slice(found.at + found.op.length) };
}

/** The text inside one pair of parentheses that encloses all of it, e.g. "(r1 > 3 && r2 < 4)". */
function unwrapParentheses(text: string): string | undefined {
  const t = text.trim();
  if (!t.startsWith('(') || !t.endsWith(')')) return undefined;
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '(') depth++;
    else if (t[i] === ')' && --depth === 0 && i < t.length - 1) return undefined;
  }
  return t.slice(1, -1);
}

function evaluateCondition(split: { left: string; op: string; right: string }, ctx: EvalContext): EvalResult {
  const a = evaluateExpression(split.left, ctx);
  if (!a.ok) return a;
  if (split.op === '&&' && a.value === 0n) return { ok: true, value: 0n };
  if (split.op === '||' && a.value !== 0n) return { ok: true, value: 1n };
  const b = evaluateExpression(split.right, ctx);
  if (!b.ok) return b;
  const truth = (t: boolean): EvalResult => ({ ok: true, value: t ? 1n : 0n });
  switch (split.op) {
    case '&&': case '||': return truth(b.value !== 0n);
    case '==': return truth(a.value === b.value);
    case '!=': return truth(a.value !== b.value);
    case '<=': return truth(a.value <= b.value);
    case '>=': return truth(a.value >= b.value);
    case '<': return truth(a.value < b.value);
    default: return truth(a.value > b.value);
  }
}

/** Evaluates an expression: numbers, registers of the thread, labels, constants, struct fields, arithmetic, comparisons. */
export function evaluateExpression(text: string, ctx: EvalContext): EvalResult {
  const inner = unwrapParentheses(text);
  if (inner !== undefined && CONDITION_LEVELS.some((ops) => splitAt(inner, ops))) return evaluateExpression(inner, ctx);
  for (const ops of CONDITION_LEVELS) {
    const split = splitAt(text, ops);
    if (split) return evaluateCondition(split, ctx);
  }
  let plain: string;
  try {
    plain = substituteOperands(text, ctx);
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  const diags: Diagnostic[] = [];
  const e = parseExpression(plain, diags);
  if (!e) return { ok: false, message: diags.map((d) => d.message).join('; ') || 'not an expression' };
  try {
    return { ok: true, value: evalExpr(e, ctx) };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

/** Widths a memory operand may name (bits); without one it reads 32. */
const MEMORY_WIDTHS = new Set([8, 16, 32, 64]);
const DEFAULT_MEMORY_WIDTH = 32;
const CONTROL_REGISTER = /^cr([0234])$/i;

/**
 * A memory operand of the console: `[expr]` in the thread's space, `SPACE:[expr]` or `pa:[expr]`, with an
 * optional width (`[r3]:64`). Returns where it is and how many bytes, or an error message.
 */
export function memoryOperand(text: string, ctx: EvalContext): { ref: MemoryRef; bytes: number } | string | undefined {
  const m = /^\s*(?:([A-Za-z_]\w*)\s*:\s*)?\[(.*)\]\s*(?::\s*(\d+))?\s*$/s.exec(text);
  if (!m || !balanced(m[2])) return undefined;
  const width = m[3] === undefined ? DEFAULT_MEMORY_WIDTH : Number(m[3]);
  if (!MEMORY_WIDTHS.has(width)) return `a memory operand is 8, 16, 32 or 64 bits wide, not ${m[3]}`;
  // [vs1:0x2000_0000] names its space inside the brackets, as a memory reference does.
  const inside = m[1] === undefined ? /^\s*([A-Za-z_]\w*)\s*:\s*([^:]+)$/.exec(m[2]) : null;
  if (inside) {
    const ref = parseRef(m[2], ctx.interp);
    return typeof ref === 'string' ? ref : { ref, bytes: width / 8 };
  }
  const at = evaluateExpression(m[2], ctx);
  if (!at.ok) return at.message;
  const space = m[1] ?? (ctx.thread ? ctx.interp.spaceOf(ctx.thread.cpu) : 'PA');
  if (at.value >= 1n << 36n) return `0x${at.value.toString(16)} is beyond any address`;
  const ref = parseRef(`${space}:${Number(at.value)}`, ctx.interp);
  if (typeof ref === 'string') return ref;
  return { ref, bytes: width / 8 };
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const c of text) {
    if (c === '[') depth++;
    else if (c === ']' && --depth < 0) return false;
  }
  return depth === 0;
}

/** The little-endian value of a memory operand, read without side effects. */
function readOperand(op: { ref: MemoryRef; bytes: number }, ctx: EvalContext): bigint {
  const { data } = readRef(ctx.interp, op.ref, 0, op.bytes);
  if (data.length < op.bytes) throw new Error(`${formatRef(op.ref)} is not mapped in ${op.ref.space}`);
  let v = 0n;
  for (let k = op.bytes - 1; k >= 0; k--) v = (v << 8n) | BigInt(data[k]);
  return v;
}

/**
 * Replaces what the assembler's expression grammar has no words for by its value: memory operands
 * (`[r3]`, `vs1:[0x2000_0000]:64`) and the control registers cr0, cr2, cr3, cr4 of the thread's processor.
 */
function substituteOperands(text: string, ctx: EvalContext): string {
  let out = '';
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      const stop = end < 0 ? text.length : end + 1;
      out += text.slice(i, stop);
      i = stop;
      continue;
    }
    const word = /^[A-Za-z_.][\w.$]*/.exec(text.slice(i))?.[0];
    const prefixed = word !== undefined ? /^[A-Za-z_]\w*\s*:\s*\[/.exec(text.slice(i)) : null;
    if (c === '[' || prefixed) {
      const open = c === '[' ? i : i + prefixed![0].length - 1;
      let depth = 0, close = -1;
      for (let k = open; k < text.length; k++) {
        if (text[k] === '[') depth++;
        else if (text[k] === ']' && --depth === 0) { close = k; break; }
      }
      if (close < 0) throw new Error('a "[" without its "]"');
      const width = /^\s*:\s*\d+/.exec(text.slice(close + 1))?.[0] ?? '';
      const op = memoryOperand(text.slice(i, close + 1 + width.length), ctx);
      if (typeof op === 'string') throw new Error(op);
      if (!op) throw new Error(`not a memory operand: ${text.slice(i, close + 1)}`);
      out += `(${readOperand(op, ctx)})`;
      i = close + 1 + width.length;
      continue;
    }
    if (word !== undefined) {
      const cr = CONTROL_REGISTER.exec(word);
      if (cr) {
        const p = ctx.interp.machine.processors[ctx.thread?.cpu ?? 0];
        const v = [p.cr0, 0, p.cr2, p.cr3, p.cr4][Number(cr[1])] >>> 0;
        out += `(${v})`;
      } else {
        out += word;
      }
      i += word.length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Evaluates an assembler expression over the thread's registers and the program's symbols. */
function evalExpr(e: Expr, ctx: EvalContext): bigint {
  let problem: string | undefined;
  const fail = (message: string): undefined => { problem ??= message; return undefined; };
  const v = evaluate(e, {
    register: (index) => (ctx.thread ? ctx.interp.register(ctx.thread, index) : fail('no thread is selected to read registers from')),
    sizeOf: (name) => { const s = ctx.program.structs.get(name); return s ? BigInt(s.size) : fail(`${name} is not a struct`); },
    symbol: (name) => symbolValue(name, ctx) ?? fail(`unknown symbol ${name}`),
    error: (_span, message) => fail(message),
  });
  if (v === undefined) throw new Error(problem ?? 'not an expression');
  return v;
}

export function symbolValue(name: string, ctx: EvalContext): bigint | undefined {
  const defs = ctx.program.symbols.defs;
  const direct = defs.get(name);
  if (direct?.value !== undefined) return direct.value;
  // A local label written as .name, relative to the function the thread is in.
  if (name.startsWith('.') && ctx.thread) {
    const fn = enclosingLabel(ctx.program, ctx.thread.pc);
    const d = fn ? defs.get(fn + name) : undefined;
    if (d?.value !== undefined) return d.value;
  }
  const field = objectField(name, ctx);
  if (field !== undefined) return field;
  const lower = name.toLowerCase();
  for (const [k, d] of defs) if (k.toLowerCase() === lower && d.value !== undefined) return d.value;
  return undefined;
}

/**
 * A field of a declared `.object` (`dnlc.hits`, `snapshots.head`), read from the object's own space:
 * a scalar field's value, a struct or array field's address.
 */
function objectField(name: string, ctx: EvalContext): bigint | undefined {
  const [head, ...path] = name.split('.');
  const o = path.length ? ctx.program.objects.find((x) => x.name === head) : undefined;
  if (!o) return undefined;
  let type = ctx.program.structs.get(o.type);
  let address = o.va;
  for (let k = 0; k < path.length; k++) {
    const f = type?.fields.find((x) => x.name === path[k]);
    if (!type || !f) throw new Error(`${head} (a ${o.type}) has no field ${path.slice(0, k + 1).join('.')}`);
    address += f.offset;
    const last = k === path.length - 1;
    if (f.type.kind === 'struct') { type = ctx.program.structs.get(f.type.name); if (last) return BigInt(address); continue; }
    if (!last) throw new Error(`${path.slice(0, k + 1).join('.')} of ${head} is not a struct`);
    if (f.count > 1) return BigInt(address);
    const v = readOperand({ ref: { space: o.space, address }, bytes: f.elementSize }, ctx);
    return f.type.kind !== 'ptr' && f.type.signed ? BigInt.asUintN(64, BigInt.asIntN(f.elementSize * 8, v)) : v;
  }
  return BigInt(address);
}

/** The global code label at or before an instruction: the function it belongs to. */
export function enclosingLabel(program: Program, pc: number): string | undefined {
  let best: string | undefined;
  let bestAt = -1;
  for (const [name, index] of program.labels) {
    if (name.includes('.') ) continue;
    if (index <= pc && index > bestAt) { best = name; bestAt = index; }
  }
  return best;
}
