// The debug console: expressions over registers and symbols (the assembler's own expression grammar),
// and commands in the spirit of WinDbg and gdb: translate, whereis, x/16x, tlb, layout.

import {
  CR3_PDPT_MASK, ENTRY_SIZE, FOUR_GIB, PDPT_ENTRIES, PHYS_LIMIT, PTE_P, decodeFlags, entryFrameBase, formatLayout, formatSize, formatTlb, formatTranslation, hex, hex64,
  entryUses, evaluate, listTlb, mappedRanges, mappedRangesAt, parseExpression, parseNumber, registerIndex, translate, whereIs,
  type Diagnostic, type Expr, type Interpreter, type MappedRange, type Program, type Thread,
} from '../emulator/index';
import { formatRef, parseRef, readRef, type MemoryRef } from './memory-ref';

export interface EvalContext {
  readonly interp: Interpreter;
  readonly program: Program;
  /** The thread whose registers expressions use (the selected frame's thread). */
  readonly thread: Thread | undefined;
}

export type EvalResult = { readonly ok: true; readonly value: bigint } | { readonly ok: false; readonly message: string };

export const COMMANDS: readonly { readonly name: string; readonly usage: string; readonly summary: string }[] = [
  { name: 'translate', usage: 'translate SPACE|cpuN VA', summary: 'the whole walk: each level\'s entry address, raw value and flags, the PA, the chunk, the TLB on each processor' },
  { name: 'whereis', usage: 'whereis PA', summary: 'every (space, VA) whose translation reaches a physical address' },
  { name: 'x', usage: 'x/NF REF', summary: 'dump N units of memory (F: b bytes, h 16-bit, w or x 32-bit, g 64-bit) at pa:ADDR or SPACE:ADDR' },
  { name: 'tlb', usage: 'tlb [cpuN]', summary: 'the TLB of a processor, stale entries marked' },
  { name: 'layout', usage: 'layout', summary: 'the chunk map and which space maps which chunk' },
  { name: 'mappings', usage: 'mappings SPACE', summary: 'every mapped range of a space, walked from its page tables (as QEMU\'s info mem)' },
  { name: 'pte2va', usage: 'pte2va pa:ADDR', summary: 'PTE address -> VA: which VA range of which space the PDPTE, PDE or PTE at a physical address maps' },
  { name: 'walk', usage: 'walk [SPACE|cpuN|cr3=X] START END|L LEN', summary: 'every mapping in a VA range (as WinDbg !pte with a range), also under a raw CR3; walk VS1:0x400000 L 0x100000' },
  { name: 'pdpte', usage: 'pdpte [cpuN]', summary: 'the four PDPTE registers of a processor as loaded at the last MOV CR3, and whether memory now differs' },
  { name: 'help', usage: 'help', summary: 'this list' },
];

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

/**
 * Runs a console command if the text is one; returns undefined when it is not a command. A command that
 * cannot be carried out throws a ConsoleError saying why (the console shows it as an error).
 */
export function runCommand(text: string, ctx: EvalContext): string | undefined {
  const trimmed = text.trim();
  const [word, ...rest] = trimmed.split(/\s+/);
  const { interp } = ctx;
  const m = interp.machine;
  const cmd = word.toLowerCase();
  if (cmd === 'help' || cmd === '?') return COMMANDS.map((c) => `${c.usage.padEnd(26)} ${c.summary}`).join('\n') + '\nAnything else is an expression: registers, cr0..cr4, labels, constants, struct.field, object.field, memory [r3], vs1:[0x2000_0000], pa:[0x1000]:64, + - * / % << >> & | ^ ~, == != < <= > >= && ||; and REG = VALUE or [ADDR] = VALUE assigns';
  if (cmd === 'layout') return formatLayout(m);
  if (cmd === 'tlb') {
    const which = rest[0] ? parseCpu(rest[0], interp) : undefined;
    if (typeof which === 'string') throw new ConsoleError(which);
    const cpus = which === undefined ? m.processors.map((p) => p.id) : [which];
    return cpus.map((c) => formatTlb(listTlb(m, c))).join('\n\n');
  }
  if (cmd === 'translate') {
    if (rest.length < 1 || rest.length > 2) throw new ConsoleError('usage: translate SPACE|cpuN VA   (e.g. translate VS1 0x2000_1000)');
    let target: { space: string } | { cpu: number };
    let vaText: string;
    if (rest.length === 1) {
      target = { cpu: ctx.thread?.cpu ?? 0 };
      vaText = rest[0];
    } else {
      const cpu = /^cpu\d+$/i.test(rest[0]) ? parseCpu(rest[0], interp) : undefined;
      if (typeof cpu === 'string') throw new ConsoleError(cpu);
      if (cpu !== undefined) target = { cpu };
      else {
        const s = m.space(rest[0]);
        if (!s) throw new ConsoleError(`no space named ${rest[0]} (spaces: ${m.spaces.map((x) => x.name).join(', ')}; or cpu0, cpu1, ...)`);
        target = { space: s.name };
      }
      vaText = rest[1];
    }
    const va = valueOf(vaText, ctx);
    if (va >= FOUR_GIB) throw new ConsoleError(`${hex(va)} is not a virtual address: a space is 32 bits`);
    return formatTranslation(translate(m, target, va));
  }
  if (cmd === 'whereis') {
    if (rest.length !== 1) throw new ConsoleError('usage: whereis PA   (e.g. whereis 0x1_0000_1000 or whereis pa:0x1_0000_1000)');
    const pa = valueOf(rest[0].replace(/^pa:/i, ''), ctx);
    if (pa >= PHYS_LIMIT) throw new ConsoleError(`${hex(pa)} is beyond the 36-bit physical space`);
    const found = whereIs(m, pa);
    const c = m.chunkAt(pa);
    const head = `PA ${hex(pa)}${c ? ` (${c.name} + ${hex(pa - c.base)})` : ' (in no chunk)'}`;
    if (found.length === 0) return `${head} is mapped by no space`;
    return [head + ' is mapped at:', ...found.map((f) => `  ${f.space.padEnd(5)} ${hex(f.va, 8)}${f.entryAddress >= 0 ? `   (${f.level} at ${hex(f.entryAddress)})` : '   (paging off: linear = physical)'}`)].join('\n');
  }
  if (cmd === 'mappings') {
    if (rest.length !== 1) throw new ConsoleError('usage: mappings SPACE   (e.g. mappings vs1)');
    const s = m.space(rest[0]);
    if (!s) throw new ConsoleError(`no space named ${rest[0]} (spaces: ${m.spaces.map((x) => x.name).join(', ')})`);
    if (s.pdpt === null) return `${s.name} runs with paging off: linear = physical over ${m.layout.chunks.filter((c) => c.base < FOUR_GIB).map((c) => c.name).join(', ')}`;
    const ranges = mappedRanges(m, s.name);
    const head = `${s.name} (CR3 ${hex(s.pdpt)}): ${ranges.length} mapped range${ranges.length === 1 ? '' : 's'}`;
    return [head, ...ranges.map((r) => mappingRow(m, r))].join('\n');
  }
  if (cmd === 'walk') return rangeWalk(rest, ctx);
  if (cmd === 'pte2va') {
    if (rest.length !== 1) throw new ConsoleError('usage: pte2va pa:ADDR   (e.g. pte2va pa:0xef00_2000)');
    const pa = valueOf(rest[0].replace(/^pa:/i, ''), ctx);
    if (pa >= PHYS_LIMIT) throw new ConsoleError(`${hex(pa)} is beyond the 36-bit physical space`);
    const uses = entryUses(m, pa);
    const head = `PA ${hex(pa - (pa % ENTRY_SIZE))}`;
    if (uses.length === 0) return `${head} is no paging-structure entry of any space`;
    return [`${head} is the entry that maps:`, ...uses.map((u) => `  ${u.space.padEnd(5)} ${u.level.padEnd(5)} ${hex(u.va, 8)}-${hex(u.va + u.size - 1, 8)}  ${formatSize(u.size)}`)].join('\n');
  }
  if (cmd === 'pdpte') {
    const which = rest[0] ? parseCpu(rest[0], interp) : (ctx.thread?.cpu ?? 0);
    if (typeof which === 'string') throw new ConsoleError(which);
    const p = m.processors[which];
    const lines = [`cpu${which} PDPTE registers, as loaded at the last MOV CR3 (CR3 ${hex(p.cr3)}${p.paging ? '' : ', paging off'}):`];
    const base = (p.cr3 & CR3_PDPT_MASK) >>> 0;
    for (let i = 0; i < PDPT_ENTRIES; i++) {
      const lo = p.pdpteLo[i] >>> 0, hi = p.pdpteHi[i] >>> 0;
      const memLo = m.memory.read32(base + i * ENTRY_SIZE) >>> 0, memHi = m.memory.read32(base + i * ENTRY_SIZE + 4) >>> 0;
      const now = memLo === lo && memHi === hi ? '' : `   (memory now holds ${hex64(memLo, memHi)}: loaded at the next MOV CR3)`;
      lines.push(`  PDPTE[${i}] = ${hex64(lo, hi)}  ${decodeFlags('PDPTE', lo, hi).join(' ').padEnd(6)}${lo & PTE_P ? ` -> page directory at ${hex(entryFrameBase(lo, hi))}` : ''}${now}`);
    }
    return lines.join('\n');
  }
  const x = /^x\/(\d*)([bhwxgd]?)$/i.exec(word);
  if (x) {
    if (rest.length !== 1) throw new ConsoleError('usage: x/NF REF   (e.g. x/16x vs2:0x2000_0000, x/8g pa:0x1_0000_0000)');
    const count = Math.min(x[1] ? Number(x[1]) : 8, 4096);
    const unit = ({ b: 1, h: 2, w: 4, x: 4, d: 4, g: 8 } as Record<string, number>)[(x[2] || 'x').toLowerCase()];
    const ref = parseRef(rest[0], interp);
    if (typeof ref === 'string') throw new ConsoleError(ref);
    const { data, unreadable } = readRef(interp, ref, 0, count * unit);
    const lines: string[] = [];
    const perLine = Math.max(1, 16 / unit);
    const end = ref.space === 'PA' ? PHYS_LIMIT : FOUR_GIB;
    for (let i = 0; i < count; i += perLine) {
      // A space ends at 4 GiB (physical memory at 64 GiB): no row is labelled past it.
      if (ref.address + i * unit >= end) { lines.push(`(the end of ${ref.space === 'PA' ? 'physical memory' : `${ref.space}'s 32-bit space`})`); break; }
      const cells: string[] = [];
      for (let j = i; j < Math.min(count, i + perLine); j++) {
        const at = j * unit;
        if (at + unit > data.length) { cells.push('?'.repeat(unit * 2)); continue; }
        let v = 0n;
        for (let k = unit - 1; k >= 0; k--) v = (v << 8n) | BigInt(data[at + k]);
        cells.push(x[2]?.toLowerCase() === 'd' ? v.toString() : v.toString(16).padStart(unit * 2, '0'));
      }
      lines.push(`${formatRef({ space: ref.space, address: ref.address + i * unit })}: ${cells.join(' ')}`);
    }
    if (unreadable > 0 || data.length < count * unit) lines.push(`(${count * unit - data.length} bytes unreadable: the page is not mapped in ${ref.space})`);
    return lines.join('\n');
  }
  return undefined;
}

/** One row of `mappings` and `walk`: VA range, size, PA, rights, chunk. */
function mappingRow(m: Interpreter['machine'], r: MappedRange): string {
  const c = m.chunkAt(r.pa);
  const rights = `${r.writable ? 'RW' : 'RO'} ${r.user ? 'U' : 'S'}${r.global ? ' G' : ''}${r.large ? ' 2M' : ''}`;
  return `  ${hex(r.va, 8)}-${hex(r.va + r.size - 1, 8)}  ${formatSize(r.size).padStart(8)}  -> ${hex(r.pa).padEnd(14)} ${rights.padEnd(10)} ${c ? c.name : 'no chunk'}`;
}

const WALK_USAGE = 'usage: walk [SPACE|cpuN|cr3=X] START END   or   walk [SPACE:]START L LEN   (e.g. walk vs1 0x400000 0x800000, walk VS1:0x400000 L 0x100000, walk cr3=0x7000 0 L 0x1000000)';

/**
 * `walk`: the mappings of a VA range [START, END) under a space, a processor's CR3 or a raw CR3 value
 * (which need not be any space's), clipped to the range, as `mappings` words them.
 */
function rangeWalk(args: readonly string[], ctx: EvalContext): string {
  const m = ctx.interp.machine;
  let words = [...args];
  let cr3: number | undefined;
  let name: string | undefined;
  const pick = (text: string): boolean => {
    const raw = /^cr3=(.+)$/i.exec(text);
    if (raw) { cr3 = valueOf(raw[1], ctx); name = m.spaceNameFor(true, cr3); return true; }
    if (/^cpu\d+$/i.test(text)) {
      const cpu = parseCpu(text, ctx.interp);
      if (typeof cpu === 'string') throw new ConsoleError(cpu);
      const p = m.processors[cpu];
      if (!p.paging) throw new ConsoleError(`cpu${cpu} runs with paging off: linear = physical, no tables to walk`);
      cr3 = p.cr3; name = `cpu${cpu}, ${m.currentSpaceName(p)}`; return true;
    }
    const s = m.space(text);
    if (!s) return false;
    if (s.pdpt === null) throw new ConsoleError(`${s.name} runs with paging off: linear = physical, no tables to walk`);
    cr3 = s.pdpt; name = s.name; return true;
  };
  const prefixed = /^([^:\s]+):(.+)$/.exec(words[0] ?? '');
  if (prefixed && !/^cr3=/i.test(words[0]) && pick(prefixed[1])) words[0] = prefixed[2];
  else if (words.length === 3 || words.length === 4) { if (!pick(words[0])) throw new ConsoleError(`no space named ${words[0]} (spaces: ${m.spaces.map((x) => x.name).join(', ')}; or cpu0, cpu1, ..., or cr3=0x...)`); words = words.slice(1); }
  if (cr3 === undefined) pick(`cpu${ctx.thread?.cpu ?? 0}`);
  if (words.length === 3 && words[1].toLowerCase() === 'l') words = [words[0], `${valueOf(words[0], ctx) + valueOf(words[2], ctx)}`];
  if (words.length !== 2) throw new ConsoleError(WALK_USAGE);
  const start = valueOf(words[0], ctx), end = Math.min(valueOf(words[1], ctx), FOUR_GIB);
  if (start >= FOUR_GIB) throw new ConsoleError(`${hex(start)} is not a virtual address: a space is 32 bits`);
  if (end <= start) throw new ConsoleError(`the range ${hex(start)}..${hex(end)} is empty: END must be above START`);
  const rows = mappedRangesAt(m, cr3!).filter((r) => r.va < end && r.va + r.size > start).map((r) => {
    const lo = Math.max(r.va, start), hi = Math.min(r.va + r.size, end);
    return { ...r, va: lo, pa: r.pa + (lo - r.va), size: hi - lo };
  });
  const head = `${name} (CR3 ${hex((cr3! & CR3_PDPT_MASK) >>> 0)}) ${hex(start, 8)}-${hex(end - 1, 8)}: ${rows.length} mapped range${rows.length === 1 ? '' : 's'}`;
  return rows.length ? [head, ...rows.map((r) => mappingRow(m, r))].join('\n') : head;
}

function parseCpu(text: string, interp: Interpreter): number | string {
  const m = /^cpu(\d+)$/i.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!m || n >= interp.machine.processors.length) return `no processor ${text} (cpu0..cpu${interp.machine.processors.length - 1})`;
  return n;
}

/** A number, register or symbol given as one word of a command. */
function valueOf(text: string, ctx: EvalContext): number {
  const direct = parseNumber(text);
  if (direct !== undefined) return direct;
  if (registerIndex(text) !== undefined || /^[A-Za-z_.[]/.test(text)) {
    const r = evaluateExpression(text, ctx);
    if (!r.ok) throw new ConsoleError(r.message);
    return Number(r.value);
  }
  throw new ConsoleError(`not an address: ${JSON.stringify(text)}`);
}

/** Why a console command could not be carried out. */
export class ConsoleError extends Error {}

/** Console completions: commands, registers, symbols. */
export function completions(text: string, ctx: EvalContext): string[] {
  const word = /[\w.$]*$/.exec(text)?.[0] ?? '';
  const pool = new Set<string>([...COMMANDS.map((c) => c.name), ...Array.from({ length: 16 }, (_, i) => `r${i}`), 'sp', 'fp']);
  for (const [name, d] of ctx.program.symbols.defs) if (d.kind !== 'thread' && d.kind !== 'test') pool.add(name);
  return [...pool].filter((p) => p.toLowerCase().startsWith(word.toLowerCase()) && p !== word).sort().slice(0, 200);
}
