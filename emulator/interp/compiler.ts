// The basic-block compiler: hot straight-line runs of the pre-decoded program become JavaScript
// functions that V8 optimises, with every operand a constant in the source.
//
// A block does only what the interpreter's fast path does and nothing it could get wrong:
// - arithmetic, moves and branches, exactly as interpreter.ts computes them (64-bit as two halves);
// - loads, stores, push, pop, call and ret only through the TLB's host cache (the same check the
//   interpreter makes first). Anything else (a host-cache miss, a page crossing, a bad return address)
//   leaves the block *before* that instruction, which the interpreter then runs on its own path:
//   translation, walks, faults, hooks and the sanitizer are never in compiled code;
// - it retires at most the budget it is given, and never runs part of an instruction, so the timer,
//   turns between processors and steps land on the same instruction counts as without it;
// - a breakpoint's BREAK opcode, and every instruction not listed here, ends a block before it.
// The interpreter enters blocks (see Interpreter.exec) only when no return is being watched; the code
// a block was built from changes only with breakpoints, which drop every block (BlockCache.clear).

import { Op } from '../asm/isa';
import { Imm, MI, MR, Mem, RI, RIL, RM, RR, RRI, RRL, RRR, Reg, Target } from '../asm/encoding';
import { INSTRUCTION_SIZE, STRIDE } from '../asm/program';
import { PAGE_OFFSET_MASK, PAGE_SHIFT, PAGE_SIZE } from '../physical-memory';
import { LAST_OFFSET, mul64 } from './words';
import { FAST_MASK } from '../tlb';
import type { Processor } from '../processor';

/** What a block reads and leaves: the next pc and the host-cache hits and last access it made. */
export interface BlockState {
  pc: number;
  hits: number;
  lastVa: number;
  lastWrite: boolean;
}

/** The frames a call pushes and a return pops (the interpreter's Thread). */
export interface BlockThread {
  readonly frames: unknown[];
  pushFrame(callPc: number, entry: number, callerPaging: boolean, callerCr3: number, sp: number): void;
}

/** Runs the block (looping on itself while the budget allows); returns the instructions retired. */
export type BlockFn = (
  lo: Int32Array, hi: Int32Array, hTag: Int32Array, hWTag: Int32Array, hView: DataView[], hOff: Int32Array,
  st: BlockState, t: BlockThread, cpu: Processor, budget: number,
) => number;

/** Entries into a pc before it is compiled. */
export const HOT_ENTRIES = 256;
/** Instructions in one block at most. */
const MAX_BLOCK = 64;
/** Times a block may leave before its first instruction before its pc is left to the interpreter. */
const MAX_IDLE = 16;
/** Fewer instructions than this (and no loop on itself) are not worth a block's call. */
const MIN_BLOCK = 8;
/** Blocks kept at once: past this every block is dropped and hot code compiles again (bounded memory). */
export const MAX_BLOCKS = 2048;

/**
 * Block functions by their source, shared by every interpreter in the process: a block's source is all
 * it depends on, and V8 keeps what it learned optimising it when the same program runs again (a
 * restart, a test, the next sample of a benchmark). Bounded like the blocks.
 */
const compiledSources = new Map<string, BlockFn>();
const MAX_SOURCES = 2048;

/** Per-pc state: 0..HOT_ENTRIES-1 counts entries; READY has a block; NEVER cannot start one. */
export const READY = -1;
export const NEVER = -2;


/** The compiled blocks of one interpreter's code. */
export class BlockCache {
  /** Per pc: entry count, READY or NEVER (see above). */
  readonly state: Int32Array;
  /** Per pc: the block starting there (READY), and its length (the budget it needs to be entered). */
  readonly fns: (BlockFn | undefined)[];
  readonly lens: Int32Array;
  /**
   * Per pc: how far its block's calls that retired nothing (its first access missed the host cache)
   * outnumber those that did (the interpreter counts those down).
   */
  readonly idle: Int32Array;
  /** Per pc: the starts of the blocks whose trace runs through it (a block may be gone since). */
  private readonly coveredBy = new Map<number, number[]>();
  private live = 0;
  private sinceClear = 0;
  /** For the bench: blocks compiled, their instructions, source characters and compile time, ever. */
  readonly stats = { blocks: 0, instructions: 0, sourceChars: 0, compileMs: 0, flushes: 0, dropped: 0 };

  constructor(
    private readonly code: Int32Array, private readonly programLength: number,
    /** Entries into a pc before a block is built there. */
    readonly hot: number = HOT_ENTRIES,
  ) {
    this.state = new Int32Array(programLength + 1);
    this.fns = new Array<BlockFn | undefined>(programLength + 1).fill(undefined);
    this.lens = new Int32Array(programLength + 1);
    this.idle = new Int32Array(programLength + 1);
  }

  /**
   * The block at pc retired nothing (its first instruction needs the interpreter's path). A block that
   * mostly does so is dropped and its pc left to the interpreter: the call is then pure cost.
   */
  leftAtOnce(pc: number): void {
    if (++this.idle[pc] < MAX_IDLE) return;
    this.fns[pc] = undefined;
    this.state[pc] = NEVER;
    this.live--;
    this.stats.dropped++;
  }

  /** Drops every block, and the entry counts. */
  clear(): void {
    this.state.fill(0);
    this.idle.fill(0);
    this.fns.fill(undefined);
    this.coveredBy.clear();
    this.live = 0;
    this.sinceClear = 0;
  }

  /** The opcode at `pc` changed (a breakpoint set or cleared): every block through it goes, and pc may start one again. */
  invalidate(pc: number): void {
    for (const s of this.coveredBy.get(pc) ?? []) {
      if (this.state[s] === READY) { this.fns[s] = undefined; this.state[s] = 0; this.live--; }
    }
    this.coveredBy.delete(pc);
    this.state[pc] = 0;
  }

  /** Compiles the block starting at pc, if one can start there; sets its state either way. */
  compile(pc: number): void {
    // Bounded: live blocks, and the index of what they cover (blocks dropped by breakpoints leave entries).
    if (this.live >= MAX_BLOCKS || this.sinceClear >= 4 * MAX_BLOCKS) { this.clear(); this.stats.flushes++; }
    this.sinceClear++;
    const t0 = performance.now();
    const built = buildBlock(this.code, this.programLength, pc);
    if (built === null) { this.state[pc] = NEVER; return; }
    let fn = compiledSources.get(built.source);
    if (fn === undefined) {
      fn = new Function('mul64', 'scratch', built.source)(mul64, new Int32Array(2)) as BlockFn;
      if (compiledSources.size >= MAX_SOURCES) compiledSources.clear();
      compiledSources.set(built.source, fn);
    }
    this.fns[pc] = fn;
    this.lens[pc] = built.length;
    for (const at of built.pcs) {
      const list = this.coveredBy.get(at);
      if (list) list.push(pc); else this.coveredBy.set(at, [pc]);
    }
    this.state[pc] = READY;
    this.live++;
    this.stats.blocks++;
    this.stats.instructions += built.length;
    this.stats.sourceChars += built.source.length;
    this.stats.compileMs += performance.now() - t0;
  }
}

/**
 * The source of the block at `start` (a function body returning the BlockFn), or null. A block is a
 * trace: it follows jumps and calls into their targets, and a return from a call it followed goes on
 * at the call's next instruction (checked when it runs: a return elsewhere leaves the block with the
 * return done). It ends at a conditional branch, a return it did not see called, an instruction it
 * does not compile, an instruction already in it, or MAX_BLOCK instructions.
 */
function buildBlock(code: Int32Array, programLength: number, start: number): { source: string; length: number; pcs: Iterable<number> } | null {
  const body: string[] = [];
  const returns: number[] = [];
  const seen = new Set<number>();
  const leave = (pcExpr: string, retired: number) => `{ st.pc = ${pcExpr}; st.hits = hits; st.lastVa = lastVa; st.lastWrite = lastWrite; return r + ${retired}; }`;
  let pc = start;
  let length = 0;
  let terminator: string | null = null;
  let loops = false;
  while (pc < programLength && length < MAX_BLOCK && !seen.has(pc)) {
    seen.add(pc);
    const at = pc * STRIDE;
    const op = code[at] as Op;
    const one = instruction(op, (k) => code[at + k], pc, leave(`${pc}`, length), programLength);
    if (one === null) break;
    body.push(one.text);
    length++;
    if (one.next === undefined) { pc++; continue; }
    let follow: number | null = null;
    if (op === Op.JMP || op === Op.CALL) {
      follow = code[at + Target.L];
      if (op === Op.CALL) returns.push(pc + 1);
    } else if (op === Op.RET && returns.length > 0) {
      follow = returns.pop()!;
      body.push(`if (ret !== ${follow}) ${leave('ret', length)}`);
    }
    if (follow === null || follow === start || seen.has(follow) || length >= MAX_BLOCK) {
      terminator = follow === null ? one.next : `${follow}`;
      // A branch or jump back to the start: the block loops on itself.
      loops = follow === start || (follow === null && op !== Op.RET && op !== Op.CALL && code[at + RRL.TARGET] === start);
      break;
    }
    pc = follow;
  }
  const next = terminator ?? `${pc}`;
  // Too short to pay for its call (unless it loops on itself): interpreted.
  if (length === 0 || (length < MIN_BLOCK && !loops)) return null;
  const source = `return function block(lo, hi, hTag, hWTag, hView, hOff, st, t, cpu, budget) {
  let hits = 0, lastVa = st.lastVa, lastWrite = st.lastWrite, r = 0, next = 0, ret = 0;
  for (;;) {
${body.join('\n')}
    next = ${next};
    r += ${length};
    if (next !== ${start} || r + ${length} > budget) break;
  }
  st.pc = next; st.hits = hits; st.lastVa = lastVa; st.lastWrite = lastWrite;
  return r;
};`;
  return { source, length, pcs: seen };
}

const addr = (w: (k: number) => number) => `(lo[${w(Mem.BASE)}] + (lo[${w(Mem.INDEX)}] << ${w(Mem.SHIFT)}) + ${w(Mem.DISP)}) | 0`;

/** One instruction's statements, and for a jump the expression of the next pc; null: not compiled. */
function instruction(op: Op, w: (k: number) => number, pc: number, exit: string, programLength: number): { text: string; next?: string } | null {
  const t = (text: string, next?: string) => ({ text, ...(next !== undefined ? { next } : {}) });
  switch (op) {
    case Op.NOP: return t('');
    case Op.MOV_RR: return t(`lo[${w(RR.D)}] = lo[${w(RR.S)}]; hi[${w(RR.D)}] = hi[${w(RR.S)}];`);
    case Op.MOV_RI: return t(`lo[${w(RI.D)}] = ${w(RI.LO)}; hi[${w(RI.D)}] = ${w(RI.HI)};`);
    case Op.ADD_RRR: case Op.ADD_RRI: {
      const [bl, bh] = op === Op.ADD_RRI ? [`${w(RRI.LO)}`, `${w(RRI.HI)}`] : [`lo[${w(RRR.T)}]`, `hi[${w(RRR.T)}]`];
      return t(`{ const al = lo[${w(RRR.S)}], x = (al + ${bl}) | 0; hi[${w(RRR.D)}] = (hi[${w(RRR.S)}] + ${bh} + ((x >>> 0) < (al >>> 0) ? 1 : 0)) | 0; lo[${w(RRR.D)}] = x; }`);
    }
    case Op.SUB_RRR: case Op.SUB_RRI: {
      const [bl, bh] = op === Op.SUB_RRI ? [`${w(RRI.LO)}`, `${w(RRI.HI)}`] : [`lo[${w(RRR.T)}]`, `hi[${w(RRR.T)}]`];
      return t(`{ const al = lo[${w(RRR.S)}], bl = ${bl}, bh = ${bh}; hi[${w(RRR.D)}] = (hi[${w(RRR.S)}] - bh - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0; lo[${w(RRR.D)}] = (al - bl) | 0; }`);
    }
    case Op.AND_RRR: case Op.OR_RRR: case Op.XOR_RRR: {
      const o = op === Op.AND_RRR ? '&' : op === Op.OR_RRR ? '|' : '^';
      return t(`{ const bl = lo[${w(RRR.T)}], bh = hi[${w(RRR.T)}]; lo[${w(RRR.D)}] = lo[${w(RRR.S)}] ${o} bl; hi[${w(RRR.D)}] = hi[${w(RRR.S)}] ${o} bh; }`);
    }
    case Op.AND_RRI: case Op.OR_RRI: case Op.XOR_RRI: {
      const o = op === Op.AND_RRI ? '&' : op === Op.OR_RRI ? '|' : '^';
      return t(`lo[${w(RRI.D)}] = lo[${w(RRI.S)}] ${o} ${w(RRI.LO)}; hi[${w(RRI.D)}] = hi[${w(RRI.S)}] ${o} ${w(RRI.HI)};`);
    }
    case Op.LEA: return t(`lo[${w(RM.D)}] = ${addr(w)}; hi[${w(RM.D)}] = 0;`);
    case Op.SHL_RRR: case Op.SHL_RRI: case Op.SHR_RRR: case Op.SHR_RRI: case Op.SAR_RRR: case Op.SAR_RRI: {
      const kind = op <= Op.SHL_RRI ? 0 : op <= Op.SHR_RRI ? 1 : 2;
      const n = (op - Op.SHL_RRR) & 1 ? `${w(RRI.LO) & 63}` : `(lo[${w(RRR.T)}] & 63)`;
      const shift = [
        `if (n < 32) { rh = (ah << n) | (al >>> (32 - n)); rl = al << n; } else { rh = al << (n - 32); rl = 0; }`,
        `if (n < 32) { rl = (al >>> n) | (ah << (32 - n)); rh = ah >>> n; } else { rl = ah >>> (n - 32); rh = 0; }`,
        `if (n < 32) { rl = (al >>> n) | (ah << (32 - n)); rh = ah >> n; } else { rl = ah >> (n - 32); rh = ah >> 31; }`,
      ][kind];
      return t(`{ const n = ${n}, al = lo[${w(RRR.S)}], ah = hi[${w(RRR.S)}]; let rl = al, rh = ah; if (n !== 0) { ${shift} } lo[${w(RRR.D)}] = rl | 0; hi[${w(RRR.D)}] = rh | 0; }`);
    }
    case Op.MUL_RRR: case Op.MUL_RRI: {
      const [bl, bh] = op === Op.MUL_RRI ? [`${w(RRI.LO)}`, `${w(RRI.HI)}`] : [`lo[${w(RRR.T)}]`, `hi[${w(RRR.T)}]`];
      return t(`mul64(lo[${w(RRR.S)}], hi[${w(RRR.S)}], ${bl}, ${bh}, scratch); lo[${w(RRR.D)}] = scratch[0]; hi[${w(RRR.D)}] = scratch[1];`);
    }
    case Op.JMP: return t('', `${w(Target.L)}`);
    case Op.BEQ_RR: case Op.BNE_RR: case Op.BEQ_RI: case Op.BNE_RI: {
      const ri = op === Op.BEQ_RI || op === Op.BNE_RI;
      const a = w(RRL.A);
      const [bl, bh] = ri ? [`${w(RIL.LO)}`, `${w(RIL.HI)}`] : [`lo[${w(RRL.B)}]`, `hi[${w(RRL.B)}]`];
      const eq = `(lo[${a}] === ${bl} && hi[${a}] === ${bh})`;
      const cond = op === Op.BEQ_RR || op === Op.BEQ_RI ? eq : `!${eq}`;
      return t('', `${cond} ? ${w(RRL.TARGET)} : ${pc + 1}`);
    }
    case Op.BLT_RR: case Op.BGE_RR: case Op.BGT_RR: case Op.BLE_RR: case Op.BLTU_RR: case Op.BGEU_RR: case Op.BGTU_RR: case Op.BLEU_RR:
    case Op.BLT_RI: case Op.BGE_RI: case Op.BGT_RI: case Op.BLE_RI: case Op.BLTU_RI: case Op.BGEU_RI: case Op.BGTU_RI: case Op.BLEU_RI: {
      const ri = (op - Op.BEQ_RR) & 1;
      const a = w(RRL.A);
      const [bl, bh] = ri ? [`${w(RIL.LO)}`, `${w(RIL.HI)}`] : [`lo[${w(RRL.B)}]`, `hi[${w(RRL.B)}]`];
      const unsigned = op >= Op.BLTU_RR;
      const k = ((op - Op.BLT_RR) >> 1) & 3; // 0 lt 1 ge 2 gt 3 le
      const rel = ['<', '>=', '>', '<='][k];
      const ah = unsigned ? `(hi[${a}] >>> 0)` : `hi[${a}]`, bhh = unsigned ? `((${bh}) >>> 0)` : `(${bh})`;
      const cond = `(${ah} !== ${bhh} ? ${ah} ${rel} ${bhh} : (lo[${a}] >>> 0) ${rel} ((${bl}) >>> 0))`;
      return t('', `${cond} ? ${w(RRL.TARGET)} : ${pc + 1}`);
    }
    case Op.LD8: case Op.LD16: case Op.LD32: case Op.LD64: case Op.LDS8: case Op.LDS16: case Op.LDS32: {
      const d = w(RM.D);
      const read = {
        [Op.LD8]: `lo[${d}] = dv.getUint8(p); hi[${d}] = 0;`,
        [Op.LD16]: `lo[${d}] = dv.getUint16(p, true); hi[${d}] = 0;`,
        [Op.LD32]: `lo[${d}] = dv.getInt32(p, true); hi[${d}] = 0;`,
        [Op.LD64]: `lo[${d}] = dv.getInt32(p, true); hi[${d}] = dv.getInt32(p + 4, true);`,
        [Op.LDS8]: `{ const v = dv.getInt8(p); lo[${d}] = v; hi[${d}] = v >> 31; }`,
        [Op.LDS16]: `{ const v = dv.getInt16(p, true); lo[${d}] = v; hi[${d}] = v >> 31; }`,
        [Op.LDS32]: `{ const v = dv.getInt32(p, true); lo[${d}] = v; hi[${d}] = v >> 31; }`,
      }[op];
      return t(`{ const va = ${addr(w)}, vpn = va >>> ${PAGE_SHIFT}, k = vpn & ${FAST_MASK}, off = va & ${PAGE_OFFSET_MASK};
    if (hTag[k] !== vpn || off > ${LAST_OFFSET[op]}) ${exit}
    hits++; lastVa = va; lastWrite = false;
    const dv = hView[k], p = hOff[k] + off; ${read} }`);
    }
    case Op.ST8: case Op.ST16: case Op.ST32: case Op.ST64: case Op.ST8_I: case Op.ST16_I: case Op.ST32_I: case Op.ST64_I: {
      const imm = op >= Op.ST8_I;
      const vl = imm ? `${w(MI.LO)}` : `lo[${w(MR.S)}]`, vh = imm ? `${w(MI.HI)}` : `hi[${w(MR.S)}]`;
      const write = op === Op.ST8 || op === Op.ST8_I ? `dv.setUint8(p, ${vl} & 0xff);`
        : op === Op.ST16 || op === Op.ST16_I ? `dv.setUint16(p, ${vl} & 0xffff, true);`
          : op === Op.ST32 || op === Op.ST32_I ? `dv.setInt32(p, ${vl}, true);`
            : `dv.setInt32(p, ${vl}, true); dv.setInt32(p + 4, ${vh}, true);`;
      return t(`{ const va = ${addr(w)}, vpn = va >>> ${PAGE_SHIFT}, k = vpn & ${FAST_MASK}, off = va & ${PAGE_OFFSET_MASK};
    if (hWTag[k] !== vpn || off > ${LAST_OFFSET[op]}) ${exit}
    hits++; lastVa = va; lastWrite = true;
    const dv = hView[k], p = hOff[k] + off; ${write} }`);
    }
    case Op.PUSH_R: case Op.PUSH_I: case Op.CALL: {
      const value = op === Op.PUSH_I ? [`${w(Imm.LO)}`, `${w(Imm.HI)}`] : op === Op.PUSH_R ? [`lo[${w(Reg.R)}]`, `hi[${w(Reg.R)}]`] : [`${(pc + 1) * INSTRUCTION_SIZE}`, '0'];
      const text = `{ const sp = (lo[15] - 8) | 0, off = sp & ${PAGE_OFFSET_MASK}, vpn = sp >>> ${PAGE_SHIFT}, k = vpn & ${FAST_MASK};
    if (off > ${PAGE_SIZE - 8} || (lo[15] >>> 0) < 8 || hWTag[k] !== vpn) ${exit}
    hits++;
    const dv = hView[k], p = hOff[k] + off; dv.setInt32(p, ${value[0]}, true); dv.setInt32(p + 4, ${value[1]}, true);
    lo[15] = sp;${op === Op.CALL ? ` t.pushFrame(${pc}, ${w(Target.L)}, cpu.paging, cpu.cr3, sp >>> 0);` : ''} }`;
      return op === Op.CALL ? t(text, `${w(Target.L)}`) : t(text);
    }
    case Op.POP: case Op.RET: {
      const check = `const sp = lo[15], off = sp & ${PAGE_OFFSET_MASK}, vpn = sp >>> ${PAGE_SHIFT}, k = vpn & ${FAST_MASK};
    if (off > ${PAGE_SIZE - 8} || (sp >>> 0) > ${2 ** 32 - 8} || hTag[k] !== vpn) ${exit}
    const dv = hView[k], p = hOff[k] + off, vl = dv.getUint32(p, true), vh = dv.getInt32(p + 4, true);`;
      if (op === Op.POP) return t(`{ ${check}\n    hits++; lo[15] = (sp + 8) | 0; lo[${w(Reg.R)}] = vl; hi[${w(Reg.R)}] = vh; }`);
      // A return to no instruction faults: the interpreter runs it.
      return t(`{ ${check}
    if (vh !== 0 || vl % ${INSTRUCTION_SIZE} !== 0 || vl / ${INSTRUCTION_SIZE} >= ${programLength}) ${exit}
    hits++; lo[15] = (sp + 8) | 0; t.frames.pop(); ret = vl / ${INSTRUCTION_SIZE}; }`, 'ret');
    }
    default: return null;
  }
}
