// The instruction encoding as a declared contract (issue 11): which word of an instruction's
// STRIDE words in Program.code holds which operand. One table, SHAPE_OF, gives every opcode its
// operand shape; FIELDS gives each shape its operands in written order and where each lives. The
// assembler encodes through it, the interpreter reads the named slots below (const enums: the hot
// loop compiles to the same numeric offsets as before), the disassembler (disassemble.ts) decodes
// through it and docs/language.md documents it.
//
// Word 0 is always the opcode. Unused words are 0. A register word holds 0..15 (ZERO_REG, 16, for
// "no register" in an address); a 64-bit constant is two words, low then high; a code target is an
// instruction index. The rarer instructions keep their operands decoded in Program.aux instead.

import { Op } from './isa';

/** Word 0 of every instruction: the opcode. */
export const OPCODE_SLOT = 0;

/** The memory operand [base + index<<shift + disp] of loads, stores, lea, invlpg and spinlocks. */
export const enum Mem { BASE = 2, INDEX = 3, SHIFT = 4, DISP = 5 }
/** One register: jmp rs, call rs, push rs, pop rd, cpuid rd, tid rd. */
export const enum Reg { R = 1 }
/** mov rd, rs; not rd, rs; neg rd, rs. */
export const enum RR { D = 1, S = 2 }
/** mov rd, crN. */
export const enum RC { D = 1, CR = 2 }
/** mov crN, rs. */
export const enum CR { CR = 1, S = 2 }
/** mov rd, imm. */
export const enum RI { D = 1, LO = 3, HI = 4 }
/** push imm. */
export const enum Imm { LO = 4, HI = 5 }
/** alu rd, rs, rt. */
export const enum RRR { D = 1, S = 2, T = 3 }
/** alu rd, rs, imm. */
export const enum RRI { D = 1, S = 2, LO = 3, HI = 4 }
/** Loads and lea: rd, [address] (the address in Mem's words). */
export const enum RM { D = 1 }
/** Stores of a register: [address], rs. */
export const enum MR { S = 1 }
/** Stores of a constant: [address], imm. */
export const enum MI { LO = 6, HI = 7 }
/** jmp, call, handler: a code target (handler: -1 for none). */
export const enum Target { L = 3 }
/** Branches on two registers: ra, rb, target. */
export const enum RRL { A = 1, B = 2, TARGET = 3 }
/** Branches on a register and a constant: ra, imm, target. */
export const enum RIL { A = 1, TARGET = 3, LO = 4, HI = 5 }

/** The operand shapes: word shapes (operands in Program.code) and aux shapes (in Program.aux). */
export type Shape =
  | 'none' | 'R' | 'RR' | 'RC' | 'CR' | 'RI' | 'I' | 'RRR' | 'RRI' | 'RM' | 'MR' | 'MI' | 'M' | 'L' | 'L0' | 'RRL' | 'RIL'
  | 'V2' | 'V4' | 'print' | 'event' | 'assert';

/** One written operand of a shape and where it lives. `name` is what the docs call it. */
export type Field =
  | { readonly kind: 'reg'; readonly name: string; readonly slot: number }
  | { readonly kind: 'creg'; readonly name: string; readonly slot: number }
  | { readonly kind: 'imm'; readonly name: string; readonly lo: number; readonly hi: number }
  | { readonly kind: 'mem'; readonly name: string; readonly base: number; readonly index: number; readonly shift: number; readonly disp: number }
  /** A code target (instruction index); `none` is the word for "no target" (handler 0), if the shape has one. */
  | { readonly kind: 'target'; readonly name: string; readonly slot: number; readonly none?: number }
  /** A register or constant kept in Program.aux (values[index]). */
  | { readonly kind: 'value'; readonly name: string; readonly index: number }
  /** The event name, kept in Program.aux. */
  | { readonly kind: 'name'; readonly name: string }
  /** A string kept in Program.aux: print's parts, assert's message. */
  | { readonly kind: 'string'; readonly name: string };

const regField = (name: string, slot: number): Field => ({ kind: 'reg', name, slot });
const immField = (lo: number, hi: number): Field => ({ kind: 'imm', name: 'imm', lo, hi });
const MEM: Field = { kind: 'mem', name: 'address', base: Mem.BASE, index: Mem.INDEX, shift: Mem.SHIFT, disp: Mem.DISP };
const valueField = (name: string, index: number): Field => ({ kind: 'value', name, index });

/** Each shape's operands, in the order an instruction of that shape writes them (its longest form). */
export const FIELDS: Readonly<Record<Shape, readonly Field[]>> = {
  none: [],
  R: [regField('r', Reg.R)],
  RR: [regField('rd', RR.D), regField('rs', RR.S)],
  RC: [regField('rd', RC.D), { kind: 'creg', name: 'crN', slot: RC.CR }],
  CR: [{ kind: 'creg', name: 'crN', slot: CR.CR }, regField('rs', CR.S)],
  RI: [regField('rd', RI.D), immField(RI.LO, RI.HI)],
  I: [immField(Imm.LO, Imm.HI)],
  RRR: [regField('rd', RRR.D), regField('rs', RRR.S), regField('rt', RRR.T)],
  RRI: [regField('rd', RRI.D), regField('rs', RRI.S), immField(RRI.LO, RRI.HI)],
  RM: [regField('rd', RM.D), MEM],
  MR: [MEM, regField('rs', MR.S)],
  MI: [MEM, immField(MI.LO, MI.HI)],
  M: [MEM],
  L: [{ kind: 'target', name: 'label', slot: Target.L }],
  L0: [{ kind: 'target', name: 'label', slot: Target.L, none: -1 }],
  RRL: [regField('ra', RRL.A), regField('rb', RRL.B), { kind: 'target', name: 'label', slot: RRL.TARGET }],
  RIL: [regField('ra', RIL.A), immField(RIL.LO, RIL.HI), { kind: 'target', name: 'label', slot: RIL.TARGET }],
  V2: [valueField('a', 0), valueField('b', 1)],
  V4: [valueField('a', 0), valueField('b', 1), valueField('c', 2), valueField('d', 3)],
  print: [{ kind: 'string', name: 'text' }],
  event: [{ kind: 'name', name: 'name' }, valueField('a', 0), valueField('b', 1)],
  assert: [valueField('rs', 0), valueField('expected', 1), { kind: 'string', name: 'message' }],
};

/** The operand shape of every opcode. Adding an Op without a shape here does not compile. */
export const SHAPE_OF = {
  [Op.NOP]: 'none', [Op.HALT]: 'none', [Op.BREAK]: 'none', [Op.YIELD]: 'none',
  [Op.MOV_RR]: 'RR', [Op.MOV_RI]: 'RI', [Op.MOV_RC]: 'RC', [Op.MOV_CR]: 'CR', [Op.LEA]: 'RM',
  [Op.LD8]: 'RM', [Op.LD16]: 'RM', [Op.LD32]: 'RM', [Op.LD64]: 'RM', [Op.LDS8]: 'RM', [Op.LDS16]: 'RM', [Op.LDS32]: 'RM',
  [Op.ST8]: 'MR', [Op.ST16]: 'MR', [Op.ST32]: 'MR', [Op.ST64]: 'MR', [Op.ST8_I]: 'MI', [Op.ST16_I]: 'MI', [Op.ST32_I]: 'MI', [Op.ST64_I]: 'MI',
  [Op.ADD_RRR]: 'RRR', [Op.ADD_RRI]: 'RRI', [Op.SUB_RRR]: 'RRR', [Op.SUB_RRI]: 'RRI', [Op.MUL_RRR]: 'RRR', [Op.MUL_RRI]: 'RRI',
  [Op.DIV_RRR]: 'RRR', [Op.DIV_RRI]: 'RRI', [Op.MOD_RRR]: 'RRR', [Op.MOD_RRI]: 'RRI', [Op.IDIV_RRR]: 'RRR', [Op.IDIV_RRI]: 'RRI',
  [Op.IMOD_RRR]: 'RRR', [Op.IMOD_RRI]: 'RRI', [Op.AND_RRR]: 'RRR', [Op.AND_RRI]: 'RRI', [Op.OR_RRR]: 'RRR', [Op.OR_RRI]: 'RRI',
  [Op.XOR_RRR]: 'RRR', [Op.XOR_RRI]: 'RRI', [Op.SHL_RRR]: 'RRR', [Op.SHL_RRI]: 'RRI', [Op.SHR_RRR]: 'RRR', [Op.SHR_RRI]: 'RRI',
  [Op.SAR_RRR]: 'RRR', [Op.SAR_RRI]: 'RRI', [Op.NOT]: 'RR', [Op.NEG]: 'RR',
  [Op.BEQ_RR]: 'RRL', [Op.BEQ_RI]: 'RIL', [Op.BNE_RR]: 'RRL', [Op.BNE_RI]: 'RIL', [Op.BLT_RR]: 'RRL', [Op.BLT_RI]: 'RIL',
  [Op.BGE_RR]: 'RRL', [Op.BGE_RI]: 'RIL', [Op.BGT_RR]: 'RRL', [Op.BGT_RI]: 'RIL', [Op.BLE_RR]: 'RRL', [Op.BLE_RI]: 'RIL',
  [Op.BLTU_RR]: 'RRL', [Op.BLTU_RI]: 'RIL', [Op.BGEU_RR]: 'RRL', [Op.BGEU_RI]: 'RIL', [Op.BGTU_RR]: 'RRL', [Op.BGTU_RI]: 'RIL',
  [Op.BLEU_RR]: 'RRL', [Op.BLEU_RI]: 'RIL',
  [Op.JMP]: 'L', [Op.JMP_R]: 'R', [Op.CALL]: 'L', [Op.CALL_R]: 'R', [Op.RET]: 'none', [Op.PUSH_R]: 'R', [Op.PUSH_I]: 'I', [Op.POP]: 'R',
  [Op.INVLPG]: 'M', [Op.FLUSH_RANGE]: 'V2', [Op.FLUSH_ALL]: 'none', [Op.PREEMPT_OFF]: 'none', [Op.PREEMPT_ON]: 'none',
  [Op.SPIN_LOCK]: 'M', [Op.SPIN_UNLOCK]: 'M', [Op.CPUID]: 'R', [Op.TID]: 'R', [Op.BREAD]: 'V4', [Op.BWRITE]: 'V4', [Op.VOL_NEW]: 'V2',
  [Op.PRINT]: 'print', [Op.HANDLER]: 'L0', [Op.IRET]: 'none', [Op.EVENT]: 'event', [Op.ASSERT]: 'assert',
} as const satisfies Record<Op, Shape>;

/** The shape of an opcode, or undefined for a word that is no opcode. */
export function shapeOf(op: number): Shape | undefined {
  return Object.prototype.hasOwnProperty.call(SHAPE_OF, op) ? (SHAPE_OF as Record<number, Shape>)[op] : undefined;
}

/** Whether a shape keeps its operands in Program.aux rather than in the code words. */
export function isAuxShape(shape: Shape): boolean {
  return FIELDS[shape].some((f) => f.kind === 'value' || f.kind === 'name' || f.kind === 'string');
}

/** A memory operand as its words hold it: registers (ZERO_REG for none), shift 0..3, disp a signed 32-bit word. */
export interface MemWords {
  readonly base: number;
  readonly index: number;
  readonly shift: number;
  readonly disp: number;
}

/** The value of one word field: a register or control register number, a 64-bit constant, an address, a target. */
export type WordValue =
  | { readonly kind: 'reg'; readonly reg: number }
  | { readonly kind: 'creg'; readonly reg: number }
  | { readonly kind: 'imm'; readonly value: bigint }
  | { readonly kind: 'mem'; readonly mem: MemWords }
  /** An instruction index, or null for the shape's "none". */
  | { readonly kind: 'target'; readonly index: number | null };

/** Writes one word field of the instruction at word `at`. */
export function writeField(code: Int32Array, at: number, f: Field, v: WordValue): void {
  switch (f.kind) {
    case 'reg': case 'creg': code[at + f.slot] = (v as { reg: number }).reg; break;
    case 'imm': {
      const x = BigInt.asUintN(64, (v as { value: bigint }).value);
      code[at + f.lo] = Number(x & 0xffffffffn) | 0;
      code[at + f.hi] = Number(x >> 32n) | 0;
      break;
    }
    case 'mem': {
      const m = (v as { mem: MemWords }).mem;
      code[at + f.base] = m.base; code[at + f.index] = m.index; code[at + f.shift] = m.shift; code[at + f.disp] = m.disp | 0;
      break;
    }
    case 'target': { const i = (v as { index: number | null }).index; code[at + f.slot] = i === null ? f.none ?? -1 : i; break; }
    default: throw new Error(`${f.kind} operands live in Program.aux, not in the code words`);
  }
}

/** Reads one word field of the instruction at word `at` (constants unsigned). */
export function readField(code: Int32Array, at: number, f: Field): WordValue {
  switch (f.kind) {
    case 'reg': return { kind: 'reg', reg: code[at + f.slot] };
    case 'creg': return { kind: 'creg', reg: code[at + f.slot] };
    case 'imm': return { kind: 'imm', value: (BigInt(code[at + f.hi] >>> 0) << 32n) | BigInt(code[at + f.lo] >>> 0) };
    case 'mem': return { kind: 'mem', mem: { base: code[at + f.base], index: code[at + f.index], shift: code[at + f.shift], disp: code[at + f.disp] } };
    case 'target': { const w = code[at + f.slot]; return { kind: 'target', index: f.none !== undefined && w === f.none ? null : w }; }
    default: throw new Error(`${f.kind} operands live in Program.aux, not in the code words`);
  }
}

/** The words a shape uses (the opcode's included), in order: for docs and checks. */
export function slotsOf(shape: Shape): number[] {
  const out = [OPCODE_SLOT];
  for (const f of FIELDS[shape]) {
    if (f.kind === 'reg' || f.kind === 'creg' || f.kind === 'target') out.push(f.slot);
    else if (f.kind === 'imm') out.push(f.lo, f.hi);
    else if (f.kind === 'mem') out.push(f.base, f.index, f.shift, f.disp);
  }
  return out;
}
