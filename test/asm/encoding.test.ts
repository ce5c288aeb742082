// What the assembler produces: the opcode each instruction form selects, the pre-decoded operand words
// of Program.code, the decoded extras in Program.aux, the source map and the canonical text. Every
// documented example in the instruction table assembles.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { INSTRUCTIONS, DIRECTIVES, Op } from '../../emulator/asm/isa';
import { STRIDE, ZERO_REG } from '../../emulator/index';
import { assembleText, build, formatDiag } from '../interp/helpers';

/** The eight words of instruction `i`. */
function words(src: string, i = 0): number[] {
  const p = build(src);
  return Array.from(p.code.subarray(i * STRIDE, (i + 1) * STRIDE));
}

const Z = ZERO_REG;

describe('every form selects its opcode', () => {
  // Each line is assembled after `start:` with `.l` a local label; the opcode is checked.
  const forms: [string, Op][] = [
    ['nop', Op.NOP], ['halt', Op.HALT], ['yield', Op.YIELD],
    ['mov r1, r2', Op.MOV_RR], ['mov r1, 5', Op.MOV_RI], ['mov r1, start', Op.MOV_RI], ['mov r1, cr3', Op.MOV_RC], ['mov cr3, r1', Op.MOV_CR],
    ['lea r1, [r2]', Op.LEA],
    ['ld8 r1, [r2]', Op.LD8], ['ld16 r1, [r2]', Op.LD16], ['ld32 r1, [r2]', Op.LD32], ['ld64 r1, [r2]', Op.LD64],
    ['lds8 r1, [r2]', Op.LDS8], ['lds16 r1, [r2]', Op.LDS16], ['lds32 r1, [r2]', Op.LDS32],
    ['st8 [r1], r2', Op.ST8], ['st16 [r1], r2', Op.ST16], ['st32 [r1], r2', Op.ST32], ['st64 [r1], r2', Op.ST64],
    ['st8 [r1], 1', Op.ST8_I], ['st16 [r1], 1', Op.ST16_I], ['st32 [r1], 1', Op.ST32_I], ['st64 [r1], 1', Op.ST64_I],
    ['not r1, r2', Op.NOT], ['not r1', Op.NOT], ['neg r1, r2', Op.NEG], ['neg r1', Op.NEG],
    ['jmp .l', Op.JMP], ['jmp r1', Op.JMP_R], ['call start', Op.CALL], ['call r1', Op.CALL_R], ['ret', Op.RET],
    ['push r1', Op.PUSH_R], ['push 1', Op.PUSH_I], ['push start', Op.PUSH_I], ['pop r1', Op.POP],
    ['invlpg [r1]', Op.INVLPG], ['flush.range r1, r2', Op.FLUSH_RANGE], ['flush.range 0, 0x1000', Op.FLUSH_RANGE], ['flush.all', Op.FLUSH_ALL],
    ['preempt.off', Op.PREEMPT_OFF], ['preempt.on', Op.PREEMPT_ON], ['spin.lock [r1]', Op.SPIN_LOCK], ['spin.unlock [r1]', Op.SPIN_UNLOCK],
    ['cpuid r1', Op.CPUID], ['tid r1', Op.TID],
    ['bread 0, r1, 1, r2', Op.BREAD], ['bwrite r3, 0, 1, 0x1000', Op.BWRITE], ['vol.new r1, 8', Op.VOL_NEW],
    ['print "x"', Op.PRINT], ['handler start', Op.HANDLER], ['handler 0', Op.HANDLER], ['iret', Op.IRET],
    ['event e, r1, 2', Op.EVENT], ['assert r1, 2, "m"', Op.ASSERT], ['assert r1, r2, "m"', Op.ASSERT],
  ];
  const alu: [string, Op, Op][] = [
    ['add', Op.ADD_RRR, Op.ADD_RRI], ['sub', Op.SUB_RRR, Op.SUB_RRI], ['mul', Op.MUL_RRR, Op.MUL_RRI], ['div', Op.DIV_RRR, Op.DIV_RRI],
    ['mod', Op.MOD_RRR, Op.MOD_RRI], ['idiv', Op.IDIV_RRR, Op.IDIV_RRI], ['imod', Op.IMOD_RRR, Op.IMOD_RRI], ['and', Op.AND_RRR, Op.AND_RRI],
    ['or', Op.OR_RRR, Op.OR_RRI], ['xor', Op.XOR_RRR, Op.XOR_RRI], ['shl', Op.SHL_RRR, Op.SHL_RRI], ['shr', Op.SHR_RRR, Op.SHR_RRI], ['sar', Op.SAR_RRR, Op.SAR_RRI],
  ];
  for (const [m, rrr, rri] of alu) forms.push([`${m} r1, r2, r3`, rrr], [`${m} r1, r2, 3`, rri], [`${m} r1, r3`, rrr], [`${m} r1, 3`, rri]);
  const branches: [string, Op, Op][] = [
    ['beq', Op.BEQ_RR, Op.BEQ_RI], ['bne', Op.BNE_RR, Op.BNE_RI], ['blt', Op.BLT_RR, Op.BLT_RI], ['bge', Op.BGE_RR, Op.BGE_RI],
    ['bgt', Op.BGT_RR, Op.BGT_RI], ['ble', Op.BLE_RR, Op.BLE_RI], ['bltu', Op.BLTU_RR, Op.BLTU_RI], ['bgeu', Op.BGEU_RR, Op.BGEU_RI],
    ['bgtu', Op.BGTU_RR, Op.BGTU_RI], ['bleu', Op.BLEU_RR, Op.BLEU_RI],
  ];
  for (const [m, rr, ri] of branches) forms.push([`${m} r1, r2, .l`, rr], [`${m} r1, -5, .l`, ri], [`${m} r1, 'a', start`, ri]);

  test('the table above names every mnemonic', () => {
    const named = new Set(forms.map(([src]) => src.split(' ')[0]));
    assert.deepEqual(INSTRUCTIONS.map((d) => d.mnemonic).filter((m) => !named.has(m)), []);
  });

  for (const [src, op] of forms) {
    test(src, () => {
      assert.equal(words(`start:\n.l:\n    ${src}\n`)[0], op);
    });
  }

  test('mnemonics and registers are case-insensitive', () => {
    assert.deepEqual(words('start:\n    MOV R1, 5\n'), words('start:\n    mov r1, 5\n'));
    assert.deepEqual(words('start:\n    Ld32 R1, [SP + 8]\n'), words('start:\n    ld32 r1, [sp + 8]\n'));
  });
});

describe('operand words in Program.code', () => {
  const cases: [string, string, number[]][] = [
    ['three registers', 'add r1, r2, r3', [Op.ADD_RRR, 1, 2, 3, 0, 0, 0, 0]],
    ['two-operand form repeats the destination', 'add r1, 5', [Op.ADD_RRI, 1, 1, 5, 0, 0, 0, 0]],
    ['a 64-bit constant as two halves', 'mov r1, 0x1_0000_0002', [Op.MOV_RI, 1, 0, 2, 1, 0, 0, 0]],
    ['-1 in both halves', 'mov r1, -1', [Op.MOV_RI, 1, 0, -1, -1, 0, 0, 0]],
    ['sp and fp are r15 and r14', 'mov fp, sp', [Op.MOV_RR, 14, 15, 0, 0, 0, 0, 0]],
    ['control register numbers', 'mov cr4, r2', [Op.MOV_CR, 4, 2, 0, 0, 0, 0, 0]],
    ['base + index*scale + disp', 'ld32 r1, [r2 + r3*8 + 16]', [Op.LD32, 1, 2, 3, 3, 16, 0, 0]],
    ['scale written first', 'ld32 r1, [4*r3 + r2]', [Op.LD32, 1, 2, 3, 2, 0, 0, 0]],
    ['two unscaled registers: base then index', 'ld32 r1, [r2 + r3]', [Op.LD32, 1, 2, 3, 0, 0, 0, 0]],
    ['index only', 'ld64 r1, [r3*4]', [Op.LD64, 1, Z, 3, 2, 0, 0, 0]],
    ['absolute', 'ld8 r1, [0x2000_0000]', [Op.LD8, 1, Z, Z, 0, 0x2000_0000, 0, 0]],
    ['absolute above 2 GiB wraps into the 32-bit word', 'ld8 r1, [0xF000_0000]', [Op.LD8, 1, Z, Z, 0, -0x1000_0000, 0, 0]],
    ['negative displacement', 'st64 [sp - 8], r3', [Op.ST64, 3, 15, Z, 0, -8, 0, 0]],
    ['constant terms are summed', 'lea r1, [r2 + 8 - 2 + 2*3]', [Op.LEA, 1, 2, Z, 0, 12, 0, 0]],
    ['store of a constant', 'st64 [sp - 8], 0x1_0000_0000', [Op.ST64_I, 0, 15, Z, 0, -8, 0, 1]],
    ['branch register form', 'beq r1, r2, start', [Op.BEQ_RR, 1, 2, 0, 0, 0, 0, 0]],
    ['branch immediate form: target in word 3, value in 4-5', 'blt r1, -2, start', [Op.BLT_RI, 1, 0, 0, -2, -1, 0, 0]],
    ['handler 0 removes the handler', 'handler 0', [Op.HANDLER, 0, 0, -1, 0, 0, 0, 0]],
    ['push of a constant', 'push 0x5_0000_0001', [Op.PUSH_I, 0, 0, 0, 1, 5, 0, 0]],
    ['pop', 'pop r7', [Op.POP, 7, 0, 0, 0, 0, 0, 0]],
    ['invlpg', 'invlpg [r1 + 0x1000]', [Op.INVLPG, 0, 1, Z, 0, 0x1000, 0, 0]],
    ['not with one operand', 'not r4', [Op.NOT, 4, 4, 0, 0, 0, 0, 0]],
  ];
  for (const [name, src, expected] of cases) {
    test(`${name}: ${src}`, () => {
      assert.deepEqual(words(`start:\n    ${src}\n`), expected);
    });
  }

  test('jump and call targets are instruction indexes (text address / 4)', () => {
    const src = 'start:\n    nop\n    nop\nthere:\n    jmp there\n    call there\n    jmp 4\n';
    assert.deepEqual(words(src, 2).slice(0, 4), [Op.JMP, 0, 0, 2]);
    assert.deepEqual(words(src, 3).slice(0, 4), [Op.CALL, 0, 0, 2]);
    assert.deepEqual(words(src, 4).slice(0, 4), [Op.JMP, 0, 0, 1], 'a constant code address: 4 = instruction 1');
  });

  test('Program.aux holds the rarer operands decoded', () => {
    const p = build(`
.volume V, 4096, 4
start:
    bread V, r1, 1, 0x1_0000_0000
    flush.range r2, 0xF000_0000
    print "at {r1:d} on {cpu}: {r2:s}!"
    event cofw, r3, 9
    assert r4, -1, "done"
`);
    assert.deepEqual(p.aux[0], { kind: 'values', values: [{ reg: -1, lo: 0, hi: 0 }, { reg: 1, lo: 0, hi: 0 }, { reg: -1, lo: 1, hi: 0 }, { reg: -1, lo: 0, hi: 1 }] });
    assert.deepEqual(p.aux[1], { kind: 'values', values: [{ reg: 2, lo: 0, hi: 0 }, { reg: -1, lo: -0x1000_0000, hi: 0 }] });
    assert.deepEqual(p.aux[2], { kind: 'print', parts: [
      { kind: 'text', text: 'at ' }, { kind: 'reg', reg: 1, format: 'd' }, { kind: 'text', text: ' on ' }, { kind: 'context', what: 'cpu' },
      { kind: 'text', text: ': ' }, { kind: 'reg', reg: 2, format: 's' }, { kind: 'text', text: '!' },
    ] });
    assert.deepEqual(p.aux[3], { kind: 'event', name: 'cofw', values: [{ reg: 3, lo: 0, hi: 0 }, { reg: -1, lo: 9, hi: 0 }] });
    assert.deepEqual(p.aux[4], { kind: 'assert', message: 'done', values: [{ reg: 4, lo: 0, hi: 0 }, { reg: -1, lo: -1, hi: -1 }] });
  });
});

describe('source map and text', () => {
  test('every instruction maps to its file, line and column; labels and comments are not instructions', () => {
    const r = assembleText(`; a comment line
start:  mov r1, 1      ; comment
.a: .b:
        add   r1,  r1,2
.equ K, 3
        .include "lib.mover"
        halt
`, { files: { 'lib.mover': 'helper:\n    ret ; back\n' } });
    assert.deepEqual(r.diagnostics, []);
    const p = r.program!;
    assert.equal(p.length, 4);
    assert.deepEqual(p.text, ['mov r1, 1', 'add r1, r1,2', 'ret', 'halt']);
    const where = Array.from({ length: p.length }, (_, i) => [p.files[p.srcFile[i]].split('/').pop(), p.srcLine[i] + 1, p.srcCol[i] + 1]);
    assert.deepEqual(where, [['main.mover', 2, 9], ['main.mover', 4, 9], ['lib.mover', 2, 5], ['main.mover', 7, 9]]);
    assert.deepEqual([...p.labels], [['start', 0], ['start.a', 1], ['start.b', 1], ['helper', 2]]);
  });

  test('a label on a directive line marks the next instruction', () => {
    const p = build('start:\n    nop\nnext: .equ X, 1\n    halt\n');
    assert.equal(p.labels.get('next'), 1);
  });
});

describe('threads, volumes, objects', () => {
  test('.thread: entry, cpu and default stacks of 64 KiB below 0x0100_0000 in declaration order', () => {
    const p = build(`
.thread a, start
.thread b, other, cpu=1
.thread c, start, cpu=1, stack=0x0080_0000
start:
    halt
other:
    halt
`);
    assert.deepEqual(p.threads.map((t) => [t.name, t.entry, t.cpu, t.stack]), [
      ['a', 0, 0, 0x0100_0000], ['b', 1, 1, 0x00ff_0000], ['c', 0, 1, 0x0080_0000],
    ]);
  });

  test('.volume numbers volumes from 0; the name is the number', () => {
    const p = build('.volume A, 4096, 8\n.volume B, 512, 2\nstart:\n    mov r1, B\n    halt\n');
    assert.deepEqual(p.volumes.map((v) => [v.name, v.id, v.blockSize, v.blocks]), [['A', 0, 4096, 8], ['B', 1, 512, 2]]);
    assert.deepEqual(Array.from(p.code.subarray(0, 5)), [Op.MOV_RI, 1, 0, 1, 0]);
  });

  test('.object names typed data in a space; its name is the address', () => {
    const p = build('.struct pair\n    a u32\n    b u32\n.endstruct\n.object p, pair, vs1:0x2000_0040\nstart:\n    ld32 r1, [p + pair.b]\n    halt\n');
    assert.deepEqual(p.objects.map((o) => [o.name, o.type, o.space, o.va]), [['p', 'pair', 'VS1', 0x2000_0040]]);
    assert.equal(p.code[5], 0x2000_0044);
  });
});

test('every example in the instruction and directive tables assembles', () => {
  // The examples refer to names a real program would define: give them definitions.
  const prelude = `
.struct dnlc_entry
    next   ptr
    parent u32
    inode  u32
    name   u8[24]
.endstruct
.struct dnlc_table
    count  u32
.endstruct
.equ dnlc_entry_size, sizeof(dnlc_entry)
.volume CLONE, 4096, 64
.org vs0:0x0030_0000
dnlc_lock: .word 0
label: .word 0
`;
  const body: string[] = ['dnlc_lookup:', 'on_fault:', 't_lookup:', 'start:', '.loop:', '.done:'];
  for (const d of INSTRUCTIONS) for (const line of d.example.split('\n')) body.push(`    ${line}`);
  const directives = DIRECTIVES.filter((d) => !['.include', '.thread', '.org', '.object', '.struct', '.equ', '.volume'].includes(d.name)).map((d) => d.example);
  const src = `${prelude}\n${directives.join('\n')}\n.org vs1:0x3000_0000\n.object dnlc, dnlc_table, vs1:0x2000_0000\n.thread main, start, cpu=0\n${body.join('\n')}\n`;
  const r = assembleText(src);
  assert.deepEqual(r.diagnostics.map((d) => formatDiag(d, r.files)), []);
  const inc = assembleText('.include "vsgate.mover"\nstart:\n    halt\n');
  assert.deepEqual(inc.diagnostics, [], 'the .include example finds the library');
});
