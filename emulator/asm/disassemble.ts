// The disassembler: rebuilds an instruction's text from its code words (and Program.aux and the code
// labels) through the same declared slot map the assembler encodes with (encoding.ts).
//
// The text is canonical, not the source's spelling: the mnemonic in lower case, every operand of the
// longest form (`add r1, 8` decodes as `add r1, r1, 8`), registers by name (sp, fp), constants in
// decimal when small (|v| < 65536) and as grouped hex otherwise, addresses as [base + index*scale +
// disp], code targets by label (a global label before a local one, `parent.local` for a local one)
// or as a text address. Assembling the canonical text gives the same words (test/asm/disassemble.test.ts).

import { ZERO_REG } from '../processor';
import { INSTRUCTIONS, Op, registerName } from './isa';
import { FIELDS, readField, shapeOf, type Field, type MemWords, type Shape } from './encoding';
import { INSTRUCTION_SIZE, STRIDE, type Aux, type PrintPart, type Program, type ValueRef } from './program';

/** What decode needs of a program. */
export type DecodableProgram = Pick<Program, 'code' | 'aux' | 'labels'>;

export interface DecodedInstruction {
  readonly op: number;
  /** undefined for a word that is no opcode. */
  readonly shape: Shape | undefined;
  readonly mnemonic: string;
  /** Each operand's canonical text, in the shape's order. */
  readonly operands: readonly string[];
  /** `mnemonic op1, op2, ...` */
  readonly text: string;
}

/** The mnemonic of each opcode: the instruction whose forms select it. */
const MNEMONIC = new Map<number, string>([[Op.BREAK, 'break']]);
for (const d of INSTRUCTIONS) {
  for (const f of d.forms) for (const op of typeof f.op === 'number' ? [f.op] : Object.values(f.op)) if (!MNEMONIC.has(op)) MNEMONIC.set(op, d.mnemonic);
}

/** The mnemonic an opcode disassembles to (undefined for a word that is no opcode). */
export function mnemonicOf(op: number): string | undefined {
  return MNEMONIC.get(op);
}

const SMALL = 65536n;

/** Upper-case hex digits in groups of four from the right: 0x2000_0000 (also the docs' builtin constants). */
export function groupedHex(v: bigint): string {
  const d = v.toString(16).toUpperCase();
  let out = '';
  for (let i = d.length; i > 0; i -= 4) out = d.slice(Math.max(0, i - 4), i) + (out ? '_' + out : '');
  return '0x' + out;
}

/** A 64-bit constant: decimal (signed) when small, else the unsigned value in hex. */
export function formatConstant(v: bigint): string {
  const s = BigInt.asIntN(64, v);
  return s > -SMALL && s < SMALL ? s.toString() : groupedHex(BigInt.asUintN(64, v));
}

function formatMem(m: MemWords): string {
  const terms: string[] = [];
  if (m.base !== ZERO_REG) terms.push(registerName(m.base));
  if (m.index !== ZERO_REG) terms.push(m.shift ? `${registerName(m.index)}*${1 << m.shift}` : registerName(m.index));
  let text = terms.join(' + ');
  if (terms.length && m.disp < 0 && m.disp > -Number(SMALL)) text += ` - ${-m.disp}`;
  else if (m.disp !== 0 || !terms.length) text += `${terms.length ? ' + ' : ''}${formatConstant(BigInt(m.disp >>> 0))}`;
  return `[${text}]`;
}

const labelNames = new WeakMap<ReadonlyMap<string, number>, Map<number, string>>();

/** The label to show for each instruction index: a global label first, else a local one's full name. */
function labelsByIndex(labels: ReadonlyMap<string, number>): Map<number, string> {
  let out = labelNames.get(labels);
  if (!out) {
    out = new Map();
    for (const [name, index] of labels) if (!name.includes('.') && !out.has(index)) out.set(index, name);
    for (const [name, index] of labels) if (!out.has(index)) out.set(index, name);
    labelNames.set(labels, out);
  }
  return out;
}

function formatTarget(p: DecodableProgram, index: number | null): string {
  if (index === null) return '0';
  return labelsByIndex(p.labels).get(index) ?? groupedHex(BigInt(index * INSTRUCTION_SIZE));
}

function formatValue(v: ValueRef | undefined): string {
  if (!v) return '?';
  return v.reg >= 0 ? registerName(v.reg) : formatConstant((BigInt(v.hi >>> 0) << 32n) | BigInt(v.lo >>> 0));
}

const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\0': '\\0', '\\': '\\\\', '"': '\\"' };

/** A string literal the assembler reads back as `s`. */
export function quote(s: string): string {
  let out = '';
  for (const c of s) {
    const n = c.charCodeAt(0);
    out += ESCAPES[c] ?? (n < 0x20 || (n >= 0x7f && n <= 0xff) ? `\\x${n.toString(16).padStart(2, '0')}` : c);
  }
  return `"${out}"`;
}

function printText(parts: readonly PrintPart[]): string {
  return quote(parts.map((q) => (q.kind === 'text' ? q.text : q.kind === 'context' ? `{${q.what}}` : `{${registerName(q.reg)}${q.format === 'x' ? '' : ':' + q.format}}`)).join(''));
}

function formatAux(f: Field, aux: Aux | undefined): string {
  if (!aux) return '?';
  switch (f.kind) {
    case 'value': return 'values' in aux ? formatValue(aux.values[f.index]) : '?';
    case 'name': return aux.kind === 'event' ? aux.name : '?';
    case 'string': return aux.kind === 'print' ? printText(aux.parts) : aux.kind === 'assert' ? quote(aux.message) : '?';
    default: return '?';
  }
}

/** Decodes instruction `index` of the program into its parts. */
export function decodeInstruction(p: DecodableProgram, index: number): DecodedInstruction {
  const at = index * STRIDE;
  const op = p.code[at];
  const shape = shapeOf(op);
  const mnemonic = MNEMONIC.get(op);
  if (shape === undefined || mnemonic === undefined) return { op, shape, mnemonic: '.word', operands: [String(op)], text: `.word ${op}` };
  const operands = FIELDS[shape].map((f) => {
    if (f.kind === 'value' || f.kind === 'name' || f.kind === 'string') return formatAux(f, p.aux[index]);
    const v = readField(p.code, at, f);
    switch (v.kind) {
      case 'reg': return registerName(v.reg);
      case 'creg': return `cr${v.reg}`;
      case 'imm': return formatConstant(v.value);
      case 'mem': return formatMem(v.mem);
      case 'target': return formatTarget(p, v.index);
    }
  });
  return { op, shape, mnemonic, operands, text: operands.length ? `${mnemonic} ${operands.join(', ')}` : mnemonic };
}

/** The canonical text of instruction `index`, rebuilt from the code words, the aux and the labels. */
export function decode(p: DecodableProgram, index: number): string {
  return decodeInstruction(p, index).text;
}
