// Completion and hover over a real LSP connection. Translations are checked by hand against the
// patent's FIG. 5 layout ([00037]-[00038]): C1 0..512M, C2 512M..3.75G, C3 3.75G..4G, C4 4G..7.25G,
// C5 7.25G..10.5G; VS0 runs with paging off; VS1 maps C1|C4|C3 and VS2 C1|C5|C3 at 0, 512M, 3.75G.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LspClient, markdownOf, positionOf, workspace } from './harness';

interface Item { label: string; textEdit?: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }; kind?: number; detail?: string; documentation?: { value: string }; additionalTextEdits?: { range: { start: { line: number } }; newText: string }[] }

const SRC = `; a test program
.include "vsgate.mover"
.equ PAGE2, 0x2000_0000
.struct rec
    key  u32
    data u8[16]
.endstruct
.org vs1:0x2000_1000
table: .quad 1
.thread main, start, cpu=0
start:
    mov r1, VS1_CR3
    ld32 r2, [r3 + rec.key]
.loop:
    add r4, r4, 1
    blt r4, PAGE2, .loop
    mov cr3, r1
    halt
`;

let c: LspClient;
let uri: string;
const ws = workspace({ 'prog.mover': SRC, 'other.mover': 'x:\n    ret\n' });

before(async () => {
  c = await LspClient.start({ folders: [ws.dir] });
  uri = await c.open(ws.file('prog.mover'), SRC);
  assert.deepEqual(await c.diagnostics(uri), []);
});
after(async () => { c.assertHealthy(); await c.stop(); ws.dispose(); });

/** Completion with the text at `line` replaced by `lineText`, cursor at its end. */
async function completeLine(lineText: string, atLine = 17): Promise<Item[]> {
  const lines = SRC.split('\n');
  lines[atLine] = lineText;
  await c.change(uri, lines.join('\n'));
  const r = await c.request<Item[]>('textDocument/completion', { textDocument: { uri }, position: { line: atLine, character: lineText.length } });
  await c.change(uri, SRC);
  return r;
}

const labels = (items: Item[]) => items.map((i) => i.label);

test('at the head of a statement: every instruction with its documentation, and the directives', async () => {
  const items = await completeLine('    fl');
  const flush = items.find((i) => i.label === 'flush.range')!;
  assert.ok(flush, 'flush.range offered');
  assert.match(flush.documentation!.value, /flush\.range/);
  assert.ok(labels(items).includes('mov') && labels(items).includes('.struct') && labels(items).includes('.include'));
  assert.ok(!labels(items).includes('r1'), 'no registers at the head');
});

test('accepting a directive after a typed dot replaces the dot: `.inc` becomes `.include`, not `..include`', async () => {
  for (const [typed, want] of [['.inc', '.include'], ['    .', '    .include'], ['x: .in', 'x: .include']] as const) {
    const items = await completeLine(typed);
    const inc = items.find((i) => i.label === '.include');
    assert.ok(inc?.textEdit, `${typed}: .include comes with its edit`);
    const { range, newText } = inc.textEdit;
    assert.deepEqual([range.start.line, range.end.line, range.end.character], [17, 17, typed.length]);
    assert.equal(typed.slice(0, range.start.character) + newText + typed.slice(range.end.character), want);
  }
  const mov = (await completeLine('    mo')).find((i) => i.label === 'mov');
  assert.deepEqual(mov?.textEdit?.range.start, { line: 17, character: 4 });
});

test('in operands: registers, labels, the scope\'s local labels as .name, constants, builtins and library labels', async () => {
  const items = await completeLine('    add r5, ');
  const l = labels(items);
  for (const want of ['r0', 'r15', 'sp', 'fp', 'start', 'table', '.loop', 'PAGE2', 'VS1_CR3', 'C4_BASE', 'vs_call', 'sizeof']) assert.ok(l.includes(want), `${want} offered`);
  assert.ok(!l.includes('cr3'), 'control registers only for mov');
  assert.ok(!l.includes('start.loop'), 'a local label is offered by its short name in its scope');
  assert.equal(items.find((i) => i.label === 'PAGE2')!.detail, 'constant');
});

test('mov offers the control registers', async () => {
  assert.ok(labels(await completeLine('    mov ')).includes('cr3'));
});

test('after `struct.` only its fields, in offset order, with type and offset', async () => {
  const items = await completeLine('    ld32 r2, [r3 + rec.');
  assert.deepEqual(items.map((i) => [i.label, i.detail]), [['key', 'u32 at offset 0'], ['data', 'u8[16] at offset 4']]);
  const percpu = await completeLine('    ld64 r2, [r9 + percpu.');
  assert.deepEqual(labels(percpu).slice(0, 3), ['fn', 'args', 'result'], 'fields of a struct from the included library');
});

test('a library entry point not yet included comes with the .include that brings it in', async () => {
  const items = await completeLine('    call dnlc');
  const e = items.find((i) => i.label === 'dnlc_lookup_vs0')!;
  assert.ok(e, 'dnlc_lookup_vs0 offered');
  assert.match(e.detail!, /dnlc\.mover/);
  assert.deepEqual(e.additionalTextEdits!.map((t) => [t.range.start.line, t.newText]), [[2, '.include "dnlc.mover"\n']]);
  // vs_call is already in the program through vsgate.mover: no edit.
  assert.equal(items.find((i) => i.label === 'vs_call')!.additionalTextEdits, undefined);
});

test('.include "..." offers library files and files beside this one', async () => {
  const l = labels(await completeLine('.include "', 2));
  for (const want of ['boot.mover', 'dnlc.mover', 'snapshot.mover', 'vsgate.mover', 'other.mover']) assert.ok(l.includes(want), want);
  assert.ok(!l.includes('prog.mover'), 'not the file itself');
});

test('inside a struct: field types, struct names and pointers to structs', async () => {
  const l = labels(await completeLine('    next ', 5));
  for (const want of ['u8', 'u32', 'u64', 'ptr', 'rec', 'rec*', 'percpu']) assert.ok(l.includes(want), want);
});

test('.org offers the spaces of the layout and pa:', async () => {
  const l = labels(await completeLine('.org ', 7));
  for (const want of ['vs0:', 'vs1:', 'vs2:', 'pa:']) assert.ok(l.includes(want), want);
});

test('nothing inside a comment or a string', async () => {
  assert.deepEqual(await completeLine('    halt ; mo'), []);
  assert.deepEqual(await completeLine('    print "mo'), []);
});

test('signature help follows the operand being written', async () => {
  const lines = SRC.split('\n');
  lines[17] = '    blt r4, ';
  await c.change(uri, lines.join('\n'));
  const s = await c.request<{ signatures: { label: string }[]; activeParameter: number }>('textDocument/signatureHelp', { textDocument: { uri }, position: { line: 17, character: 12 } });
  await c.change(uri, SRC);
  assert.deepEqual(s.signatures.map((x) => x.label), ['blt rs, rt|imm, label']);
  assert.equal(s.activeParameter, 1);
});

async function hoverAt(needle: string, offset = 1, n = 0): Promise<string> {
  return markdownOf(await c.request('textDocument/hover', { textDocument: { uri }, position: positionOf(SRC, needle, offset, n) }));
}

test('hover on an instruction: its syntax, summary and example', async () => {
  const md = await hoverAt('blt');
  assert.match(md, /blt rs, rt\|imm, label/);
  assert.match(md, /Branches when/);
});

test('hover on a number: where it lands in every space of the layout', async () => {
  const md = await hoverAt('0x2000_0000', 3);
  // VS0 paging off: PA = VA, in C2. VS1: 512M maps the start of C4 (4 GiB). VS2: the start of C5 (7.25 GiB).
  assert.match(md, /\| VS0 \(paging off\) \| `0x2000_0000` \| C2 /);
  assert.match(md, /\| VS1 \| `0x1_0000_0000` \| C4 \(DNLC\) \|/);
  assert.match(md, /\| VS2 \| `0x1_d000_0000` \| C5 /);
});

test('hover on a vs1: address and on a data label placed there', async () => {
  // 0x2000_1000 in VS1: 4 GiB + 0x1000.
  assert.match(await hoverAt('0x2000_1000', 3), /A VS1 address[\s\S]*\| VS1 \| `0x1_0000_1000` \| C4/);
  const md = await hoverAt('table', 1, 0);
  assert.match(md, /\*\*table\*\*: data label/);
  assert.match(md, /\| VS1 \| `0x1_0000_1000` \| C4/);
  assert.match(md, /placed in VS1 by `\.org`/);
});

test('hover on a builtin physical address: its chunk and where each space maps it', async () => {
  const md = await hoverAt('VS1_CR3', 2);
  // The boot builder puts VS1's PDPT at 0xEF00_0000: inside C2 (which holds the page tables, [00038]).
  assert.match(md, /physical `0xef00_0000`: chunk \*\*C2\*\*/);
  assert.match(md, /mapped at VS0:`0xef00_0000`/);
});

test('hover on a struct lists its fields; on a field, its type and offset; on a label, its text address', async () => {
  assert.match(await hoverAt('rec.key', 1), /\| 0 \| key \| u32 \|\n\| 4 \| data \| u8\[16\] \|/);
  assert.match(await hoverAt('rec.key', 5), /\*\*rec\.key\*\*: field[\s\S]*u32 at offset 0/);
  // .loop is two instructions (8 bytes of text) after start (the library's code comes first).
  const start = Number(/text address `(0x[0-9a-f_]+)`/.exec(await hoverAt('start:', 1))![1].replace(/_/g, ''));
  assert.match(await hoverAt('.loop', 2, 1), new RegExp(`\\*\\*start\\.loop\\*\\*: local label[\\s\\S]*text address \`0x${(start + 8).toString(16)}\``));
});

test('hover on a library label shows the comment above it', async () => {
  const lines = SRC.split('\n');
  lines[17] = '    call vs_call';
  const text = lines.join('\n');
  await c.change(uri, text);
  const md = markdownOf(await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 17, character: 10 } }));
  await c.change(uri, SRC);
  assert.match(md, /\*\*vs_call\*\*: label \(vsgate\.mover:\d+\)/);
});

test('hover on registers and control registers', async () => {
  assert.match(await hoverAt('cr3', 1), /PDPT/);
  assert.match(await hoverAt('r4, r4', 0), /64-bit general register r4/);
});
