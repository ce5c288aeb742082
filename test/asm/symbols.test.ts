// The symbol table the language server and the debugger use: every definition with its kind, span and
// value, and every reference with its span, across included files; present even when there are errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { AssemblyResult, Span } from '../../emulator/index';
import { assembleText } from '../interp/helpers';

const LIB_SRC = `; lib.mover
.equ LIB_SIZE, 64
.struct rec
    key  u32
    data u8[LIB_SIZE]
.endstruct
helper:
    ld32 r1, [r2 + rec.key]
.again:
    bne r1, 0, .again
    ret
`;

const MAIN_SRC = `.include "lib.mover"
.equ COUNT, LIB_SIZE * 2
.thread main, start, cpu=0
.volume DISK, 4096, 8
.org vs1:0x2000_0000
table: .quad COUNT
.object rec0, rec, vs1:0x2000_1000
start:
    call helper
    mov r3, sizeof(rec)
    ld64 r4, [table]
.loop:
    add r5, r5, rec.data
    blt r5, COUNT, .loop
    bread DISK, 0, 1, rec0
    jmp helper.again
`;

function assembled(): AssemblyResult {
  const r = assembleText(MAIN_SRC, { files: { 'lib.mover': LIB_SRC } });
  assert.deepEqual(r.diagnostics, []);
  return r;
}

/** `file:line:col-endCol` (one-based line and column). */
function at(r: AssemblyResult, s: Span | null): string {
  if (!s) return 'builtin';
  return `${path.basename(r.files[s.file])}:${s.line + 1}:${s.col + 1}-${s.endCol + 1}`;
}

test('definitions: kind, place and value of every user symbol', () => {
  const r = assembled();
  const defs = [...r.symbols.defs.values()].filter((d) => d.kind !== 'builtin').map((d) => [d.name, d.kind, at(r, d.span), d.value]);
  assert.deepEqual(defs.sort((a, b) => String(a[0]).localeCompare(String(b[0]))), [
    ['COUNT', 'constant', 'main.mover:2:6-11', 128n],
    ['DISK', 'volume', 'main.mover:4:9-13', 0n],
    ['helper', 'label', 'lib.mover:7:1-7', 0n],
    ['helper.again', 'local-label', 'lib.mover:9:1-7', 4n],
    ['LIB_SIZE', 'constant', 'lib.mover:2:6-14', 64n],
    ['rec', 'struct', 'lib.mover:3:9-12', 68n],
    ['rec.data', 'field', 'lib.mover:5:5-9', 4n],
    ['rec.key', 'field', 'lib.mover:4:5-8', 0n],
    ['rec0', 'object', 'main.mover:7:9-13', 0x2000_1000n],
    ['start', 'label', 'main.mover:8:1-6', 12n],
    ['start.loop', 'local-label', 'main.mover:12:1-6', 24n],
    ['table', 'data-label', 'main.mover:6:1-6', 0x2000_0000n],
    ['thread main', 'thread', 'main.mover:3:9-13', undefined],
  ]);
  assert.match(r.symbols.defs.get('rec.data')!.detail, /u8\[64\] at offset 4/);
  assert.match(r.symbols.defs.get('start')!.detail, /text address 0xc/);
  assert.match(r.symbols.defs.get('table')!.detail, /vs1:0x20000000/);
});

test('references: every use, with its span, under its full name', () => {
  const r = assembled();
  const refs = r.symbols.refs.map((x) => `${x.name} ${at(r, x.span)}`).sort();
  assert.deepEqual(refs, [
    'COUNT main.mover:14:13-18',
    'COUNT main.mover:6:14-19',
    'DISK main.mover:15:11-15',
    'LIB_SIZE lib.mover:5:13-21',
    'LIB_SIZE main.mover:2:13-21',
    'helper main.mover:9:10-16',
    'helper.again lib.mover:10:16-22',
    'helper.again main.mover:16:9-21',
    'rec main.mover:10:20-23',
    'rec main.mover:7:15-18',
    'rec.data main.mover:13:17-25',
    'rec.key lib.mover:8:20-27',
    'rec0 main.mover:15:23-27',
    'start main.mover:3:15-20',
    'start.loop main.mover:14:20-25',
    'table main.mover:11:15-20',
  ].sort());
});

test('builtins are definitions without a place', () => {
  const r = assembled();
  const d = r.symbols.defs.get('VS1_CR3')!;
  assert.equal(d.kind, 'builtin');
  assert.equal(d.span, null);
  assert.match(d.detail, /CR3 value \(PDPT address\) that selects VS1/);
});

test('a program with errors still has its symbols', () => {
  const r = assembleText('.equ K, 5\nstart:\n    mvo r1, K\n.l:\n    jmp .l\n    mov r2, nope\n');
  assert.equal(r.program, null);
  assert.equal(r.diagnostics.length, 2);
  assert.deepEqual([...r.symbols.defs.values()].filter((d) => d.kind !== 'builtin').map((d) => d.name).sort(), ['K', 'start', 'start.l']);
  assert.deepEqual(r.symbols.refs.map((x) => x.name), ['start.l', 'nope']);
});

test('references inside a broken include are attributed to that file', () => {
  const r = assembleText('.include "bad.mover"\nstart:\n    call f\n', { files: { 'bad.mover': 'f:\n    jmp g\n    ret\n' } });
  assert.deepEqual(r.diagnostics.map((d) => [path.basename(r.files[d.span.file]), d.span.line, d.message]), [['bad.mover', 1, 'unknown symbol g (did you mean f?)']]);
  assert.deepEqual(r.symbols.refs.map((x) => [x.name, path.basename(r.files[x.span.file]), x.span.line]), [['g', 'bad.mover', 1], ['f', 'main.mover', 2]]);
});
