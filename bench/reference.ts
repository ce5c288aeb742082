// The bare reference interpreter the interpreter figures are compared with: what a plain JavaScript
// interpreter of the same program shape runs at on this machine, measured in the same process.
//
// It is deliberately minimal: 32-bit registers in an Int32Array, instructions pre-decoded into an
// Int32Array of REF_STRIDE words and dispatched by one switch, a flat direct-mapped TLB cache (virtual
// page -> word offset of the page in one flat memory) refilled by a trivial "walk" on a miss. No
// hooks, no 64-bit values, no LRU, no counters, no faults: an upper bound for what Mover's loop could
// do, not a machine.

/** Opcodes of the reference interpreter. */
export const enum RefOp {
  LD32 = 0, ST32, ADD_RI, ADD_RR, BNE_RI, CALL, RET, PUSH, POP, MOV_RI, HALT,
}

/** Words per instruction: op, a, b, c (register indexes, immediates or a target). */
export const REF_STRIDE = 4;
const REGS = 16;
const SP = 15;
const PAGE_SHIFT = 12;
const PAGE_WORDS_SHIFT = PAGE_SHIFT - 2;
const OFFSET_MASK = (1 << PAGE_SHIFT) - 1;
const FAST_BITS = 8;
const FAST_MASK = (1 << FAST_BITS) - 1;
/** Flat memory of the reference machine: 16 MiB, every virtual page folded onto it. */
const MEMORY_WORDS = 1 << 22;
const FRAME_MASK = (MEMORY_WORDS >>> PAGE_WORDS_SHIFT) - 1;
const NO_TAG = -1;

export class ReferenceInterpreter {
  readonly regs = new Int32Array(REGS);
  readonly mem = new Int32Array(MEMORY_WORDS);
  private readonly tag = new Int32Array(FAST_MASK + 1).fill(NO_TAG);
  private readonly base = new Int32Array(FAST_MASK + 1);
  retired = 0;
  misses = 0;

  constructor(private readonly code: Int32Array) {}

  /** The "walk" on a fast-cache miss: page n lives at frame n mod the memory's frames. */
  private fill(vpn: number): number {
    this.misses++;
    const i = vpn & FAST_MASK;
    this.tag[i] = vpn;
    this.base[i] = (vpn & FRAME_MASK) << PAGE_WORDS_SHIFT;
    return this.base[i];
  }

  /** Word index of an aligned 32-bit VA. */
  private word(va: number): number {
    const vpn = va >>> PAGE_SHIFT;
    const i = vpn & FAST_MASK;
    const b = this.tag[i] === vpn ? this.base[i] : this.fill(vpn);
    return b + ((va & OFFSET_MASK) >>> 2);
  }

  /** Runs up to n instructions from pc; returns the pc it stopped at. */
  run(pc: number, n: number): number {
    const code = this.code, r = this.regs, mem = this.mem;
    let i = 0;
    for (; i < n; i++) {
      const at = pc * REF_STRIDE;
      switch (code[at]) {
        case RefOp.LD32: r[code[at + 1]] = mem[this.word((r[code[at + 2]] + code[at + 3]) | 0)]; pc++; break;
        case RefOp.ST32: mem[this.word((r[code[at + 2]] + code[at + 3]) | 0)] = r[code[at + 1]]; pc++; break;
        case RefOp.ADD_RI: r[code[at + 1]] = (r[code[at + 2]] + code[at + 3]) | 0; pc++; break;
        case RefOp.ADD_RR: r[code[at + 1]] = (r[code[at + 2]] + r[code[at + 3]]) | 0; pc++; break;
        case RefOp.BNE_RI: pc = r[code[at + 1]] !== code[at + 2] ? code[at + 3] : pc + 1; break;
        case RefOp.MOV_RI: r[code[at + 1]] = code[at + 2]; pc++; break;
        case RefOp.PUSH: { const sp = (r[SP] - 4) | 0; mem[this.word(sp)] = r[code[at + 1]]; r[SP] = sp; pc++; break; }
        case RefOp.POP: { const sp = r[SP]; r[code[at + 1]] = mem[this.word(sp)]; r[SP] = (sp + 4) | 0; pc++; break; }
        case RefOp.CALL: { const sp = (r[SP] - 4) | 0; mem[this.word(sp)] = pc + 1; r[SP] = sp; pc = code[at + 1]; break; }
        case RefOp.RET: { const sp = r[SP]; pc = mem[this.word(sp)]; r[SP] = (sp + 4) | 0; break; }
        case RefOp.HALT: this.retired += i; return pc;
        default: throw new Error(`reference interpreter: bad opcode ${code[at]}`);
      }
    }
    this.retired += i;
    return pc;
  }
}

function program(rows: readonly (readonly number[])[]): Int32Array {
  const code = new Int32Array(rows.length * REF_STRIDE);
  rows.forEach((row, k) => code.set(row, k * REF_STRIDE));
  return code;
}

const LOOP_END = 0x7fff_ffff;
const DATA_VA = 0x2000_0000;
const STACK_VA = 0x0100_0000;

/** The tight loop of bench/interpreter.ts: ld32, add, st32, add, bne. */
export const REF_TIGHT = program([
  [RefOp.MOV_RI, 1, DATA_VA], [RefOp.MOV_RI, 2, 0],
  /* 2 */ [RefOp.LD32, 4, 1, 8], [RefOp.ADD_RR, 4, 4, 2], [RefOp.ST32, 4, 1, 8], [RefOp.ADD_RI, 2, 2, 1], [RefOp.BNE_RI, 2, LOOP_END, 2],
  [RefOp.HALT],
]);

/** The call-heavy loop: call leaf; add; bne. leaf: push, add, pop, ret. */
export const REF_CALLS = program([
  [RefOp.MOV_RI, 2, 0], [RefOp.MOV_RI, SP, STACK_VA],
  /* 2 */ [RefOp.CALL, 6], [RefOp.ADD_RI, 2, 2, 1], [RefOp.BNE_RI, 2, LOOP_END, 2],
  [RefOp.HALT],
  /* 6 */ [RefOp.PUSH, 3], [RefOp.ADD_RI, 3, 2, 1], [RefOp.POP, 3], [RefOp.RET],
]);
