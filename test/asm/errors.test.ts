// Assembler errors: each with file, line and column (one-based here, as the CLI prints them) and a
// message a person can act on; several at once; and nothing throws, whatever the input.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { withWorkspace } from '../support/workspace';
import { specialFiles } from '../support/special-files';
import { MAX_EXPR_DEPTH } from '../../emulator/index';
import { assembleText, formatDiag, layoutOf, LIB } from '../interp/helpers';

/** Every diagnostic as `file:line:col: message`. */
function errs(src: string, files?: Record<string, string>): string[] {
  const r = assembleText(src, files ? { files } : {});
  assert.equal(r.program === null, r.diagnostics.some((d) => d.severity === 'error'), 'a program exactly when there are no errors');
  return r.diagnostics.map((d) => formatDiag(d, r.files));
}

/** The single diagnostic of a source. */
function err(src: string, files?: Record<string, string>): string {
  const all = errs(src, files);
  assert.equal(all.length, 1, `one diagnostic expected, got:\n${all.join('\n')}`);
  return all[0];
}

describe('instructions and operands', () => {
  test('unknown instruction, with a suggestion when one is close', () => {
    assert.equal(err('start:\n    mvo r1, 1\n'), 'main.mover:2:5: unknown instruction mvo (did you mean mov?)');
    assert.equal(err('start:\n    ld64x r1, [r2]\n'), 'main.mover:2:5: unknown instruction ld64x (did you mean ld64?)');
    assert.equal(err('start:\n    frobnicate\n'), 'main.mover:2:5: unknown instruction frobnicate');
    assert.equal(err('start:\n    org vs1:0\n'), 'main.mover:2:5: org is a directive: write .org');
  });

  test('wrong operand count names the forms', () => {
    assert.equal(err('start:\n    add r1\n'), 'main.mover:2:5: add takes 3 or 2 operands, not 1: add rd, rs, rt|imm  or  add rd, rt|imm');
    assert.equal(err('start:\n    halt r1\n'), 'main.mover:2:5: halt takes 0 operands, not 1: halt');
    assert.equal(err('x:\n  bread 1, 2\n'), 'main.mover:2:3: bread takes 4 operands, not 2: bread volume, block, count, pa');
  });

  test('wrong operand kind points at the operand', () => {
    assert.equal(err('start:\n    add r1, [r2]\n'), 'main.mover:2:13: operand 2 of add must be a register or a constant, not a memory operand [...]: add rd, rs, rt|imm  or  add rd, rt|imm');
    assert.equal(err('start:\n    ld32 r1, r2\n'), 'main.mover:2:14: operand 2 of ld32 must be a memory operand [...], not a register: ld32 rd, [address]');
    assert.equal(err('start:\n    st8 r1, [r2]\n'), 'main.mover:2:9: operand 1 of st8 must be a memory operand [...], not a register: st8 [address], rs|imm');
    assert.equal(err('start:\n    jmp "x"\n'), 'main.mover:2:9: operand 1 of jmp must be a label, not a string: jmp label  or  jmp rs');
    // mov has three two-operand forms; the error is about the closest one (mov crN, rs).
    assert.equal(err('start:\n    mov cr3, 5\n'), 'main.mover:2:14: operand 2 of mov must be a register, not a constant or label: mov rd, rs|imm  or  mov rd, crN  or  mov crN, rs');
    assert.equal(err('start:\n    mov r1, "s"\n'), 'main.mover:2:13: operand 2 of mov must be a register or a constant, not a string: mov rd, rs|imm  or  mov rd, crN  or  mov crN, rs');
  });

  test('operand syntax', () => {
    const cases: [string, string][] = [
      ['add r1 r2', 'main.mover:2:12: expected , between operands, found "r2"'],
      ['add r1,', 'main.mover:2:12: an operand is missing after the comma'],
      ['mov r1, (2', 'main.mover:2:15: expected ) to close the parenthesis'],
      ['mov r1, 2 +', 'main.mover:2:16: an expression is missing here'],
      ['mov r1, r2 + 1', 'main.mover:2:13: register r2 cannot be used in a constant expression'],
      ['mov r1, cr3 + 1', 'main.mover:2:17: expected , between operands, found "+"'],
      ['mov r1, 1 + cr3', 'main.mover:2:17: control register cr3 can only be read or written with mov'],
      ['mov r1, 1 + "s"', 'main.mover:2:17: a string cannot be used as a number here'],
      ['mov r1, sizeof 3', 'main.mover:2:20: expected , between operands, found "3"'],
      ['mov r1, sizeof(3)', 'main.mover:2:20: sizeof takes a struct name: sizeof(dnlc_entry)'],
      ['mov r1, sizeof(x', 'main.mover:2:21: expected ) after the struct name'],
      ['mov r1, ]', 'main.mover:2:13: unexpected "]" in an expression'],
      ['ld32 r1, [r2', 'main.mover:2:17: expected ] to close the memory operand'],
    ];
    for (const [line, expected] of cases) assert.equal(err(`start:\n    ${line}\n`), expected, line);
    assert.equal(err('start:\n    , r1\n'), 'main.mover:2:5: a line starts with a label, an instruction or a directive, not ","');
  });

  test('addresses: at most base + index*scale + displacement', () => {
    const cases: [string, string][] = [
      ['[r2 + r3 + r4]', 'main.mover:2:14: an address uses at most two registers: [base + index*scale + disp]'],
      ['[r2*2 + r3*4]', 'main.mover:2:14: only one register in an address can be scaled'],
      ['[-r2]', 'main.mover:2:15: an address is base + index*scale + displacement; this combination of registers is not one'],
      ['[8 - r2]', 'main.mover:2:19: a register in an address cannot be subtracted'],
      ['[r2*3]', 'main.mover:2:18: an index is scaled by 1, 2, 4 or 8 (got 3)'],
      ['[r2*r3]', 'main.mover:2:18: a register cannot be used in a constant expression'],
      ['[r2 << 1]', 'main.mover:2:15: an address is base + index*scale + displacement; this combination of registers is not one'],
    ];
    for (const [m, expected] of cases) assert.equal(err(`start:\n    ld32 r1, ${m}\n`), expected, m);
  });

  test('jump targets must be instructions of this program', () => {
    assert.equal(err('start:\n    jmp 6\n'), 'main.mover:2:9: jmp needs a code label; 6 is not the address of an instruction of this program');
    assert.equal(err('start:\n    beq r1, r2, 0x1000\n'), 'main.mover:2:17: beq needs a code label; 1000 is not the address of an instruction of this program');
  });

  test('print placeholders and event names', () => {
    assert.equal(err('start:\n    print "{r16}"\n'), 'main.mover:2:11: {r16} in print: use {rN}, {rN:d}, {rN:s}, {cpu}, {tid}, {thread} or {space}');
    assert.equal(err('start:\n    print "{r1:q}"\n'), 'main.mover:2:11: {r1:q}: the format is x (hex), d (decimal) or s (string at that address)');
    assert.equal(err('start:\n    event 5, 1, 2\n'), 'main.mover:2:11: event takes a name first: event cofw, r1, r2');
  });
});

describe('symbols', () => {
  test('unknown symbol, with a suggestion; local names are reported in full', () => {
    assert.equal(err('.equ COUNT, 1\nstart:\n    mov r1, COUNTT\n'), 'main.mover:3:13: unknown symbol COUNTT (did you mean COUNT?)');
    assert.equal(err('start:\n    jmp .nowhere\n'), 'main.mover:2:9: unknown symbol start.nowhere');
    assert.equal(err('start:\n    ld32 r1, [r2 + missing]\n'), 'main.mover:2:20: unknown symbol missing');
  });

  test('duplicate labels and constants say where the first one is', () => {
    assert.deepEqual(errs('start:\n    nop\nstart:\n.l:\n.l:\n.equ start, 1\n.equ PAGE_SIZE, 2\n    halt\n'), [
      'main.mover:3:1: start is already defined (first defined at main.mover:1)',
      'main.mover:5:1: start.l is already defined (first defined at main.mover:4)',
      'main.mover:6:6: start is already defined (first defined at main.mover:1)',
      'main.mover:7:6: PAGE_SIZE is already defined (a builtin name)',
    ]);
    assert.equal(err('.include "lib.mover"\nhelper:\n    halt\n', { 'lib.mover': '\nhelper:\n    ret\n' }),
      'main.mover:2:1: helper is already defined (first defined at lib.mover:2)');
  });

  test('a local label needs a global label above it', () => {
    assert.equal(err('.x:\n    nop\nstart:\n    halt\n'), 'main.mover:1:1: local label .x needs a global label above it');
  });

  test('constants: circular, division by zero, reported once however often they are used', () => {
    assert.equal(err('.equ A, B\n.equ B, A\nstart:\n    mov r1, A\n    mov r2, A\n    mov r3, B\n'), 'main.mover:2:9: A is defined in terms of itself');
    assert.equal(err('.equ A, 1 / 0\nstart:\n    mov r1, A\n    mov r2, A\n'), 'main.mover:1:9: division by zero in a constant');
    assert.equal(err('.equ A, 1 % (2 - 2)\nstart:\n    halt\n'), 'main.mover:1:9: division by zero in a constant');
    assert.equal(err('.equ A, nope\nstart:\n    mov r1, A\n    mov r2, A\n'), 'main.mover:1:9: unknown symbol nope');
    assert.equal(err('.equ A\nstart:\n    halt\n'), 'main.mover:1:1: .equ takes a name and a value: .equ PAGE, 4096');
    assert.equal(err('start:\n.equ .a, 1\n'), 'main.mover:2:1: .equ takes a name and a value: .equ PAGE, 4096');
  });

  test('data sizes and .org addresses may only use labels above them', () => {
    assert.deepEqual(errs('.org vs0:0x1000\n    .zero later\nlater: .byte 1\n.org vs0:after\nafter: .byte 2\nstart:\n    halt\n'), [
      'main.mover:2:11: later is not placed yet: data sizes and .org addresses may only use labels defined above them',
      'main.mover:4:10: after is not placed yet: data sizes and .org addresses may only use labels defined above them',
    ]);
  });
});

describe('lexical errors', () => {
  test('bad numbers', () => {
    const help = "is not a number: write decimal (4096), hex (0x1_0000_0000) or binary (0b1010); '_' may separate digits";
    assert.equal(err('start:\n    mov r1, 12ab\n'), `main.mover:2:13: "12ab" ${help}`);
    assert.equal(err('start:\n    mov r1, 0x\n'), `main.mover:2:13: "0x" ${help}`);
    assert.equal(err('start:\n    mov r1, 1__0\n'), `main.mover:2:13: "1__0" ${help}`);
    assert.equal(err('start:\n    mov r1, 0b12\n'), `main.mover:2:13: "0b12" ${help}`);
  });

  test('strings and characters: unclosed, bad escapes, wrong length', () => {
    assert.equal(err('start:\n    print "abc\n'), 'main.mover:2:11: this string is not closed: add " before the end of the line');
    assert.equal(err("start:\n    mov r1, 'x\n"), "main.mover:2:13: this character is not closed: add ' before the end of the line");
    assert.equal(err("start:\n    mov r1, 'ab'\n"), 'main.mover:2:13: a character literal holds exactly one character (got "ab")');
    assert.equal(err('start:\n    print "\\q"\n'), 'main.mover:2:12: unknown escape "\\\\q": use \\n \\t \\r \\0 \\\\ \\" \\\' or \\xHH');
    assert.equal(err('start:\n    print "\\x4"\n'), 'main.mover:2:12: unknown escape "\\\\x": use \\n \\t \\r \\0 \\\\ \\" \\\' or \\xHH');
  });

  test('unexpected characters', () => {
    assert.equal(err('start:\n    mov r1, 3 # 4\n'), 'main.mover:2:15: unexpected character "#"');
  });
});

describe('includes', () => {
  test('an include cycle is reported where it closes', () => {
    assert.equal(err('.include "a.mover"\nstart:\n    halt\n', { 'a.mover': '\n.include "b.mover"\n', 'b.mover': '.include "a.mover"\n' }),
      'b.mover:1:10: include cycle: a.mover -> b.mover -> a.mover');
    assert.equal(err('.include "main.mover"\nstart:\n    halt\n'), 'main.mover:1:10: include cycle: main.mover -> main.mover');
  });

  test('a missing include says where it looked', () => {
    assert.equal(err('start:\n    halt\n.include "nope.mover"\n'), `main.mover:3:10: cannot find nope.mover (looked in /virtual and ${LIB})`);
    assert.equal(err('start:\n    halt\n.include nope\n'), 'main.mover:3:1: .include takes one file name in quotes: .include "vsgate.mover"');
  });

  test('a file included twice is assembled once (no duplicate definitions)', () => {
    assert.deepEqual(errs('.include "boot.mover"\n.include "vsgate.mover"\n.include "boot.mover"\nstart:\n    halt\n'), []);
  });

  test('includes nested too deep', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`f${i}.mover`] = `.include "f${i + 1}.mover"\n`;
    files['f40.mover'] = '';
    const all = errs('.include "f0.mover"\nstart:\n    halt\n', files);
    // main is depth 0, f0 depth 1, ..., f31 depth 32: its include of f32 is one too deep.
    assert.deepEqual(all, ['f31.mover:1:10: includes nest deeper than 32']);
  });

  test('an include of /dev/zero, a FIFO, a directory or a 17 MiB file is refused with the reason, at the .include', () => {
    const s = specialFiles('.mover');
    try {
      for (const c of s.cases) {
        const e = err(`.include "${c.file}"\nstart:\n    halt\n`);
        assert.match(e, /^main\.mover:1:10: cannot read /, c.name);
        assert.match(e, c.reason, c.name);
      }
    } finally {
      s.dispose();
    }
  });

  test('an include of a file that is not a .mover file is refused without reading it', () => {
    withWorkspace({}, ({ dir }) => {
      writeFileSync(path.join(dir, 'hostname'), 'secret-host-name\n');
      const rel = path.relative('/virtual', path.join(dir, 'hostname'));
      const e = err(`.include "${rel}"\nstart:\n    halt\n`);
      assert.equal(e, 'main.mover:1:10: cannot read hostname: only .mover files are read');
      assert.equal(err('.include "../../../etc/hostname"\nstart:\n    halt\n'), 'main.mover:1:10: cannot read hostname: only .mover files are read');
    });
  });

  test('errors in an included file name that file', () => {
    assert.equal(err('.include "lib.mover"\nstart:\n    halt\n', { 'lib.mover': 'helper:\n\n    mvo r1, r2\n' }), 'lib.mover:3:5: unknown instruction mvo (did you mean mov?)');
  });
});

describe('.struct', () => {
  test('every kind of struct error', () => {
    assert.deepEqual(errs(`.struct
.endstruct
.struct s
    a u8
    b
    a u33
    c u8[0]
    d u8[x]
    e u8 3
.endstruct
.endstruct
.struct s
.endstruct
start:
    mov r1, s
    mov r1, sizeof(start)
`), [
      'main.mover:1:1: .struct takes a name: .struct dnlc_entry',
      'main.mover:5:5: a struct field is `name type`, e.g. `inode u32` or `name u8[24]`',
      'main.mover:6:7: unknown field type u33: use u8, u16, u32, u64, i8, i16, i32, i64, ptr or a struct name',
      'main.mover:7:10: an array count must be from 1 to 16777216 (got 0)',
      'main.mover:8:10: unknown symbol x (did you mean s?)',
      'main.mover:9:10: an array field is `name type[count]`',
      'main.mover:11:1: .endstruct without a .struct',
      'main.mover:12:9: s is already defined (first defined at main.mover:3)',
      'main.mover:15:13: s is a struct: use sizeof(s) or s.field',
      'main.mover:16:20: sizeof needs a struct; start is not one',
    ]);
  });

  test('a field name used twice', () => {
    assert.equal(err('.struct d\n    a u8\n    a u16\n.endstruct\nstart:\n    halt\n'), 'main.mover:3:5: struct d already has a field a');
  });

  test('a struct that contains itself', () => {
    assert.deepEqual(errs('.struct t\n    n u8\n    t t\n.endstruct\nstart:\n    halt\n'), [
      'main.mover:1:9: struct t contains itself',
      'main.mover:3:7: unknown field type t: use u8, u16, u32, u64, i8, i16, i32, i64, ptr or a struct name',
    ]);
  });

  test('an unclosed .struct is reported at the end of its file', () => {
    assert.equal(err('start:\n    halt\n.struct q\n    a u8'), 'main.mover:4:1: a .struct is not closed: add .endstruct');
  });
});

describe('data and placement', () => {
  test('data before any .org', () => {
    assert.deepEqual(errs('x: .byte 1\n    .word 2\nstart:\n    halt\n'), [
      'main.mover:1:1: data label x comes before any .org: say where the data goes, e.g. .org vs1:0x2000_0000',
      'main.mover:1:4: .byte needs a place: put .org space:address above it',
      'main.mover:2:5: .word needs a place: put .org space:address above it',
    ]);
  });

  test('.org errors: unknown space, missing address, not a 32-bit VA, outside physical memory', () => {
    assert.equal(err('.org vs9:0\n.byte 1\nstart:\n    halt\n'), 'main.mover:1:6: no space named vs9 in the layout (spaces: VS0, VS1, VS2; or pa: for a physical address)');
    assert.equal(err('.org vs1\nstart:\n    halt\n'), 'main.mover:1:1: .org takes a space and an address: .org vs1:0x2000_0000 (or pa:0x1_0000_0000)');
    assert.equal(err('.org vs1:0x1_0000_0000\n.byte 1\nstart:\n    halt\n'), 'main.mover:1:10: vs1:0x100000000 is not a virtual address: a space is 32 bits');
    assert.equal(err('.org pa:0x10_0000_0000\n.byte 1\nstart:\n    halt\n'), 'main.mover:1:9: pa:0x1000000000 is outside the 36-bit physical space (0 .. 0xF_FFFF_FFFF)');
    assert.equal(err('.org pa:0xF_FFFF_FFFF\n.half 1\nstart:\n    halt\n'), 'main.mover:2:1: pa:0xfffffffff (+2) is outside the 36-bit physical space (0 .. 0xF_FFFF_FFFF)');
  });

  test('data at a VA the layout does not map in that space', () => {
    const layout = layoutOf({
      name: 'hole', chunks: [{ name: 'C1', base: '0', size: '16M' }],
      spaces: [{ name: 'VS0', paging: false }, { name: 'VS1', map: [{ va: '0', chunk: 'C1' }] }],
      pageTables: { base: '0x80_0000', size: '1M' },
    });
    const r = assembleText('.org vs1:0x0FFF_FFFC\n.quad 1\nstart:\n    halt\n', { layout });
    assert.deepEqual(r.diagnostics.map((d) => formatDiag(d, r.files)), ['main.mover:2:1: VS1:0xffffffc is not mapped in VS1 by the layout, so this data has nowhere to go']);
    const edge = assembleText('.org vs1:0x00FF_FFFC\n.quad 1\nstart:\n    halt\n', { layout });
    assert.deepEqual(edge.diagnostics.map((d) => d.message), ['VS1:0x1000000 is not mapped in VS1 by the layout, so this data has nowhere to go'], 'the half past the end of C1');
  });

  test('values that do not fit, wrong operands, bad alignment', () => {
    assert.deepEqual(errs('.org vs0:0\n    .byte 256, -129, r1, -128, 255\n    .half 0x1_0000\n    .align 3\n    .ascii 5\n    .zero x\nstart:\n    halt\n'), [
      'main.mover:2:11: 256 does not fit in 8 bits',
      'main.mover:2:16: 18446744073709551487 does not fit in 8 bits',
      'main.mover:2:22: .byte takes constants',
      'main.mover:3:11: 65536 does not fit in 16 bits',
      'main.mover:4:12: .align takes a power of two (got 3)',
      'main.mover:5:12: .ascii takes one string',
      'main.mover:6:11: unknown symbol x',
    ]);
  });

  test('unknown directive lists the directives', () => {
    assert.equal(err('.bogus 1\nstart:\n    halt\n'), 'main.mover:1:1: unknown directive .bogus (directives: .equ .include .struct .org .byte .half .word .quad .ascii .asciz .zero .align .thread .volume .object .expect_stale .test .endstruct)');
  });
});

describe('.thread, .volume, .object', () => {
  test('.thread errors', () => {
    assert.deepEqual(errs('.thread\n.thread t, 12\n.thread u, start, cpu=64\n.thread v, start, stack=0x1_0000_0000\n.thread w, start, foo=1\n.thread x, start, 5\n.thread start, start\n.thread start, start\nstart:\n    halt\n'), [
      'main.mover:1:1: .thread takes a name and an entry label: .thread main, start, cpu=0',
      'main.mover:2:12: a thread starts at a code label',
      'main.mover:3:19: cpu must be from 0 to 63',
      'main.mover:4:19: stack is a 32-bit virtual address',
      'main.mover:5:19: unknown .thread option foo: use cpu=N or stack=ADDRESS',
      'main.mover:6:19: after the entry, .thread takes cpu=N and stack=ADDRESS',
      'main.mover:8:9: thread start is already defined (first defined at main.mover:7)',
    ]);
  });

  test('.volume errors', () => {
    assert.deepEqual(errs('.volume V, 100, 4\n.volume W, 4096, 0\n.volume\nstart:\n    halt\n'), [
      'main.mover:1:12: the block size must be a power of two from 512 to 1M (got 100)',
      'main.mover:2:18: the block count must be from 1 to 2^28 (got 0)',
      'main.mover:3:1: .volume takes a name, a block size and a block count: .volume CLONE, 4096, 64',
    ]);
  });

  test('.object errors', () => {
    assert.deepEqual(errs('.object o, nosuch, vs1:0\n.object p\n.struct s\n    a u8\n.endstruct\n.object q, s, vs9:0\nstart:\n    halt\n'), [
      'main.mover:1:12: nosuch is not a struct',
      'main.mover:2:1: .object takes a name, a struct type and a place: .object dnlc, dnlc_table, vs1:0x2000_0000',
      'main.mover:6:15: no space named vs9 in the layout (spaces: VS0, VS1, VS2; or pa: for a physical address)',
    ]);
  });
});

test('several errors are reported at once, in source order, each at its place', () => {
  const all = errs(`; three mistakes and more
start:
    mvo r1, 1
    add r1, [r2]
    ld32 r3, [r1 + missing]
    mov r4, 0x
    jmp .nowhere
.x:
    .byte 1
    halt
`);
  assert.deepEqual(all, [
    'main.mover:3:5: unknown instruction mvo (did you mean mov?)',
    'main.mover:4:13: operand 2 of add must be a register or a constant, not a memory operand [...]: add rd, rs, rt|imm  or  add rd, rt|imm',
    'main.mover:5:20: unknown symbol missing',
    `main.mover:6:13: "0x" is not a number: write decimal (4096), hex (0x1_0000_0000) or binary (0b1010); '_' may separate digits`,
    'main.mover:7:9: unknown symbol start.nowhere',
    'main.mover:9:5: .byte needs a place: put .org space:address above it',
  ]);
});

test('diagnostic spans cover the offending text', () => {
  const r = assembleText('start:\n    ld32 r1, [r2 + missing_name]\n');
  assert.deepEqual(r.diagnostics.map((d) => d.span), [{ file: 0, line: 1, col: 19, endCol: 31 }]);
  const u = assembleText('start:\n    frobnicate r1\n');
  assert.deepEqual(u.diagnostics.map((d) => d.span), [{ file: 0, line: 1, col: 4, endCol: 14 }]);
});

test('the library assembles cleanly', () => {
  for (const f of ['boot.mover', 'vsgate.mover']) {
    assert.deepEqual(errs(readFileSync(path.join(LIB, f), 'utf8')), [], f);
  }
});

describe('deep expressions and long .equ chains', () => {
  test('3,000 nested parentheses: "too deep" at the parenthesis past the limit', () => {
    const src = `.equ X, ${'('.repeat(3000)}1${')'.repeat(3000)}\nstart:\n    halt\n`;
    // Column of the parenthesis that would open level MAX_EXPR_DEPTH: ".equ X, " is 8 characters.
    assert.equal(err(src), `main.mover:1:${8 + MAX_EXPR_DEPTH}: this expression is too deep (more than ${MAX_EXPR_DEPTH} nested operators or parentheses): split it with .equ`);
  });

  test('a 5,000-term sum: "too deep" at the operator past the limit; a sum within it assembles', () => {
    const src = `start:\n    mov r1, ${Array(5000).fill('1').join(' + ')}\n    halt\n`;
    // "    mov r1, " is 12 characters, each term "1 + " 4: the MAX_EXPR_DEPTH-th + makes the sum one too deep.
    assert.equal(err(src), `main.mover:2:${12 + 4 * MAX_EXPR_DEPTH - 1}: this expression is too deep (more than ${MAX_EXPR_DEPTH} nested operators or parentheses): split it with .equ`);
    const r = assembleText(`.equ S, ${Array(MAX_EXPR_DEPTH).fill('1').join(' + ')}\nstart:\n    halt\n`);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.symbols.defs.get('S')?.value, BigInt(MAX_EXPR_DEPTH));
  });

  test('deep unary signs are bounded the same way', () => {
    assert.match(err(`.equ X, ${'-'.repeat(3000)}1\nstart:\n    halt\n`), /^main\.mover:1:\d+: this expression is too deep/);
  });

  test('a 2,000-long .equ chain resolves (each constant names the one before, in either order)', () => {
    const up = Array.from({ length: 2000 }, (_, i) => (i === 0 ? '.equ C0, 1' : `.equ C${i}, C${i - 1} + 1`));
    for (const lines of [up, [...up].reverse()]) {
      const r = assembleText(`${lines.join('\n')}\nstart:\n    mov r1, C1999\n    halt\n`);
      assert.deepEqual(r.diagnostics.map((d) => formatDiag(d, r.files)), []);
      assert.equal(r.symbols.defs.get('C1999')?.value, 2000n);
    }
  });

  test('a 2,000-long .equ cycle is reported once, where it closes', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `.equ C${i}, C${(i + 1) % 2000} + 1`);
    const all = errs(`${lines.join('\n')}\nstart:\n    halt\n`);
    assert.deepEqual(all, ['main.mover:2000:13: C0 is defined in terms of itself']);
  });
});

describe('nothing throws on garbage', () => {
  /** A small deterministic generator, so a failure is reproducible from its case number. */
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 0x1_0000_0000;
    };
  }
  const PIECES = [
    'mov', 'ld64', 'st8', 'jmp', 'beq', 'print', 'handler', 'event', 'assert', 'flush.range', 'spin.lock', 'bread', 'r1', 'sp', 'cr3',
    ',', '[', ']', '+', '-', '*', '<<', '(', ')', ':', '=', '~', '8', '0x1_0000', '0b2', '1_', "'a'", "'", '"', '"{r1}"', '\\', 'sizeof',
    '.struct', '.endstruct', '.org', 'vs1:', 'pa:', '.equ', '.byte', '.quad', '.asciz', '.zero', '.align', '.thread', 'cpu=', '.volume',
    '.object', '.include', '"x.mover"', 'start', '.l', 'X', 'u8[', ';', '\t', ' ', '\n', '\n', '\r\n', '\u00e9', '\u0000',
  ];

  function check(src: string, label: string): void {
    let r;
    try {
      r = assembleText(src, { files: { 'x.mover': src.slice(0, 40) } });
    } catch (e) {
      assert.fail(`${label} threw ${(e as Error).stack}\nsource: ${JSON.stringify(src)}`);
    }
    const internal = r.diagnostics.filter((d) => d.message.startsWith('internal'));
    assert.deepEqual(internal, [], `${label}: ${JSON.stringify(src)}`);
    for (const d of r.diagnostics) {
      assert.ok(d.span.line >= 0 && d.span.col >= 0 && d.span.endCol >= d.span.col, `${label}: a well-formed span`);
      assert.ok(d.span.file >= 0 && d.span.file < Math.max(1, r.files.length), `${label}: a known file`);
    }
  }

  test('random bytes', () => {
    const next = rng(1);
    for (let k = 0; k < 200; k++) {
      const n = Math.floor(next() * 120);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(next() * 256));
      check(s, `bytes case ${k}`);
    }
  });

  test('random token soup', () => {
    const next = rng(2);
    for (let k = 0; k < 300; k++) {
      const n = Math.floor(next() * 60);
      let s = '';
      for (let i = 0; i < n; i++) s += PIECES[Math.floor(next() * PIECES.length)] + (next() < 0.5 ? ' ' : '');
      check(s, `soup case ${k}`);
    }
  });

  test('mutations of the library: lines dropped, duplicated, cut and spliced', () => {
    const lib = readFileSync(path.join(LIB, 'vsgate.mover'), 'utf8').replace('.include "boot.mover"', '') + readFileSync(path.join(LIB, 'boot.mover'), 'utf8');
    const lines = lib.split('\n');
    const next = rng(3);
    for (let k = 0; k < 200; k++) {
      const out = lines.slice();
      for (let m = 0; m < 3; m++) {
        const i = Math.floor(next() * out.length);
        const j = Math.floor(next() * out.length);
        const what = next();
        if (what < 0.25) out.splice(i, 1);
        else if (what < 0.5) out.splice(i, 0, out[j]);
        else if (what < 0.75) out[i] = out[i].slice(0, Math.floor(next() * out[i].length));
        else out[i] = out[i].slice(0, Math.floor(next() * out[i].length)) + out[j].slice(Math.floor(next() * out[j].length));
      }
      check(out.join('\n'), `mutation case ${k}`);
    }
  });
});
