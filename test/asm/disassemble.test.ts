// The instruction encoding as a declared contract (issue 11): every opcode has an operand shape, the
// shapes' slots fit an instruction's words, and the disassembler (emulator/asm/disassemble.ts), which
// reads the code words through the same slot map the assembler writes them with, gives back text that
// assembles to the same words: for every form of the instruction table and for every instruction of
// every program in lib/, lib/tests, examples/ and examples/tests.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { INSTRUCTIONS, Op } from '../../emulator/asm/isa';
import { FIELDS, SHAPE_OF, isAuxShape, readField, shapeOf, slotsOf, writeField, type Shape, type WordValue } from '../../emulator/asm/encoding';
import { decode, decodeInstruction, formatConstant } from '../../emulator/asm/disassemble';
import { STRIDE, assemble, nodeSourceHost, type Program } from '../../emulator/index';
import { LIB, ROOT, build } from '../interp/helpers';

/** Every opcode number: the enum runs from NOP = 0 to ASSERT without gaps. */
const ALL_OPS = Array.from({ length: Op.ASSERT + 1 }, (_, k) => k);

/** The opcodes a form selects, with the operand kinds that select each ("RRI", ...; one key for a fixed opcode). */
function formOps(op: Op | Readonly<Record<string, Op>>, operands: readonly string[]): [string, Op][] {
  if (typeof op === 'number') return [[operands.map((s) => s[0]).join(''), op]];
  return Object.entries(op);
}

describe('every opcode has a shape', () => {
  test('SHAPE_OF names each opcode once, and nothing else', () => {
    assert.deepEqual(Object.keys(SHAPE_OF).map(Number).sort((a, b) => a - b), ALL_OPS);
    for (const op of ALL_OPS) assert.ok(shapeOf(op) !== undefined, `opcode ${op}`);
    assert.equal(shapeOf(Op.ASSERT + 1), undefined);
    assert.equal(shapeOf(-1), undefined);
  });

  test('every opcode of the instruction table has a shape with room for its operands', () => {
    for (const d of INSTRUCTIONS) {
      for (const f of d.forms) {
        for (const [, op] of formOps(f.op, f.operands)) {
          const shape = SHAPE_OF[op];
          const n = FIELDS[shape].length;
          if (isAuxShape(shape)) assert.equal(f.operands.length, n, `${d.mnemonic} ${f.operands.join(',')}: a shape in aux takes every operand`);
          else assert.ok(f.operands.length <= n && f.operands.length >= (n ? 1 : 0), `${d.mnemonic} ${f.operands.join(',')} -> ${shape}`);
        }
      }
    }
  });

  test("each word shape's slots are distinct words after the opcode, within STRIDE", () => {
    for (const shape of Object.keys(FIELDS) as Shape[]) {
      const slots = slotsOf(shape);
      assert.equal(slots[0], 0, shape);
      assert.equal(new Set(slots).size, slots.length, `${shape}: ${slots.join(',')}`);
      for (const s of slots) assert.ok(s >= 0 && s < STRIDE, `${shape}: slot ${s}`);
    }
  });
});

describe('the slot map round-trips values', () => {
  const sample = (kind: string, k: number): WordValue => {
    switch (kind) {
      case 'reg': return { kind: 'reg', reg: 1 + k };
      case 'creg': return { kind: 'creg', reg: 3 };
      case 'imm': return { kind: 'imm', value: 0xFEDC_BA98_7654_3210n + BigInt(k) };
      case 'mem': return { kind: 'mem', mem: { base: 2, index: 16, shift: 3, disp: -8 } };
      default: return { kind: 'target', index: 7 + k };
    }
  };
  for (const shape of Object.keys(FIELDS) as Shape[]) {
    if (isAuxShape(shape)) continue;
    test(shape, () => {
      const code = new Int32Array(STRIDE * 2);
      const values = FIELDS[shape].map((f, k) => sample(f.kind, k));
      FIELDS[shape].forEach((f, k) => writeField(code, STRIDE, f, values[k]));
      assert.deepEqual(FIELDS[shape].map((f) => readField(code, STRIDE, f)), values);
      assert.deepEqual(Array.from(code.subarray(0, STRIDE)), new Array(STRIDE).fill(0), 'nothing outside the instruction is written');
    });
  }
  test('a target with a "none" word (handler 0)', () => {
    const code = new Int32Array(STRIDE);
    const [f] = FIELDS.L0;
    writeField(code, 0, f, { kind: 'target', index: null });
    assert.deepEqual(readField(code, 0, f), { kind: 'target', index: null });
  });
});

/** Sample operand text for each operand kind, written canonically (as the disassembler writes it). */
function sampleOperand(kind: string, j: number, mnemonic: string): string {
  switch (kind) {
    case 'R': return ['r1', 'r2', 'r3', 'sp'][j];
    case 'C': return 'cr3';
    case 'I': return mnemonic === 'event' ? 'cofw' : ['5', '-7', '0x1_2345_6789', '0xFFFF_0000'][j];
    case 'L': return mnemonic === 'handler' && j === 1 ? '0' : 'start';
    case 'M': return ['[r2 + r3*4 + 16]', '[sp - 8]', '[0x2000_0000]', '[r9 + r10]'][j % 4];
    case 'S': return mnemonic === 'print' ? '"x {r1:d} {sp} {cpu} \\"q\\"\\n"' : '"message"';
    default: throw new Error(kind);
  }
}

const codeOf = (p: Program, i: number) => Array.from(p.code.subarray(i * STRIDE, (i + 1) * STRIDE));

describe('every form of the instruction table decodes to text that assembles to the same words', () => {
  for (const d of INSTRUCTIONS) {
    for (const f of d.forms) {
      for (const [kinds] of formOps(f.op, f.operands)) {
        const variants = d.mnemonic === 'handler' ? [0, 1] : [0];
        for (const v of variants) {
          const line = f.operands.length ? `${d.mnemonic} ${[...kinds].map((k, j) => sampleOperand(k, j + v, d.mnemonic)).join(', ')}` : d.mnemonic;
          test(line, () => {
            const p = build(`start:\n    ${line}\n    halt\n`);
            const decoded = decodeInstruction(p, 0);
            assert.equal(decoded.mnemonic, d.mnemonic);
            assert.equal(decoded.operands.length, FIELDS[decoded.shape!].length);
            // A full form comes back as written; a short form (add rd, rt) with its first operand repeated.
            const fields = FIELDS[decoded.shape!].length;
            const written = line.slice(d.mnemonic.length).split(/, (?![^[]*\])/).map((s) => s.trim()).filter(Boolean);
            const expected = fields > written.length ? [...new Array<string>(fields - written.length).fill(written[0]), ...written] : written;
            assert.equal(decoded.text, expected.length ? `${d.mnemonic} ${expected.join(', ')}` : d.mnemonic);
            const again = build(`start:\n    ${decoded.text}\n    halt\n`);
            assert.deepEqual(codeOf(again, 0), codeOf(p, 0));
            assert.deepEqual(again.aux[0], p.aux[0]);
          });
        }
      }
    }
  }
});

describe('decoding details', () => {
  test('constants: small ones in decimal (signed), others as the unsigned value in grouped hex', () => {
    assert.equal(formatConstant(0n), '0');
    assert.equal(formatConstant(65535n), '65535');
    assert.equal(formatConstant(65536n), '0x1_0000');
    assert.equal(formatConstant(BigInt.asUintN(64, -8n)), '-8');
    assert.equal(formatConstant(BigInt.asUintN(64, -0x8000_0000n)), '0xFFFF_FFFF_8000_0000');
  });

  test('addresses, targets and the words that are no instruction', () => {
    const p = build('start:\n    ld8 r1, [0xF000_0000]\n.loop:\n    st64 [r3*8], -1\n    bne r1, r2, .loop\n    jmp 0\n    halt\n');
    assert.equal(decode(p, 0), 'ld8 r1, [0xF000_0000]');
    assert.equal(decode(p, 1), 'st64 [r3*8], -1');
    assert.equal(decode(p, 2), 'bne r1, r2, start.loop', 'a local label by its full name');
    assert.equal(decode(p, 3), 'jmp start', 'a global label before a local one');
    const inPlace = build('start:\n    ld8 r1, [0xF000_0000]\n.loop:\n    st64 [r3*8], -1\n    ' + decode(p, 2) + '\n    jmp 0\n    halt\n');
    assert.deepEqual(codeOf(inPlace, 2), codeOf(p, 2), 'the full name of a local label assembles');
    assert.equal(decode({ ...p, labels: new Map() }, 2), 'bne r1, r2, 0x4', 'a target without a label: its text address');
    const s = build('start:\n    assert r1, 0, "tab\\t \\x01 \\xe9 \\\\ \\"q\\" {r1}"\n    halt\n');
    assert.equal(decode(s, 0), 'assert r1, 0, "tab\\t \\x01 \\xe9 \\\\ \\"q\\" {r1}"');
    assert.deepEqual(build(`start:\n    ${decode(s, 0)}\n    halt\n`).aux[0], s.aux[0], 'the message reads back as it was');
    const code = new Int32Array(STRIDE);
    code[0] = 9999;
    assert.equal(decode({ code, aux: [], labels: new Map() }, 0), '.word 9999');
    code[0] = Op.BREAK;
    assert.equal(decode({ code, aux: [], labels: new Map() }, 0), 'break');
  });
});

/** Every .mover file of the library, the examples and their tests. */
function programFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['lib', 'lib/tests', 'examples', 'examples/tests']) {
    for (const name of readdirSync(path.join(ROOT, dir)).sort()) if (name.endsWith('.mover')) out.push(path.join(ROOT, dir, name));
  }
  return out;
}

describe('every instruction of every shipped program decodes to its canonical text', () => {
  for (const file of programFiles()) {
    test(path.relative(ROOT, file), () => {
      const r = assemble(file, readFileSync(file, 'utf8'), { host: nodeSourceHost, includePath: [LIB] });
      assert.ok(r.program, r.diagnostics.map((x) => x.message).join('\n'));
      const p = r.program;
      assert.ok(p.length > 0);
      const listing: string[] = [];
      for (let i = 0; i < p.length; i++) {
        const d = decodeInstruction(p, i);
        // The mnemonic is the source's; a label operand names the instruction the word targets.
        assert.equal(d.mnemonic, p.text[i].split(' ')[0].toLowerCase(), `${i}: ${p.text[i]}`);
        for (const [j, f] of FIELDS[d.shape!].entries()) {
          if (f.kind === 'target' && p.labels.has(d.operands[j])) assert.equal(p.labels.get(d.operands[j]), (readField(p.code, i * STRIDE, f) as { index: number }).index);
        }
        // The same text without labels (targets as text addresses) assembles on its own.
        listing.push(`    ${decode({ code: p.code, aux: p.aux, labels: new Map() }, i)}`);
      }
      // The canonical listing assembles to the same words and the same aux, instruction by instruction.
      const again = assemble('/listing.mover', listing.join('\n') + '\n', { host: { readFile: () => undefined } });
      assert.deepEqual(again.diagnostics.filter((x) => x.severity === 'error').map((x) => x.message), []);
      const q = again.program!;
      assert.equal(q.length, p.length);
      for (let i = 0; i < p.length; i++) {
        assert.deepEqual(codeOf(q, i), codeOf(p, i), `${i}: ${p.text[i]}  =>  ${listing[i].trim()}`);
        assert.deepEqual(q.aux[i], p.aux[i], `${i}: ${p.text[i]}`);
      }
    });
  }
});
