// The language below the instructions: numbers, characters, strings and escapes, comments, constant
// expressions and their precedence, builtin constants from the architecture and the layout, structs,
// and the data directives with the bytes and addresses they produce.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { lexLine, parseIntegerLiteral, type Diagnostic } from '../../emulator/index';
import { assembleText, build, layoutOf, load } from '../interp/helpers';

/** The value of `.equ X, <expr>`. */
function value(expr: string, prelude = ''): bigint | undefined {
  const r = assembleText(`${prelude}\n.equ X, ${expr}\nstart:\n    halt\n`);
  assert.deepEqual(r.diagnostics.map((d) => d.message), [], expr);
  return r.symbols.defs.get('X')?.value;
}

const M1 = 0xffff_ffff_ffff_ffffn;

describe('lexical rules', () => {
  test('integer literals: decimal, hex and binary, with _ between digits', () => {
    const ok: [string, bigint][] = [
      ['0', 0n], ['4096', 4096n], ['1_000_000', 1_000_000n], ['0x1_0000_0000', 0x1_0000_0000n], ['0XfF', 255n], ['0b1010', 10n],
      ['0b1_0000', 16n], ['0xFFFF_FFFF_FFFF_FFFF', M1], ['007', 7n],
    ];
    for (const [text, v] of ok) assert.equal(parseIntegerLiteral(text), v, text);
    for (const bad of ['0x', '0b', '0b102', '12ab', '1_', '1__0', '0x_', '0xG']) assert.equal(parseIntegerLiteral(bad), undefined, bad);
  });

  test('character literals are numbers; escapes in characters and strings', () => {
    assert.equal(value("'A'"), 65n);
    assert.equal(value("'\\n'"), 10n);
    assert.equal(value("'\\x41' + 1"), 66n);
    assert.equal(value("'\\''"), 39n);
    assert.equal(value("'\\\\'"), 92n);
    assert.equal(value("'\\0'"), 0n);
    const p = build('.org vs0:0x1000\n.ascii "a\\tb\\r\\n\\0\\\\\\"\\\'\\x7f;"\nstart:\n    halt\n');
    assert.deepEqual([...p.data[0].bytes], [0x61, 9, 0x62, 13, 10, 0, 0x5c, 0x22, 0x27, 0x7f, 0x3b]);
  });

  test('comments start at ; outside strings', () => {
    const p = build('start: ; the start\n    print "a;b" ; a comment with "quotes"\n;    halt\n    halt\n');
    assert.equal(p.length, 2);
    assert.deepEqual(p.aux[0], { kind: 'print', parts: [{ kind: 'text', text: 'a;b' }] });
  });

  test('identifiers may hold _ . $ and digits; a leading . makes a local label or a directive', () => {
    const diags: Diagnostic[] = [];
    const toks = lexLine('my_label.x$1: .loop jmp .loop, r15', 0, 0, diags);
    assert.deepEqual(diags, []);
    assert.deepEqual(toks.map((t) => [t.kind, t.text]), [
      ['ident', 'my_label.x$1'], ['punct', ':'], ['local', '.loop'], ['ident', 'jmp'], ['local', '.loop'], ['punct', ','], ['ident', 'r15'],
    ]);
  });

  test('token columns are zero-based [col, endCol)', () => {
    const toks = lexLine('  ld32 r1, [r2 + 0x10]', 0, 0, []);
    assert.deepEqual(toks.map((t) => [t.text, t.col, t.endCol]), [
      ['ld32', 2, 6], ['r1', 7, 9], [',', 9, 10], ['[', 11, 12], ['r2', 12, 14], ['+', 15, 16], ['0x10', 17, 21], [']', 21, 22],
    ]);
  });

  test('local labels belong to the last global label; another scope reaches them by full name', () => {
    const p = build(`
first:
.loop:
    jmp .loop
second:
.loop:
    jmp .loop
    jmp first.loop
`);
    assert.equal(p.labels.get('first.loop'), 0);
    assert.equal(p.labels.get('second.loop'), 1);
    assert.deepEqual([p.code[3], p.code[8 + 3], p.code[16 + 3]], [0, 1, 0]);
  });
});

describe('constant expressions', () => {
  test('precedence, loosest first: | then ^ then & then << >> then + - then * / %', () => {
    const cases: [string, bigint][] = [
      ['1 + 2 * 3', 7n], ['(1 + 2) * 3', 9n], ['1 << 4 + 1', 32n], ['0xFF & 0x0F | 0x30', 0x3fn], ['6 ^ 3 & 1', 7n],
      ['1 | 2 ^ 3', 1n], ['10 - 3 - 2', 5n], ['100 / 7 % 4', 2n], ['7 % 4 * 2', 6n], ['64 / 4 / 2', 8n], ['2 * 3 << 1', 12n],
    ];
    for (const [e, v] of cases) assert.equal(value(e), v, e);
  });

  test('unary - ~ + bind tightest; arithmetic is 64-bit and wraps; >> is logical', () => {
    const cases: [string, bigint][] = [
      ['-1', M1], ['~0', M1], ['+5', 5n], ['-2 * 3', M1 - 5n], ['~CR0_PG', 0xffff_ffff_7fff_ffffn], ['- -3', 3n],
      ['0xFFFF_FFFF_FFFF_FFFF + 2', 1n], ['1 << 63 >> 63', 1n], ['1 << 64', 1n], ['-1 >> 60', 0xfn], ['0 - 1', M1],
      ['-8 / 2', 0x7fff_ffff_ffff_fffcn], ['(2 + 3) * (4 - 1)', 15n],
    ];
    for (const [e, v] of cases) assert.equal(value(e), v, e);
  });

  test('constants may refer to constants, labels, fields and sizes defined later', () => {
    const r = assembleText(`
.equ A, B * 2
.equ B, sizeof(s) + s.y
.equ C, there / 4
.struct s
    x u64
    y u16
.endstruct
start:
    nop
there:
    halt
`);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.symbols.defs.get('B')?.value, 10n + 8n);
    assert.equal(r.symbols.defs.get('A')?.value, 36n);
    assert.equal(r.symbols.defs.get('C')?.value, 1n);
  });
});

describe('builtin constants', () => {
  test('architectural bits and page size', () => {
    const expected: Record<string, bigint> = {
      CR0_PE: 1n, CR0_WP: 0x1_0000n, CR0_PG: 0x8000_0000n, CR4_PSE: 0x10n, CR4_PAE: 0x20n, CR4_PGE: 0x80n,
      PTE_P: 1n, PTE_RW: 2n, PTE_US: 4n, PTE_PWT: 8n, PTE_PCD: 0x10n, PTE_A: 0x20n, PTE_D: 0x40n, PTE_PS: 0x80n, PTE_G: 0x100n, PAGE_SIZE: 4096n,
    };
    const defs = assembleText('start:\n    halt\n').symbols.defs;
    for (const [name, v] of Object.entries(expected)) {
      assert.equal(defs.get(name)?.value, v, name);
      assert.equal(defs.get(name)?.kind, 'builtin');
      assert.equal(defs.get(name)?.span, null);
    }
  });

  test('from the patent layout: VSn_CR3 for paged spaces, Cn_BASE/SIZE/END for chunks', () => {
    const defs = assembleText('start:\n    halt\n').symbols.defs;
    const v = (n: string) => defs.get(n)?.value;
    assert.equal(v('VS1_CR3'), 0xef00_0000n);
    assert.equal(v('VS2_CR3'), 0xef00_0020n);
    assert.equal(v('VS0_CR3'), undefined, 'VS0 runs with paging off: it has no PDPT');
    assert.deepEqual(['C1', 'C2', 'C3', 'C4', 'C5'].map((c) => [v(`${c}_BASE`), v(`${c}_SIZE`), v(`${c}_END`)]), [
      [0n, 0x2000_0000n, 0x2000_0000n],
      [0x2000_0000n, 0xd000_0000n, 0xf000_0000n],
      [0xf000_0000n, 0x1000_0000n, 0x1_0000_0000n],
      [0x1_0000_0000n, 0xd000_0000n, 0x1_d000_0000n],
      [0x1_d000_0000n, 0xd000_0000n, 0x2_a000_0000n],
    ]);
  });

  test('a layout with other chunks and spaces gives other builtins', () => {
    const layout = layoutOf({
      name: 'small',
      chunks: [{ name: 'LOW', base: '0', size: '16M' }, { name: 'HIGH', base: '0x4_0000_0000', size: '2M' }],
      spaces: [{ name: 'VS0', paging: false }, { name: 'VS7', map: [{ va: '0', chunk: 'LOW' }, { va: '0x4000_0000', chunk: 'HIGH' }] }],
      pageTables: { base: '0x80_0000', size: '1M' },
    });
    const r = assembleText('start:\n    mov r1, VS7_CR3\n    mov r2, HIGH_END\n    halt\n', { layout });
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.symbols.defs.get('VS7_CR3')?.value, 0x80_0000n);
    assert.equal(r.symbols.defs.get('HIGH_END')?.value, 0x4_0020_0000n);
    assert.equal(r.symbols.defs.get('C1_BASE'), undefined);
  });
});

describe('structs', () => {
  test('fields are laid out in order without padding; ptr is 4 bytes; arrays and nested structs', () => {
    const r = assembleText(`
.struct inner
    a u16
    b i8[3]
.endstruct
.struct outer
    p    ptr
    x    u64
    in   inner[2]
    tail u8
.endstruct
start:
    mov r1, sizeof(outer)
    mov r2, outer.tail
    halt
`);
    assert.deepEqual(r.diagnostics, []);
    const outer = r.structs.get('outer')!;
    assert.equal(r.structs.get('inner')!.size, 5);
    assert.equal(outer.size, 4 + 8 + 10 + 1);
    assert.deepEqual(outer.fields.map((f) => [f.name, f.offset, f.count, f.elementSize, f.type.kind]), [
      ['p', 0, 1, 4, 'ptr'], ['x', 4, 1, 8, 'int'], ['in', 12, 2, 5, 'struct'], ['tail', 22, 1, 1, 'int'],
    ]);
    assert.equal(r.symbols.defs.get('outer.tail')?.value, 22n);
    assert.equal(r.symbols.defs.get('outer')?.value, 23n);
    assert.deepEqual(r.structs.get('inner')!.fields[1].type, { kind: 'int', bytes: 1, signed: true });
  });

  test('a field may use a struct declared later, and an array count may be a constant', () => {
    const r = assembleText('.struct a\n    b later[N]\n.endstruct\n.equ N, 3\n.struct later\n    v u32\n.endstruct\nstart:\n    halt\n');
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.structs.get('a')!.size, 12);
  });
});

describe('data directives', () => {
  test('widths, little-endian order, strings, .zero and .align move the address', () => {
    const p = build(`
.org vs0:0x0030_0000
b:  .byte 1, 0xFF, -1, 'z'
h:  .half 0x1234, -2
w:  .word 0xDEAD_BEEF, w
q:  .quad 0x1_0000_0000
s:  .ascii "ab"
z:  .asciz "c"
    .zero 3
    .align 8
end: .byte 9
start:
    halt
`);
    const bytes = (i: number) => [...p.data[i].bytes];
    assert.deepEqual(p.data.map((d) => [d.space, d.va, d.pa]), [
      ['VS0', 0x0030_0000, 0x0030_0000], ['VS0', 0x0030_0004, 0x0030_0004], ['VS0', 0x0030_0008, 0x0030_0008],
      ['VS0', 0x0030_0010, 0x0030_0010], ['VS0', 0x0030_0018, 0x0030_0018], ['VS0', 0x0030_001a, 0x0030_001a], ['VS0', 0x0030_0020, 0x0030_0020],
    ]);
    assert.deepEqual(bytes(0), [1, 0xff, 0xff, 0x7a]);
    assert.deepEqual(bytes(1), [0x34, 0x12, 0xfe, 0xff]);
    assert.deepEqual(bytes(2), [0xef, 0xbe, 0xad, 0xde, 0x08, 0x00, 0x30, 0x00]);
    assert.deepEqual(bytes(3), [0, 0, 0, 0, 1, 0, 0, 0]);
    assert.deepEqual(bytes(4), [0x61, 0x62]);
    assert.deepEqual(bytes(5), [0x63, 0]);
    assert.deepEqual(bytes(6), [9]);
    // z: 0x1A..0x1B; .zero 3 moves to 0x1E (writing nothing); .align 8 moves to 0x20.
    assert.equal(p.symbols.defs.get('end')?.value, 0x0030_0020n);
  });

  test('data in a paged space goes to the physical address the layout maps, split at pages', () => {
    const p = build('.org vs1:0x1FFF_FFFE\nx: .word 0x1122_3344\n.org pa:0x3_0000_0000\ny: .byte 7\nstart:\n    halt\n');
    assert.deepEqual(p.data.map((d) => [d.space, d.va, d.pa, [...d.bytes]]), [
      ['VS1', 0x1fff_fffe, 0x1fff_fffe, [0x44, 0x33]],
      ['VS1', 0x2000_0000, 0x1_0000_0000, [0x22, 0x11]],
      ['PA', 0x3_0000_0000, 0x3_0000_0000, [7]],
    ]);
    assert.equal(p.symbols.defs.get('x')?.kind, 'data-label');
    assert.equal(p.symbols.defs.get('y')?.value, 0x3_0000_0000n);
  });

  test('data is in physical memory when the program loads', () => {
    const s = load('.org vs2:0x2000_0010\n.quad 0xABCD\nstart:\n    halt\n');
    assert.equal(s.machine.memory.read64(0x1_d000_0010), 0xabcdn, 'VS2 maps 0x2000_0000 to C5');
  });
});
