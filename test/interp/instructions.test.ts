// The semantics of every instruction, run through the interpreter. Expected values are worked out by
// hand (64-bit two's complement, little-endian memory), not by a second implementation. The last test
// checks that the programs here use every opcode the assembler can produce.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { INSTRUCTIONS } from '../../emulator/asm/isa';
import { CR0_PE, CR4_PAE, CR4_PGE } from '../../emulator/index';
import { enter, load, opcodesSeen, pcOf, pteAddress, regsAfter, run, u64 } from './helpers';

/** Runs `body` as the only thread and returns its registers. */
function regs(body: string): bigint[] {
  return regsAfter(`start:\n${body}\n    halt\n`);
}

const M1 = 0xffff_ffff_ffff_ffffn; // -1

describe('data movement', () => {
  test('mov: registers and 64-bit constants (no sign extension of 32-bit values)', () => {
    const r = regs(`
    mov r1, 0x1_0000_0000
    mov r2, -1
    mov r3, 0x8000_0000
    mov r4, r1
    mov r5, 'A'
    mov r6, 0x1234_5678_9ABC_DEF0
    mov r7, later
    mov r8, 2 + 3 * 4
later:
    nop`);
    assert.equal(r[1], 0x1_0000_0000n);
    assert.equal(r[2], M1);
    assert.equal(r[3], 0x8000_0000n);
    assert.equal(r[4], 0x1_0000_0000n);
    assert.equal(r[5], 65n);
    assert.equal(r[6], 0x1234_5678_9abc_def0n);
    assert.equal(r[7], 8n * 4n, 'a code label is its text address: instruction 8 is at 8 * 4');
    assert.equal(r[8], 14n);
  });

  test('mov from control registers: the boot state is CR0 = PE, CR4 = PAE | PGE, CR2 = CR3 = 0', () => {
    const r = regs(`
    mov r1, cr0
    mov r2, cr2
    mov r3, cr3
    mov r4, cr4`);
    assert.equal(r[1], BigInt(CR0_PE));
    assert.equal(r[2], 0n);
    assert.equal(r[3], 0n);
    assert.equal(r[4], BigInt(CR4_PAE | CR4_PGE));
    assert.equal(r[4], 0xa0n);
  });

  test('mov to CR2 and CR3 (paging off: CR3 is only stored); CR3 keeps 32 bits', () => {
    const r = regs(`
    mov r1, 0x1234
    mov cr2, r1
    mov r2, cr2
    mov r1, VS1_CR3
    mov cr3, r1
    mov r3, cr3`);
    assert.equal(r[2], 0x1234n);
    assert.equal(r[3], 0xef00_0000n);
  });

  test('mov to a control register with bits above 31 is a #GP and changes nothing', () => {
    const s = run('start:\n    mov r1, 0x1_0000_0000\n    mov cr3, r1\n    halt\n');
    assert.equal(s.stop.kind, 'fault');
    assert.ok(s.stop.kind === 'fault' && s.stop.fault.kind === 'general-protection');
    assert.equal(s.stop.kind === 'fault' && s.stop.pc, 1);
    assert.equal(s.machine.processors[0].cr3, 0);
  });

  test('mov cr0 with PG but without PE is a #GP', () => {
    const s = run('start:\n    mov r1, CR0_PG\n    mov cr0, r1\n    halt\n');
    assert.ok(s.stop.kind === 'fault' && s.stop.fault.kind === 'general-protection' && /PE/.test(s.stop.fault.message));
  });

  test('mov cr4 with reserved bit 31 and mov cr0 with NW but not CD are #GP at the mov, and change nothing', () => {
    const s4 = run('start:\n    mov r1, cr4\n    or r1, r1, 0x8000_0000\n    mov cr4, r1\n    halt\n');
    assert.ok(s4.stop.kind === 'fault' && s4.stop.fault.kind === 'general-protection' && /reserved/.test(s4.stop.fault.message));
    assert.equal(s4.stop.kind === 'fault' && s4.stop.pc, 2);
    assert.equal(s4.machine.processors[0].cr4 & 0x8000_0000, 0);
    const s0 = run('start:\n    mov r1, cr0\n    or r1, r1, 0x2000_0000\n    mov cr0, r1\n    halt\n');
    assert.ok(s0.stop.kind === 'fault' && s0.stop.fault.kind === 'general-protection' && /NW/.test(s0.stop.fault.message));
    assert.equal(s0.machine.processors[0].cr0 & 0x2000_0000, 0);
  });

  test('lea: base + index*scale + disp, 32 bits, memory untouched', () => {
    const r = regs(`
    mov r1, 0x1000
    mov r2, 3
    lea r3, [r1 + r2*8 + 16]
    lea r4, [r1 - 8]
    lea r5, [r2*4]
    lea r6, [0x2000_0000]
    lea r7, [8*r2 + r1]
    mov r8, 0xFFFF_FFF0
    lea r9, [r8 + 0x20]
    mov r10, 0x1_0000_0010
    lea r11, [r10]
    lea r12, [r1 + r2]
    lea r13, [r2*2 + r1 + 1]`);
    assert.equal(r[3], 0x1028n, '0x1000 + 24 + 16');
    assert.equal(r[4], 0xff8n);
    assert.equal(r[5], 12n);
    assert.equal(r[6], 0x2000_0000n);
    assert.equal(r[7], 0x1018n);
    assert.equal(r[9], 0x10n, 'wraps at 32 bits');
    assert.equal(r[11], 0x10n, 'a VA is the low 32 bits of the register');
    assert.equal(r[12], 0x1003n);
    assert.equal(r[13], 0x1007n);
  });
});

describe('memory: loads and stores', () => {
  const BUF = '0x0030_0000'; // C1: the same PA in every space

  test('widths, zero and sign extension, little-endian order', () => {
    const r = regs(`
    mov r1, ${BUF}
    mov r2, 0x8877_6655_4433_2211
    st64 [r1], r2
    ld8 r3, [r1]
    ld16 r4, [r1]
    ld32 r5, [r1]
    ld64 r6, [r1]
    ld8 r7, [r1 + 7]
    lds8 r8, [r1 + 7]
    lds16 r9, [r1 + 6]
    lds32 r10, [r1 + 4]
    lds8 r11, [r1]
    ld32 r12, [r1 + 4]
    lds16 r13, [r1]`);
    assert.equal(r[3], 0x11n);
    assert.equal(r[4], 0x2211n);
    assert.equal(r[5], 0x4433_2211n);
    assert.equal(r[6], 0x8877_6655_4433_2211n);
    assert.equal(r[7], 0x88n);
    assert.equal(r[8], 0xffff_ffff_ffff_ff88n);
    assert.equal(r[9], 0xffff_ffff_ffff_8877n);
    assert.equal(r[10], 0xffff_ffff_8877_6655n);
    assert.equal(r[11], 0x11n, 'a positive byte stays positive');
    assert.equal(r[12], 0x8877_6655n, 'ld32 zero-extends');
    assert.equal(r[13], 0x2211n);
  });

  test('stores write only their width: registers and immediates', () => {
    const r = regs(`
    mov r1, ${BUF}
    st64 [r1], -1
    st8 [r1], 0x1AB
    st16 [r1 + 2], 0
    mov r2, 0x1_2345_6789
    st32 [r1 + 4], r2
    ld64 r3, [r1]
    st64 [r1 + 8], 0x1_0000_0000
    ld64 r4, [r1 + 8]
    mov r5, 0xCAFE
    st16 [r1 + 16], r5
    st8 [r1 + 18], r5
    ld32 r6, [r1 + 16]
    st32 [r1 + 24], 0xDEAD_BEEF
    lds32 r7, [r1 + 24]`);
    assert.equal(r[3], 0x2345_6789_0000_ffabn, 'byte 0 = 0xAB, byte 1 = 0xFF, bytes 2-3 = 0, bytes 4-7 = low half of r2');
    assert.equal(r[4], 0x1_0000_0000n);
    assert.equal(r[6], 0x00fe_cafen);
    assert.equal(r[7], 0xffff_ffff_dead_beefn);
  });

  test('addressing forms in loads and stores', () => {
    const r = regsAfter(`
.org vs0:0x0030_0000
table: .quad 10, 20, 30, 40
start:
    mov r1, table
    mov r2, 2
    ld64 r3, [r1 + r2*8]
    ld64 r4, [table + 8]
    ld64 r5, [r2*8 + table]
    ld64 r6, [r1 + r2*8 + 8]
    ld64 r7, [r1 + 32 - 8]
    lea r8, [r1 + 16]
    ld64 r9, [r8 - 16]
    ld64 r10, [0x0030_0000]
    halt
`);
    assert.deepEqual(r.slice(3, 8), [30n, 20n, 30n, 40n, 40n]);
    assert.equal(r[9], 10n);
    assert.equal(r[10], 10n);
  });

  test('accesses crossing a page boundary (VS0: contiguous physical pages)', () => {
    const r = regs(`
    mov r1, 0x0030_0FFC
    mov r2, 0x0102_0304_0506_0708
    st64 [r1], r2
    ld64 r3, [r1]
    ld32 r4, [r1 + 2]
    ld16 r5, [r1 + 3]
    st32 [r1 + 1], 0xAABB_CCDD
    ld64 r6, [r1]`);
    assert.equal(r[3], 0x0102_0304_0506_0708n);
    assert.equal(r[4], 0x0304_0506n);
    assert.equal(r[5], 0x0405n);
    assert.equal(r[6], 0x0102_03aa_bbcc_dd08n);
  });

  test('a page-crossing access in VS1 splits between C1 and C4 (non-adjacent physical pages)', () => {
    const s = run(`start:${enter('VS1')}
    mov r1, 0x1FFF_FFFC
    mov r2, 0x1122_3344_5566_7788
    st64 [r1], r2
    ld64 r3, [r1]
    lds16 r4, [r1 + 3]
    halt
`);
    assert.deepEqual(s.stop, { kind: 'halted' });
    const t = s.interp.threads[0];
    assert.equal(s.interp.register(t, 3), 0x1122_3344_5566_7788n);
    assert.equal(s.interp.register(t, 4), 0x4455n, 'byte 3 in C1 (0x55), byte 4 in C4 (0x44)');
    // The low four bytes end C1 (VA = PA there); the high four start C4 at 4 GiB.
    assert.equal(s.machine.memory.read32(0x1fff_fffc), 0x5566_7788);
    assert.equal(s.machine.memory.read32(0x1_0000_0000), 0x1122_3344);
    assert.equal(s.machine.memory.read32(0x2000_0000), 0, 'C2 is not touched');
  });

  test('the fast 32-bit path at the last whole word of a page and the slow path one byte later', () => {
    const r = regs(`
    mov r1, 0x0030_0FFC
    st32 [r1], 0x1122_3344
    ld32 r2, [r1]
    st32 [r1 + 1], 0x5566_7788
    ld32 r3, [r1 + 1]
    ld32 r4, [r1]`);
    assert.equal(r[2], 0x1122_3344n);
    assert.equal(r[3], 0x5566_7788n);
    assert.equal(r[4], 0x6677_8844n);
  });
});

describe('arithmetic (64-bit, two 32-bit halves)', () => {
  test('add: carries from the low half into the high half; wraps at 2^64', () => {
    const r = regs(`
    mov r1, 0xFFFF_FFFF
    mov r2, 1
    add r3, r1, r2
    add r4, r1, 1
    add r5, r1, 0xFFFF_FFFF
    mov r6, -1
    add r6, r6, 1
    mov r7, 0x7FFF_FFFF_FFFF_FFFF
    add r7, 1
    mov r8, 0x1_0000_0000
    add r8, r8, -1
    mov r9, 0x8000_0000
    add r9, r9, r9
    mov r10, 5
    add r10, r2`);
    assert.equal(r[3], 0x1_0000_0000n);
    assert.equal(r[4], 0x1_0000_0000n);
    assert.equal(r[5], 0x1_ffff_fffen);
    assert.equal(r[6], 0n);
    assert.equal(r[7], 0x8000_0000_0000_0000n);
    assert.equal(r[8], 0xffff_ffffn);
    assert.equal(r[9], 0x1_0000_0000n);
    assert.equal(r[10], 6n);
  });

  test('sub: borrows from the high half', () => {
    const r = regs(`
    mov r1, 0x1_0000_0000
    sub r2, r1, 1
    mov r3, 0
    sub r3, r3, 1
    mov r4, 5
    mov r5, 7
    sub r6, r4, r5
    sub r7, r5, r4
    mov r8, 0x8000_0000_0000_0000
    sub r8, 1
    mov r9, 0x2_0000_0000
    sub r9, r9, r1`);
    assert.equal(r[2], 0xffff_ffffn);
    assert.equal(r[3], M1);
    assert.equal(r[6], u64(-2n));
    assert.equal(r[7], 2n);
    assert.equal(r[8], 0x7fff_ffff_ffff_ffffn);
    assert.equal(r[9], 0x1_0000_0000n);
  });

  test('mul keeps the low 64 bits of the product', () => {
    const r = regs(`
    mov r1, 0xFFFF_FFFF
    mul r2, r1, r1
    mov r3, 0x1_0000_0001
    mul r4, r3, r3
    mov r5, -1
    mul r5, r5, 3
    mov r6, 0x8000_0000_0000_0000
    mul r6, r6, 2
    mov r7, 0x1234_5678_9ABC_DEF0
    mul r7, r7, 0x1_0000
    mov r8, 6
    mul r8, 7
    mov r9, -4
    mov r10, -5
    mul r11, r9, r10
    mov r12, 0x1_0000_0000
    mul r12, r12, r12`);
    assert.equal(r[2], 0xffff_fffe_0000_0001n);
    assert.equal(r[4], 0x0000_0002_0000_0001n, '(2^32 + 1)^2 = 2^64 + 2^33 + 1');
    assert.equal(r[5], u64(-3n));
    assert.equal(r[6], 0n);
    assert.equal(r[7], 0x5678_9abc_def0_0000n);
    assert.equal(r[8], 42n);
    assert.equal(r[11], 20n);
    assert.equal(r[12], 0n);
  });

  test('div and mod are unsigned; idiv and imod are signed and round toward zero', () => {
    const r = regs(`
    mov r1, 100
    div r2, r1, 7
    mod r3, r1, 7
    mov r4, -1
    div r5, r4, 2
    mov r6, -7
    mod r7, r6, 2
    idiv r8, r6, 2
    imod r9, r6, 2
    mov r10, 7
    mov r11, -2
    idiv r12, r10, r11
    imod r13, r10, r11
    idiv r0, r6, r11`);
    assert.equal(r[2], 14n);
    assert.equal(r[3], 2n);
    assert.equal(r[5], 0x7fff_ffff_ffff_ffffn);
    assert.equal(r[7], 1n, '2^64 - 7 is odd');
    assert.equal(r[8], u64(-3n), '-7 / 2 = -3 (toward zero)');
    assert.equal(r[9], u64(-1n), 'the remainder has the sign of the dividend');
    assert.equal(r[12], u64(-3n));
    assert.equal(r[13], 1n);
    assert.equal(r[0], 3n, '-7 / -2 = 3');
  });

  test('idiv of the most negative value by -1 wraps (no overflow trap)', () => {
    const r = regs(`
    mov r1, 0x8000_0000_0000_0000
    idiv r2, r1, -1
    imod r3, r1, -1`);
    assert.equal(r[2], 0x8000_0000_0000_0000n);
    assert.equal(r[3], 0n);
  });

  for (const op of ['div', 'mod', 'idiv', 'imod']) {
    test(`${op} by zero stops with a divide error at the instruction, which does not complete`, () => {
      const s = run(`start:\n    mov r1, 9\n    mov r2, 0\n    ${op} r1, r1, r2\n    halt\n`);
      assert.equal(s.stop.kind, 'fault');
      assert.ok(s.stop.kind === 'fault');
      assert.deepEqual(s.stop.fault, { kind: 'divide-error' });
      assert.equal(s.stop.pc, 2);
      assert.equal(s.interp.threads[0].pc, 2);
      assert.equal(s.interp.register(s.interp.threads[0], 1), 9n);
      const imm = run(`start:\n    ${op} r1, r1, 0\n    halt\n`);
      assert.ok(imm.stop.kind === 'fault' && imm.stop.fault.kind === 'divide-error');
    });
  }

  test('neg and not, both forms', () => {
    const r = regs(`
    mov r1, 1
    neg r2, r1
    mov r3, 0
    neg r3
    mov r4, 0x1_0000_0000
    neg r5, r4
    mov r6, 0x8000_0000_0000_0000
    neg r6
    not r7, r3
    mov r8, 0xFFFF_0000_0000_FFFF
    not r8`);
    assert.equal(r[2], M1);
    assert.equal(r[3], 0n);
    assert.equal(r[5], 0xffff_ffff_0000_0000n);
    assert.equal(r[6], 0x8000_0000_0000_0000n);
    assert.equal(r[7], M1);
    assert.equal(r[8], 0x0000_ffff_ffff_0000n);
  });
});

describe('logic', () => {
  test('and, or, xor across both halves', () => {
    const r = regs(`
    mov r1, 0xF0F0_F0F0_0F0F_0F0F
    mov r2, 0xFFFF_0000_FFFF_0000
    and r3, r1, r2
    and r4, r1, 0xFF
    or r5, r1, r2
    or r6, r1, 0x1_0000_0000
    xor r7, r1, r2
    xor r8, r1, r1
    mov r9, 0x8000_0011
    and r9, r9, ~CR0_PG
    mov r10, 0xF
    or r10, 0x30
    xor r10, 0xFF`);
    assert.equal(r[3], 0xf0f0_0000_0f0f_0000n);
    assert.equal(r[4], 0x0fn);
    assert.equal(r[5], 0xffff_f0f0_ffff_0f0fn);
    assert.equal(r[6], 0xf0f0_f0f1_0f0f_0f0fn);
    assert.equal(r[7], 0x0f0f_f0f0_f0f0_0f0fn);
    assert.equal(r[8], 0n);
    assert.equal(r[9], 0x11n, '~CR0_PG is 0xFFFF_FFFF_7FFF_FFFF');
    assert.equal(r[10], 0xc0n);
  });

  test('shl by 0, 31, 32, 63 and 64 (the count is taken modulo 64)', () => {
    const r = regs(`
    mov r1, 1
    shl r2, r1, 0
    shl r3, r1, 31
    shl r4, r1, 32
    shl r5, r1, 63
    shl r6, r1, 64
    mov r7, 0x8000_0001
    shl r7, r7, 1
    mov r8, 0xFFFF_FFFF_FFFF_FFFF
    shl r8, r8, 36
    mov r9, 33
    shl r10, r1, r9
    mov r11, 0x1_0000_0040
    shl r12, r1, r11`);
    assert.equal(r[2], 1n);
    assert.equal(r[3], 0x8000_0000n);
    assert.equal(r[4], 0x1_0000_0000n);
    assert.equal(r[5], 0x8000_0000_0000_0000n);
    assert.equal(r[6], 1n);
    assert.equal(r[7], 0x1_0000_0002n, 'bit 31 carries into bit 32');
    assert.equal(r[8], 0xffff_fff0_0000_0000n);
    assert.equal(r[10], 0x2_0000_0000n);
    assert.equal(r[12], 1n, 'a register count uses its low 6 bits: 0x40 -> 0');
  });

  test('shr (logical) by 0, 1, 31, 32, 63', () => {
    const r = regs(`
    mov r1, 0x8000_0000_0000_0000
    shr r2, r1, 0
    shr r3, r1, 63
    shr r4, r1, 32
    shr r5, r1, 31
    mov r6, 0x1_0000_0000
    shr r6, r6, 1
    mov r7, -1
    mov r8, 4
    shr r9, r7, r8`);
    assert.equal(r[2], 0x8000_0000_0000_0000n);
    assert.equal(r[3], 1n);
    assert.equal(r[4], 0x8000_0000n);
    assert.equal(r[5], 0x1_0000_0000n);
    assert.equal(r[6], 0x8000_0000n, 'bit 32 moves into the low half');
    assert.equal(r[9], 0x0fff_ffff_ffff_ffffn);
  });

  test('sar (arithmetic) by 0, 1, 31, 32, 63', () => {
    const r = regs(`
    mov r1, 0x8000_0000_0000_0000
    sar r2, r1, 0
    sar r3, r1, 63
    sar r4, r1, 32
    sar r5, r1, 31
    mov r6, 0x4000_0000_0000_0000
    sar r6, r6, 62
    mov r7, -16
    sar r7, r7, 2
    mov r8, 0x1_0000_0000
    sar r8, r8, 1
    mov r9, 0xFFFF_FFFF_0000_0000
    mov r10, 32
    sar r9, r9, r10
    mov r11, -2
    sar r11, r10`);
    assert.equal(r[2], 0x8000_0000_0000_0000n);
    assert.equal(r[3], M1);
    assert.equal(r[4], 0xffff_ffff_8000_0000n);
    assert.equal(r[5], 0xffff_ffff_0000_0000n);
    assert.equal(r[6], 1n);
    assert.equal(r[7], u64(-4n));
    assert.equal(r[8], 0x8000_0000n);
    assert.equal(r[9], M1);
    assert.equal(r[11], M1, '-2 >> 32 (two-operand register form)');
  });
});

describe('compares and branches', () => {
  const mnemonics = ['beq', 'bne', 'blt', 'bge', 'bgt', 'ble', 'bltu', 'bgeu', 'bgtu', 'bleu'];
  // a, b, then taken (1) or not (0) for each mnemonic above, in order; worked out by hand.
  const table: [string, string, string][] = [
    ['1', '2', '0110011001'],
    ['2', '1', '0101100110'],
    ['2', '2', '1001010101'],
    ['-1', '1', '0110010110'], // signed -1 < 1; unsigned 0xFFFF...FFFF > 1
    ['1', '-1', '0101101001'],
    ['0x8000_0000', '0x7FFF_FFFF', '0101100110'], // positive in 64 bits: bit 31 is not a sign
    ['0x1_0000_0000', '0xFFFF_FFFF', '0101100110'],
    ['-1', '-2', '0101100110'],
    ['0x8000_0000_0000_0000', '0x7FFF_FFFF_FFFF_FFFF', '0110010110'], // most negative vs most positive
    ['0xFFFF_FFFF_0000_0000', '0xFFFF_FFFF_0000_0001', '0110011001'], // same high half, low halves decide
    ['0', '0x8000_0000_0000_0000', '0101101001'],
  ];
  for (const [a, b, bits] of table) {
    test(`${a} vs ${b}: register and immediate forms`, () => {
      const lines: string[] = ['start:', `    mov r1, ${a}`, `    mov r2, ${b}`, '    mov r0, 0', '    mov r3, 0'];
      mnemonics.forEach((m, i) => {
        lines.push(`    ${m} r1, r2, .t${i}`, `    jmp .n${i}`, `.t${i}:`, `    or r0, r0, ${1 << i}`, `.n${i}:`);
        lines.push(`    ${m} r1, ${b}, .u${i}`, `    jmp .m${i}`, `.u${i}:`, `    or r3, r3, ${1 << i}`, `.m${i}:`);
      });
      lines.push('    halt');
      const r = regsAfter(lines.join('\n'));
      const expected = BigInt([...bits].reduce((acc, c, i) => acc + (c === '1' ? 1 << i : 0), 0));
      const show = (v: bigint) => mnemonics.filter((_, i) => (v >> BigInt(i)) & 1n).join(' ');
      assert.equal(show(r[0]), show(expected), 'register form');
      assert.equal(show(r[3]), show(expected), 'immediate form');
    });
  }

  test('a backward branch loops; jmp to a label and to a register', () => {
    const r = regs(`
    mov r1, 0
    mov r2, 0
.loop:
    add r2, r2, r1
    add r1, r1, 1
    bne r1, 10, .loop
    mov r3, .skip
    jmp r3
    mov r2, 999
.skip:
    jmp .end
    mov r2, 998
.end:
    nop`);
    assert.equal(r[2], 45n);
    assert.equal(r[1], 10n);
  });

  test('jmp to a register that holds no instruction address is a bad-jump fault', () => {
    for (const [target, expected] of [['3', 3], ['4000', 4000], ['0x1_0000_0000', 0]] as const) {
      const s = run(`start:\n    mov r1, ${target}\n    jmp r1\n    halt\n`);
      assert.ok(s.stop.kind === 'fault', target);
      assert.deepEqual(s.stop.fault, { kind: 'bad-jump', target: expected });
      assert.equal(s.stop.pc, 1);
    }
  });
});

describe('calls and the stack', () => {
  test('call pushes the return address (text address of the next instruction) and ret pops it', () => {
    const s = run(`
start:
    mov r1, sp
    call f
    mov r3, sp
    halt
f:
    mov r0, 7
    mov r2, sp
    ret
`);
    assert.deepEqual(s.stop, { kind: 'halted' });
    const t = s.interp.threads[0];
    const reg = (n: number) => s.interp.register(t, n);
    assert.equal(reg(1), 0x0100_0000n, 'thread 0 starts with sp at the top of its 64 KiB stack in C1');
    assert.equal(reg(2), 0x00ff_fff8n);
    assert.equal(reg(3), 0x0100_0000n);
    assert.equal(reg(0), 7n);
    assert.equal(s.machine.memory.read64(0x00ff_fff8), 8n, 'return to instruction 2 = text address 8');
    assert.deepEqual(t.frames, []);
  });

  test('call through a register; nested calls; the debugger\'s frames', () => {
    const s = load(`
start:
    mov r1, f
    call r1
    halt
f:
    call g
    ret
g:
    nop
    ret
`);
    s.interp.setBreakpoints([pcOf(s.program, 'nop')]);
    const stop = s.interp.run(100);
    assert.equal(stop.kind, 'breakpoint');
    const frames = s.interp.threads[0].frames;
    assert.deepEqual(frames.map((f) => [f.callPc, f.entry]), [[1, 3], [3, 5]]);
    assert.equal(frames[1].sp, 0x00ff_fff0, 'sp after the push of the second call');
    assert.deepEqual(s.interp.run(100), { kind: 'halted' });
    assert.deepEqual(s.interp.threads[0].frames, []);
  });

  test('push and pop of registers and 64-bit constants', () => {
    const r = regs(`
    mov r1, 0x1122_3344_5566_7788
    push r1
    push 0x1_0000_0002
    push -1
    mov r2, sp
    pop r3
    pop r4
    pop r5
    mov r6, sp`);
    assert.equal(r[2], 0x0100_0000n - 24n);
    assert.equal(r[3], M1);
    assert.equal(r[4], 0x1_0000_0002n);
    assert.equal(r[5], 0x1122_3344_5566_7788n);
    assert.equal(r[6], 0x0100_0000n);
  });

  test('ret to something that is not a return address is a bad-jump fault', () => {
    const s = run('start:\n    push 6\n    ret\n');
    assert.ok(s.stop.kind === 'fault');
    assert.deepEqual(s.stop.fault, { kind: 'bad-jump', target: 6 });
    assert.equal(s.stop.pc, 1);
  });

  test('a stack pointer that is not 8-byte aligned across a page is a #GP', () => {
    const s = run('start:\n    mov sp, 0x0030_0004\n    push 1\n    halt\n');
    assert.ok(s.stop.kind === 'fault' && s.stop.fault.kind === 'general-protection');
    assert.match(s.stop.fault.message, /not 8-byte aligned/);
  });
});

describe('paging and TLB instructions', () => {
  // VA 0x2000_0000 in VS1 maps C4's first page (PA 0x1_0000_0000). The test re-points its PTE at the
  // next page while the program is stopped; until a flush the processor keeps the stale translation.
  const stale = (flush: string) => `
.org vs1:0x2000_0000
    .quad 0xAAAA
.org vs1:0x2000_1000
    .quad 0xBBBB
start:${enter('VS1')}
    mov r3, 0x2000_0000
    ld64 r4, [r3]
    nop
    ld64 r5, [r3]
    ${flush}
    ld64 r6, [r3]
    halt
`;
  function staleRun(flush: string): bigint[] {
    const s = load(stale(flush));
    s.interp.setBreakpoints([pcOf(s.program, 'nop')]);
    assert.equal(s.interp.run(1000).kind, 'breakpoint');
    const pte = pteAddress(s.machine, 'VS1', 0x2000_0000);
    assert.equal(s.machine.memory.read32(pte + 4), 1, 'the frame is in C4, above 4 GiB');
    s.machine.memory.write32(pte, s.machine.memory.read32(pte) + 0x1000);
    assert.deepEqual(s.interp.run(1000), { kind: 'halted' });
    const t = s.interp.threads[0];
    return [4, 5, 6].map((n) => s.interp.register(t, n));
  }

  test('without a flush the stale translation is used', () => {
    assert.deepEqual(staleRun('nop'), [0xaaaan, 0xaaaan, 0xaaaan]);
  });
  test('invlpg drops the page', () => {
    assert.deepEqual(staleRun('invlpg [r3]'), [0xaaaan, 0xaaaan, 0xbbbbn]);
    assert.deepEqual(staleRun('invlpg [r3 + 0xFFF]'), [0xaaaan, 0xaaaan, 0xbbbbn]);
    assert.deepEqual(staleRun('invlpg [r3 + 0x1000]'), [0xaaaan, 0xaaaan, 0xaaaan], 'another page');
  });
  test('flush.range drops the pages in [start, end)', () => {
    assert.deepEqual(staleRun('flush.range 0x2000_0000, 0xF000_0000'), [0xaaaan, 0xaaaan, 0xbbbbn]);
    assert.deepEqual(staleRun('flush.range r3, 0x2000_1000'), [0xaaaan, 0xaaaan, 0xbbbbn]);
    assert.deepEqual(staleRun('flush.range 0x2000_1000, 0xF000_0000'), [0xaaaan, 0xaaaan, 0xaaaan], 'range starts after the page');
  });
  test('flush.all and a CR3 load drop it too', () => {
    assert.deepEqual(staleRun('flush.all'), [0xaaaan, 0xaaaan, 0xbbbbn]);
    assert.deepEqual(staleRun('mov r7, cr3\n    mov cr3, r7'), [0xaaaan, 0xaaaan, 0xbbbbn]);
  });
  test('flush.range with start > end or beyond 4 GiB is a #GP', () => {
    for (const args of ['0x3000, 0x2000', '0, 0x1_0000_0001']) {
      const s = run(`start:\n    flush.range ${args}\n    halt\n`);
      assert.ok(s.stop.kind === 'fault' && s.stop.fault.kind === 'general-protection', args);
    }
    assert.deepEqual(run('start:\n    flush.range 0, 0x1_0000_0000\n    halt\n').stop, { kind: 'halted' });
  });
});

describe('processor and threads', () => {
  test('nop, cpuid and tid', () => {
    const s = run(`
.thread a, start, cpu=0
.thread b, start, cpu=1
start:
    nop
    cpuid r1
    tid r2
    halt
`, { cpus: 2 });
    assert.deepEqual(s.stop, { kind: 'halted' });
    const [a, b] = s.interp.threads;
    assert.deepEqual([s.interp.register(a, 1), s.interp.register(a, 2)], [0n, 0n]);
    assert.deepEqual([s.interp.register(b, 1), s.interp.register(b, 2)], [1n, 1n]);
    assert.equal(a.retired, 4);
  });

  test('preempt.off and preempt.on count; below zero is a fault', () => {
    const s = load('start:\n    preempt.off\n    preempt.off\n    preempt.on\n    nop\n    preempt.on\n    preempt.on\n    halt\n');
    s.interp.setBreakpoints([3]);
    assert.equal(s.interp.run(100).kind, 'breakpoint');
    assert.equal(s.machine.processors[0].preemptCount, 1);
    const stop = s.interp.run(100);
    assert.ok(stop.kind === 'fault');
    assert.deepEqual(stop.fault, { kind: 'preempt-underflow' });
    assert.equal(stop.pc, 5);
    assert.equal(s.machine.processors[0].preemptCount, 0);
  });

  test('spin.lock writes thread + 1 and counts; spin.unlock writes 0 and uncounts', () => {
    const s = load(`
.thread first, idle
.thread second, start
idle:
    halt
start:
    mov r1, 0x0030_0000
    spin.lock [r1]
    ld32 r2, [r1]
    nop
    spin.unlock [r1]
    ld32 r3, [r1]
    halt
`);
    s.interp.setBreakpoints([pcOf(s.program, 'nop')]);
    assert.equal(s.interp.run(100).kind, 'breakpoint');
    assert.equal(s.machine.processors[0].preemptCount, 1);
    assert.deepEqual(s.interp.run(100), { kind: 'halted' });
    const t = s.interp.threads[1];
    assert.equal(s.interp.register(t, 2), 2n, 'thread 1 writes 2');
    assert.equal(s.interp.register(t, 3), 0n);
    assert.equal(s.machine.processors[0].preemptCount, 0);
  });

  test('spin.lock on a held lock spins on the same instruction', () => {
    const s = load('start:\n    mov r1, 0x0030_0000\n    st32 [r1], 5\n    spin.lock [r1]\n    halt\n');
    assert.deepEqual(s.interp.run(50), { kind: 'budget' });
    assert.equal(s.interp.threads[0].pc, 2);
    assert.equal(s.interp.threads[0].retired, 50, 'spinning retires the instruction each time');
    s.machine.memory.write32(0x0030_0000, 0);
    assert.deepEqual(s.interp.run(50), { kind: 'halted' });
    assert.equal(s.machine.memory.read32(0x0030_0000), 1);
  });

  test('spinlock errors: unaligned word (#GP), unlock without a lock (underflow)', () => {
    const a = run('start:\n    mov r1, 0x0030_0002\n    spin.lock [r1]\n    halt\n');
    assert.ok(a.stop.kind === 'fault' && a.stop.fault.kind === 'general-protection' && /aligned/.test(a.stop.fault.message));
    const b = run('start:\n    mov r1, 0x0030_0000\n    spin.unlock [r1]\n    halt\n');
    assert.ok(b.stop.kind === 'fault');
    assert.deepEqual(b.stop.fault, { kind: 'preempt-underflow' });
  });

  test('halt ends a thread; the others go on', () => {
    const s = run(`
.thread a, fa
.thread b, fb
fa:
    mov r1, 1
    halt
fb:
    mov r1, 2
    mov r2, 3
    halt
`);
    assert.deepEqual(s.stop, { kind: 'halted' });
    assert.deepEqual(s.interp.threads.map((t) => [t.state, t.retired]), [['halted', 2], ['halted', 3]]);
  });

  test('yield hands the processor to the next ready thread; with preemption off it does not', () => {
    const prog = (off: string) => `
.thread a, fa
.thread b, fb
fa:
    ${off}
    mov r1, 0x0030_0000
    st8 [r1], 'a'
    yield
    st8 [r1 + 2], 'A'
    halt
fb:
    mov r1, 0x0030_0000
    st8 [r1 + 1], 'b'
    halt
`;
    const on = run(prog('nop'));
    assert.deepEqual(on.stop, { kind: 'halted' });
    assert.equal(Buffer.from(on.machine.memory.readBytes(0x0030_0000, 3)).toString('latin1'), 'abA');
    const off = run(prog('preempt.off'));
    assert.deepEqual(off.stop, { kind: 'halted' });
    // With preemption off, yield does nothing: a finishes (writing 'A' at +2) before b runs at all.
    assert.equal(off.interp.threads[0].state, 'halted');
    assert.equal(off.machine.memory.read8(0x0030_0002), 0x41);
  });
});

describe('page-fault handler instructions', () => {
  test('handler and iret: the handler sees CR2 and the error code, maps the page and retries', () => {
    const s = load(`
.org vs1:0x2000_5000
    .quad 0x5eed
start:
    handler on_fault
${enter('VS1')}
    mov r3, 0x2000_5000
    ld64 r4, [r3]
    mov r5, 1
    halt
on_fault:
    pop r6                          ; the error code
    mov r7, cr2
    mov r8, cr0
    and r8, r8, ~CR0_PG
    mov cr0, r8                     ; VS0: the page tables are at their physical addresses
    ld64 r9, [pte_address]
    ld64 r10, [r9]
    or r10, r10, PTE_P
    st64 [r9], r10
    or r8, r8, CR0_PG
    mov cr0, r8                     ; back in VS1 (CR3 still holds VS1's PDPT)
    add r11, r11, 1
    iret
.org vs0:0x0030_0000
pte_address: .quad 0
`);
    const pte = pteAddress(s.machine, 'VS1', 0x2000_5000);
    s.machine.memory.write32(pte, s.machine.memory.read32(pte) & ~1);
    s.machine.memory.write64(0x0030_0000, BigInt(pte));
    assert.deepEqual(s.interp.run(1000), { kind: 'halted' });
    const t = s.interp.threads[0];
    const reg = (n: number) => s.interp.register(t, n);
    assert.equal(reg(4), 0x5eedn, 'the load was retried and completed');
    assert.equal(reg(5), 1n);
    assert.equal(reg(6), 0n, 'read, supervisor, not present: error code 0');
    assert.equal(reg(7), 0x2000_5000n, 'CR2 = the faulting address');
    assert.equal(reg(11), 1n, 'the handler ran once');
    assert.equal(reg(15), 0x0100_0000n, 'iret popped the return address: the stack is balanced');
    assert.equal(t.inHandler, false);
  });

  test('what the fault pushes: the faulting instruction\'s address, then the error code (write: 2)', () => {
    const s = load(`
start:
    handler on_fault
${enter('VS1')}
    mov r3, 0x2000_5000
    st32 [r3], 1
    halt
on_fault:
    ld64 r1, [sp]
    ld64 r2, [sp + 8]
    halt
`);
    const pte = pteAddress(s.machine, 'VS1', 0x2000_5000);
    s.machine.memory.write32(pte, s.machine.memory.read32(pte) & ~1);
    assert.deepEqual(s.interp.run(1000), { kind: 'halted' });
    const t = s.interp.threads[0];
    assert.equal(s.interp.register(t, 1), 2n, 'error code on top: W = 1, P = 0');
    assert.equal(s.interp.register(t, 2), BigInt(pcOf(s.program, 'st32') * 4), 'then the text address of the store');
  });

  test('handler 0 removes the handler; a fault then stops the program', () => {
    const s = load(`start:\n    handler h\n    handler 0\n${enter('VS1')}\n    mov r3, 0x2000_5000\n    ld8 r1, [r3]\n    halt\nh:\n    halt\n`);
    const pte = pteAddress(s.machine, 'VS1', 0x2000_5000);
    s.machine.memory.write32(pte, 0);
    const stop = s.interp.run(100);
    assert.ok(stop.kind === 'fault' && stop.fault.kind === 'page-fault');
  });

  test('iret outside a handler is a fault', () => {
    const s = run('start:\n    iret\n');
    assert.ok(s.stop.kind === 'fault');
    assert.deepEqual(s.stop.fault, { kind: 'iret-outside-handler' });
  });

  test('a page fault inside the handler stops the program: handlers do not nest', () => {
    const s = load(`start:\n    handler h\n${enter('VS1')}\n    mov r3, 0x2000_5000\n    ld8 r1, [r3]\n    halt\nh:\n    ld8 r2, [r3]\n    halt\n`);
    const pte = pteAddress(s.machine, 'VS1', 0x2000_5000);
    s.machine.memory.write32(pte, 0);
    const stop = s.interp.run(100);
    // The handler was entered for the first fault; its own fault has no handler to go to and stops.
    assert.ok(stop.kind === 'fault' && stop.fault.kind === 'page-fault');
    assert.equal(stop.pc, pcOf(s.program, 'ld8 r2'));
  });
});

describe('block I/O', () => {
  test('bwrite and bread move whole blocks between physical memory and a volume', () => {
    const s = run(`
.volume DISK, 4096, 8
start:
    mov r1, 0x0030_0000
    st64 [r1], 0x1122_3344
    st64 [r1 + 4088], 0x5566
    bwrite DISK, 3, 1, r1
    mov r2, 0x0040_0000
    bread DISK, 3, 1, r2
    ld64 r3, [r2]
    ld64 r4, [r2 + 4088]
    mov r5, 2
    bread DISK, r5, 1, r2
    ld64 r6, [r2]
    vol.new r7, 16
    mov r8, 0x0030_0000
    bwrite r7, 15, 1, r8
    bread r7, 15, 1, 0x0050_0000
    ld64 r9, [0x0050_0000]
    halt
`);
    assert.deepEqual(s.stop, { kind: 'halted' });
    const t = s.interp.threads[0];
    const reg = (n: number) => s.interp.register(t, n);
    assert.equal(reg(3), 0x1122_3344n);
    assert.equal(reg(4), 0x5566n);
    assert.equal(reg(6), 0n, 'a block never written reads as zeros');
    assert.equal(reg(7), 1n, 'the declared volume is 0, the first vol.new is 1');
    assert.equal(reg(9), 0x1122_3344n);
    assert.deepEqual(s.interp.volumeNames, ['DISK', 'vol1']);
  });

  test('I/O errors: no such volume, blocks outside it', () => {
    const a = run('.volume D, 4096, 4\nstart:\n    bread 3, 0, 1, 0x1000\n    halt\n');
    assert.ok(a.stop.kind === 'fault' && a.stop.fault.kind === 'io-error' && /no volume 3/.test(a.stop.fault.message));
    const b = run('.volume D, 4096, 4\nstart:\n    bwrite D, 3, 2, 0x1000\n    halt\n');
    assert.ok(b.stop.kind === 'fault' && b.stop.fault.kind === 'io-error' && /outside volume/.test(b.stop.fault.message));
    const c = run('start:\n    vol.new r1, 0\n    halt\n');
    assert.ok(c.stop.kind === 'fault' && c.stop.fault.kind === 'io-error');
  });
});

describe('console and debugging', () => {
  test('print: hex (exact in 64 bits), decimal (unsigned), strings, context', () => {
    const s = run(`
.thread worker, start, cpu=1
.org vs0:0x0030_0000
name: .asciz "passwd"
start:
    mov r1, -1
    mov r2, 0x1_0000_0000
    mov r3, name
    mov r4, 42
    print "{r1} {r2} {r4:x} {r4:d} {r1:d}"
    print "{r3:s}|{cpu}|{tid}|{thread}|{space}"
    print "no placeholders, { not closed"
${enter('VS1')}
    print "{space}"
    halt
`, { cpus: 2 });
    assert.deepEqual(s.stop, { kind: 'halted' });
    assert.deepEqual(s.interp.output.map((l) => l.text), [
      '0xffff_ffff_ffff_ffff 0x1_0000_0000 0x2a 42 18446744073709551615',
      'passwd|cpu1|0|worker|VS0',
      'no placeholders, { not closed',
      'VS1',
    ]);
    assert.deepEqual(s.interp.output.map((l) => [l.thread, l.cpu]), [[0, 1], [0, 1], [0, 1], [0, 1]]);
  });

  test('event records name and values; it stops only when asked', () => {
    const src = 'start:\n    mov r1, 7\n    event cofw, r1, 0x1_0000_0000\n    event other, 1, 2\n    halt\n';
    const s = run(src);
    assert.deepEqual(s.stop, { kind: 'halted' });
    assert.deepEqual(s.interp.events.map((e) => [e.seq, e.name, e.a, e.b, e.pc]), [[0, 'cofw', 7n, 0x1_0000_0000n, 1], [1, 'other', 1n, 2n, 2]]);
    const b = load(src);
    b.interp.breakOnEvents = new Set(['cofw']);
    assert.deepEqual(b.interp.run(100), { kind: 'event', thread: 0, cpu: 0, pc: 1, name: 'cofw', a: 7n, b: 0x1_0000_0000n });
    assert.equal(b.interp.threads[0].pc, 2, 'the event instruction has completed');
    assert.deepEqual(b.interp.run(100), { kind: 'halted' });
  });

  test('assert passes silently or stops with the message and both values', () => {
    assert.deepEqual(run('start:\n    mov r1, 42\n    assert r1, 42, "ok"\n    halt\n').stop, { kind: 'halted' });
    const s = run('start:\n    mov r1, -1\n    mov r2, 3\n    assert r1, r2, "r1 should be 3"\n    halt\n');
    assert.ok(s.stop.kind === 'fault');
    assert.deepEqual(s.stop.fault, { kind: 'assert', message: 'r1 should be 3', actual: M1, expected: 3n });
    assert.equal(s.stop.pc, 2);
  });
});

test('an instruction the interpreter does not know (a corrupted program) is a #GP, not a crash', () => {
  const s = load('start:\n    nop\n    halt\n');
  (s.interp as unknown as { code: Int32Array }).code[0] = 9999;
  const stop = s.interp.run(10);
  assert.ok(stop.kind === 'fault' && stop.fault.kind === 'general-protection' && /invalid opcode/.test(stop.fault.message));
});

test('a thread that goes past the last instruction stops with its own fault, at the pc after the end (not an invalid opcode)', () => {
  const fell = load('start:\n    mov r1, 1\n    add r1, r1, 1\n').interp.run(10);
  assert.deepEqual(fell, { kind: 'fault', thread: 0, cpu: 0, pc: 2, fault: { kind: 'ran-off-the-end' } });
});

test('coverage: the programs above use every opcode the instruction table can produce', () => {
  const all: [string, number][] = [];
  for (const d of INSTRUCTIONS) {
    for (const f of d.forms) {
      if (typeof f.op === 'number') all.push([d.mnemonic, f.op]);
      else for (const [kinds, op] of Object.entries(f.op)) all.push([`${d.mnemonic} ${kinds}`, op]);
    }
  }
  assert.ok(all.length > 100);
  const missing = all.filter(([, op]) => !opcodesSeen.has(op)).map(([name]) => name);
  assert.deepEqual(missing, []);
});
