// A seeded generator of random, valid mover-script programs for differential testing: the same
// program run two ways (fast path and checked path today; interpreter and basic-block compiler later)
// must give the same machine.
//
// A program is a few `.thread`s on 1..3 processors. Each thread is a sequence of snippets drawn from a
// small weighted grammar: arithmetic, loads and stores of every size, bounded loops, calls, pushes and
// pops, events and prints, and "phases" that leave VS0 for VS1/VS2 (CR3 + CR0.PG, with preemption off
// so no other thread of the processor runs in a space it does not expect), switch between VS1 and
// VS2, flush, and come back. In VS0 a thread may edit the PTEs of the paged data pages by storing to
// their physical addresses (so stale TLB entries are used, and not-present or read-only pages fault),
// toggle CR0.WP, take the shared spinlock and yield.
//
// Register conventions keep every program valid and terminating:
//   r0..r8  free values (arithmetic destinations and sources, stored and loaded values)
//   r9      the data base: every data access is [r9 + disp] or [r9 + r10*scale + disp]; the fault
//           handler points r9 at the always-mapped C1 data (so the retried access succeeds)
//   r10     a small index (0..15)
//   r11     the inner loop's counter, r12 the outer loop's
//   r13     the handler's scratch, r14 the space switches' scratch, r15 sp
// Loops count down from a constant and their bodies never write r11/r12, so every run ends; the
// handler only pops and moves registers, so it cannot fault.

import { DEFAULT_TLB_GEOMETRY, type TlbGeometry } from '../tlb';

/** PTE physical addresses of the paged data pages, per space (index i maps PAGED_BASE + DATA_PAGES[i] pages). */
export interface PteAddresses {
  readonly VS1: readonly number[];
  readonly VS2: readonly number[];
}

export interface RandomProgram {
  readonly seed: number;
  readonly source: string;
  /** Processors the program's threads use (the machine must have at least this many). */
  readonly cpus: number;
  /** A timer quantum small enough that preemption happens in a short run. */
  readonly timerQuantum: number;
  readonly interleave: number;
  /** The TLBs: mostly the default, sometimes small ones (many evictions) or other replacement policies. */
  readonly tlb: TlbGeometry;
}

export interface GeneratorOptions {
  /** Where each data page's PTE lives (see `dataPteAddresses`): without it, no page-table edits. */
  readonly ptes?: PteAddresses;
  /** Snippets per thread (default 8..40, random). */
  readonly length?: number;
}

/** VS0 data (C1, linear = physical): also mapped, identically, in VS1 and VS2 (C1 is global). */
export const VS0_DATA = 0x0030_0000;
/** Paged data: C4 in VS1, C5 in VS2 (the patent layout's private chunks). */
export const PAGED_BASE = 0x2000_0000;
/**
 * Data pages (page numbers from the base). Spread so that several fall into one TLB set (64 entries,
 * 4 ways, 16 sets: pages 16 apart share a set), which makes evictions happen.
 */
export const DATA_PAGES: readonly number[] = [0, 1, 2, 3, 5, 16, 21, 32, 48, 64, 80, 96];
/** Where pristine copies of the PTEs are kept (C1), and the spinlock word. */
const PTE_SAVE = 0x0038_0000;
const LOCK = 0x0038_8000;
/** An address no generated program touches (for a watchpoint that must never fire). */
export const UNTOUCHED_PA = 0x0039_0000;

// ---- a small seeded PRNG ------------------------------------------------------------------------

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.next() * xs.length)]; }
  chance(p: number): boolean { return this.next() < p; }
  /** A 64-bit constant: small, edge (0, -1, sign bits) or wide random, written as mover hex. */
  imm64(): string {
    switch (this.int(0, 5)) {
      case 0: return String(this.int(0, 40));
      case 1: return this.pick(['0', '1', '-1', '0x8000_0000', '0x7FFF_FFFF', '0xFFFF_FFFF', '0x8000_0000_0000_0000', '0x1_0000_0000']);
      default: return '0x' + this.int(0, 0xffff_ffff).toString(16) + this.int(0, 0xffff_ffff).toString(16).padStart(8, '0');
    }
  }
}

// ---- the grammar ----------------------------------------------------------------------------------

type Mode = 'VS0' | 'VS1' | 'VS2';

/** What a snippet builder knows: the thread's state as the generator tracks it statically. */
interface Ctx {
  readonly rng: Rng;
  readonly out: string[];
  readonly thread: number;
  mode: Mode;
  /** Loop nesting (0 outside loops; bodies of loops do not change spaces). */
  depth: number;
  /** Labels made so far in this thread (for unique local labels). */
  labels: number;
  readonly ptes: PteAddresses | undefined;
  /** Subroutines this program defines (sub0..subN-1). */
  readonly subs: number;
}

type Builder = (c: Ctx) => void;

const VALUE_REGS = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'] as const;
const ARITH = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'shl', 'shr', 'sar'] as const;
const DIVS = ['div', 'mod', 'idiv', 'imod'] as const;
const LOADS = ['ld8', 'ld16', 'ld32', 'ld64', 'lds8', 'lds16', 'lds32'] as const;
const STORES = ['st8', 'st16', 'st32', 'st64'] as const;

const reg = (c: Ctx): string => c.rng.pick(VALUE_REGS);
const emit = (c: Ctx, line: string): void => { c.out.push('    ' + line); };
const label = (c: Ctx): string => `.l${c.labels++}`;

/** A data displacement from r9: a data page, an offset in it (sometimes near its end, so the access may cross). */
function disp(c: Ctx): string {
  const page = c.rng.pick(DATA_PAGES);
  const off = c.rng.chance(0.15) ? c.rng.int(4088, 4095) : c.rng.int(0, 511) * 8 + (c.rng.chance(0.2) ? c.rng.int(1, 7) : 0);
  return `0x${(page * 4096 + off).toString(16)}`;
}

/** A memory operand on the data base. */
function memOp(c: Ctx): string {
  if (c.rng.chance(0.3)) return `[r9 + r10*${c.rng.pick([1, 2, 4, 8])} + ${disp(c)}]`;
  return `[r9 + ${disp(c)}]`;
}

const arith: Builder = (c) => {
  const op = c.rng.pick(ARITH);
  if (c.rng.chance(0.5)) emit(c, `${op} ${reg(c)}, ${reg(c)}, ${reg(c)}`);
  else emit(c, `${op} ${reg(c)}, ${reg(c)}, ${op.startsWith('s') && op !== 'sub' ? c.rng.int(0, 70) : c.rng.imm64()}`);
};

const unary: Builder = (c) => {
  const r = c.rng.int(0, 3);
  if (r === 0) emit(c, `mov ${reg(c)}, ${c.rng.imm64()}`);
  else if (r === 1) emit(c, `mov ${reg(c)}, ${reg(c)}`);
  else emit(c, `${r === 2 ? 'not' : 'neg'} ${reg(c)}, ${reg(c)}`);
};

/** Division by a non-zero constant (a zero divisor would end the run with a divide error). */
const divide: Builder = (c) => emit(c, `${c.rng.pick(DIVS)} ${reg(c)}, ${reg(c)}, ${c.rng.pick(['1', '3', '7', '-1', '-5', '0x1_0000_0001', '255'])}`);

const load: Builder = (c) => emit(c, `${c.rng.pick(LOADS)} ${reg(c)}, ${memOp(c)}`);

const store: Builder = (c) => {
  const op = c.rng.pick(STORES);
  emit(c, `${op} ${memOp(c)}, ${c.rng.chance(0.3) ? c.rng.imm64() : reg(c)}`);
};

const index: Builder = (c) => emit(c, `mov r10, ${c.rng.int(0, 15)}`);

/** Points r9 at this space's data: paged data in VS1/VS2 (sometimes the shared C1 data), C1 in VS0. */
const rebase: Builder = (c) => emit(c, `mov r9, ${c.mode !== 'VS0' && c.rng.chance(0.8) ? hex32(PAGED_BASE) : hex32(VS0_DATA)}`);

const stack: Builder = (c) => {
  const n = c.rng.int(1, 3);
  const regs = Array.from({ length: n }, () => reg(c));
  for (const r of regs) emit(c, c.rng.chance(0.2) ? `push ${c.rng.imm64()}` : `push ${r}`);
  for (let i = 0; i < n; i++) emit(c, `pop ${reg(c)}`);
};

/** A call by label, or through a register (r14 holds the subroutine's text address). */
/**
 * Pushes and pops with sp off its 8-byte grid (allowed within a page; a push or pop that straddles a
 * page is a #GP, which ends the run with a fault stop).
 */
const misaligned: Builder = (c) => {
  const k = c.rng.int(1, 7);
  emit(c, `sub sp, sp, ${k}`);
  emit(c, `push ${reg(c)}`);
  emit(c, `pop ${reg(c)}`);
  emit(c, `add sp, sp, ${k}`);
};

const call: Builder = (c) => {
  if (c.subs === 0) return;
  const target = `sub${c.rng.int(0, c.subs - 1)}`;
  if (c.rng.chance(0.7)) { emit(c, `call ${target}`); return; }
  emit(c, `mov r14, ${target}`);
  emit(c, 'call r14');
};

/** lea, and the processor's and thread's numbers (which differ between threads of one program). */
const misc: Builder = (c) => {
  const r = c.rng.int(0, 2);
  if (r === 0) emit(c, `lea ${reg(c)}, [${reg(c)} + ${reg(c)}*${c.rng.pick([1, 2, 4, 8])} + ${c.rng.int(0, 0xffff)}]`);
  else emit(c, `${r === 1 ? 'cpuid' : 'tid'} ${reg(c)}`);
};

const evt: Builder = (c) => {
  if (c.rng.chance(0.5)) emit(c, `event ${c.rng.pick(['cofw', 'tick', 'mark'])}, ${reg(c)}, ${c.rng.int(0, 9)}`);
  else emit(c, `print "t${c.thread} {${reg(c)}} {${reg(c)}:d} {space} {cpu} {thread} {r9:s}"`);
};

const branch: Builder = (c) => {
  const skip = label(c);
  emit(c, `${c.rng.pick(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu', 'bgt', 'bleu'])} ${reg(c)}, ${c.rng.chance(0.5) ? reg(c) : c.rng.imm64()}, ${skip}`);
  body(c, c.rng.int(1, 3), LOOP_BODY);
  c.out.push(`${skip}:`);
};

/** A bounded loop: the counter (r12, or r11 when nested) counts down to zero. */
const loop: Builder = (c) => {
  if (c.depth >= 2) return;
  const counter = c.depth === 0 ? 'r12' : 'r11';
  const top = label(c);
  emit(c, `mov ${counter}, ${c.rng.int(1, c.depth === 0 ? 12 : 4)}`);
  c.out.push(`${top}:`);
  c.depth++;
  body(c, c.rng.int(2, 6), LOOP_BODY);
  if (c.rng.chance(0.5)) { emit(c, 'add r10, r10, 1'); emit(c, 'and r10, r10, 15'); }
  c.depth--;
  emit(c, `sub ${counter}, ${counter}, 1`);
  emit(c, `bne ${counter}, 0, ${top}`);
};

const invlpg: Builder = (c) => emit(c, `invlpg ${memOp(c)}`);

const flush: Builder = (c) => {
  if (c.rng.chance(0.3)) { emit(c, 'flush.all'); return; }
  const a = PAGED_BASE + c.rng.pick(DATA_PAGES) * 4096;
  const b = a + c.rng.int(1, 40) * 4096;
  emit(c, `flush.range ${hex32(a)}, ${hex32(b)}`);
};

/** Moves between VS1 and VS2 (a CR3 load under paging: non-global entries dropped). */
const switchSpace: Builder = (c) => {
  const to: Mode = c.mode === 'VS1' ? 'VS2' : 'VS1';
  emit(c, `mov r14, ${to}_CR3`);
  emit(c, 'mov cr3, r14');
  if (c.rng.chance(0.3)) emit(c, `flush.range ${hex32(PAGED_BASE)}, 0xF000_0000`);
  c.mode = to;
  rebase(c);
};

/** In VS0: change a data page's PTE by storing to its physical address, without flushing (usually). */
const editPte: Builder = (c) => {
  if (!c.ptes) return;
  const space = c.rng.pick(['VS1', 'VS2'] as const);
  const i = c.rng.int(0, DATA_PAGES.length - 1);
  const pa = c.ptes[space][i];
  const saved = PTE_SAVE + (space === 'VS1' ? 0 : 0x800) + i * 8;
  const kind = c.rng.int(0, 3);
  if (kind === 0) {
    // Put the pristine entry back.
    emit(c, `ld64 r13, [${hex32(saved)}]`);
  } else {
    emit(c, `ld64 r13, [${hex32(pa)}]`);
    if (kind === 1) emit(c, `xor r13, r13, ${hex32(c.rng.int(1, 7) << 12)}`);  // another frame of the chunk
    else if (kind === 2) emit(c, 'and r13, r13, ~PTE_P');                        // not present
    else emit(c, 'and r13, r13, ~PTE_RW');                                       // read-only (faults under CR0.WP)
  }
  emit(c, `st64 [${hex32(pa)}], r13`);
  if (c.rng.chance(0.25)) emit(c, `invlpg [${hex32(PAGED_BASE + DATA_PAGES[i] * 4096)}]`);
};

const toggleWp: Builder = (c) => {
  emit(c, 'mov r14, cr0');
  emit(c, c.rng.chance(0.6) ? 'or r14, r14, CR0_WP' : 'and r14, r14, ~CR0_WP');
  emit(c, 'mov cr0, r14');
};

/** The shared spinlock around a few accesses (the holder cannot be preempted: spin.lock counts). */
const locked: Builder = (c) => {
  emit(c, `spin.lock [${hex32(LOCK)}]`);
  body(c, c.rng.int(1, 3), [[load, 1], [store, 1], [arith, 1]]);
  emit(c, `spin.unlock [${hex32(LOCK)}]`);
};

const yieldCpu: Builder = (c) => emit(c, 'yield');

/** Leaves VS0 for VS1 or VS2 with preemption off, runs a few snippets, and comes back. */
const phase: Builder = (c) => {
  if (c.depth > 0 || c.mode !== 'VS0') return;
  const to: Mode = c.rng.chance(0.5) ? 'VS1' : 'VS2';
  emit(c, 'preempt.off');
  emit(c, `mov r14, ${to}_CR3`);
  emit(c, 'mov cr3, r14');
  emit(c, 'mov r14, cr0');
  emit(c, 'or r14, r14, CR0_PG');
  emit(c, 'mov cr0, r14');
  c.mode = to;
  rebase(c);
  body(c, c.rng.int(3, 20), PAGED);
  emit(c, 'mov r14, cr0');
  emit(c, 'and r14, r14, ~CR0_PG');
  emit(c, 'mov cr0, r14');
  emit(c, 'preempt.on');
  c.mode = 'VS0';
  emit(c, `mov r9, ${hex32(VS0_DATA)}`);
};

/** Removes and reinstalls the handler around one access: a fault there ends the run (a fault stop). */
const unhandled: Builder = (c) => {
  if (!c.rng.chance(0.15)) return;
  emit(c, 'handler 0');
  if (c.rng.chance(0.5)) load(c);
  else store(c);
  emit(c, `handler on_fault${c.thread}`);
};

type Grammar = readonly (readonly [Builder, number])[];

const COMMON: Grammar = [
  [arith, 8], [unary, 3], [divide, 1], [load, 6], [store, 6], [index, 1], [stack, 2], [call, 2],
  [evt, 1], [branch, 2], [loop, 2], [misc, 1], [misaligned, 0.3],
];
const LOOP_BODY: Grammar = [[arith, 4], [unary, 1], [load, 4], [store, 4], [stack, 1], [call, 1], [branch, 1], [loop, 1], [invlpg, 1]];
const VS0: Grammar = [...COMMON, [phase, 6], [editPte, 6], [toggleWp, 1], [locked, 1], [yieldCpu, 1], [flush, 1], [unhandled, 1]];
/**
 * Threads off processor 0 spend most of their time in VS1/VS2, so that the PTE edits of processor 0
 * leave stale entries in their TLBs (turning paging off flushes a processor's whole TLB).
 */
const VS0_WORKER: Grammar = [...COMMON, [phase, 30], [editPte, 2], [toggleWp, 1], [locked, 1], [yieldCpu, 1], [unhandled, 1]];
const PAGED: Grammar = [...COMMON, [switchSpace, 1], [invlpg, 1], [flush, 1], [rebase, 1], [unhandled, 1]];

function choose(c: Ctx, g: Grammar): Builder {
  const total = g.reduce((s, [, w]) => s + w, 0);
  let x = c.rng.next() * total;
  for (const [b, w] of g) { x -= w; if (x < 0) return b; }
  return g[g.length - 1][0];
}

function body(c: Ctx, n: number, g: Grammar): void {
  for (let i = 0; i < n; i++) choose(c, g)(c);
}

function hex32(v: number): string {
  return '0x' + v.toString(16).toUpperCase();
}

// ---- programs ---------------------------------------------------------------------------------------

/** A random program for a seed: the same seed always gives the same text. */
export function randomProgram(seed: number, opts: GeneratorOptions = {}): RandomProgram {
  const rng = new Rng(seed);
  const cpus = rng.pick([1, 2, 2, 3, 3]);
  const threads = rng.int(1, 4);
  const subs = rng.int(0, 3);
  const out: string[] = [`; random program, seed ${seed}: ${threads} thread(s) on ${cpus} processor(s)`];
  const cpuOf = Array.from({ length: threads }, (_, t) => (t < cpus ? t : rng.int(0, cpus - 1)));
  for (let t = 0; t < threads; t++) out.push(`.thread t${t}, entry${t}, cpu=${cpuOf[t]}`);
  for (let t = 0; t < threads; t++) {
    const c: Ctx = { rng, out, thread: t, mode: 'VS0', depth: 0, labels: 0, ptes: opts.ptes, subs };
    out.push('', `entry${t}:`);
    emit(c, `handler on_fault${t}`);
    emit(c, `mov r9, ${hex32(VS0_DATA)}`);
    emit(c, 'mov r10, 0');
    for (const r of VALUE_REGS) if (rng.chance(0.6)) emit(c, `mov ${r}, ${rng.imm64()}`);
    if (t === 0 && opts.ptes) {
      // Pristine copies of the data PTEs, for the edits that put one back.
      for (const space of ['VS1', 'VS2'] as const) {
        opts.ptes[space].forEach((pa, i) => {
          emit(c, `ld64 r13, [${hex32(pa)}]`);
          emit(c, `st64 [${hex32(PTE_SAVE + (space === 'VS1' ? 0 : 0x800) + i * 8)}], r13`);
        });
      }
    }
    body(c, opts.length ?? rng.int(8, 40), cpuOf[t] === 0 ? VS0 : VS0_WORKER);
    emit(c, 'halt');
    // The handler: drop the error code, point the data base at C1 (mapped in every space), retry.
    out.push('', `on_fault${t}:`);
    emit(c, 'pop r13');
    emit(c, `mov r9, ${hex32(VS0_DATA)}`);
    emit(c, 'iret');
  }
  // Subroutines: arithmetic and C1 accesses only (the same in every space), with a saved register.
  for (let s = 0; s < subs; s++) {
    // depth 2: no loops here (a caller's loop counts in r11/r12), and no calls.
    const c: Ctx = { rng, out, thread: 0, mode: 'VS0', depth: 2, labels: 0, ptes: undefined, subs: 0 };
    out.push('', `sub${s}:`);
    emit(c, 'push r9');
    emit(c, `mov r9, ${hex32(VS0_DATA)}`);
    body(c, rng.int(1, 6), [[arith, 3], [load, 2], [store, 2], [stack, 1], [branch, 1]]);
    emit(c, 'pop r9');
    emit(c, 'ret');
  }
  const tlb = rng.pick<TlbGeometry>([
    DEFAULT_TLB_GEOMETRY, DEFAULT_TLB_GEOMETRY, DEFAULT_TLB_GEOMETRY,
    { entries: 16, ways: 2 }, { entries: 8, ways: 8, policy: 'fifo' }, { entries: 32, ways: 4, policy: 'random', seed: seed >>> 0 }, { entries: 4, ways: 1 },
  ]);
  return { seed, source: out.join('\n') + '\n', cpus, timerQuantum: rng.pick([7, 50, 300, 10_000]), interleave: rng.pick([1, 1, 3, 17]), tlb };
}
