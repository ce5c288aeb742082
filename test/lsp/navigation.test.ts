// Go to definition, references, highlights and rename over a real LSP connection, across included
// files and the workspace's programs; what cannot be renamed says why.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LspClient, libFile, positionOf, uriOf, workspace } from './harness';

const LIB = `; shared.mover
.struct rec
    key  u32
    data u8[16]
.endstruct
helper:
    ld32 r1, [r2 + rec.key]
.again:
    bne r1, 0, .again
    ret
`;
const MAIN = `.include "shared.mover"
.include "vsgate.mover"
.thread main, start, cpu=0
start:
    call helper
    mov r3, sizeof(rec)
    add r4, r4, rec.data
    jmp helper.again
    mov r1, VS1_CR3
    call vs_call
`;
const SECOND = `.include "shared.mover"
.thread t, go, cpu=0
go:
    call helper
    halt
`;
// A program of its own that happens to define its own helper: not the same symbol.
const UNRELATED = `.thread u, helper, cpu=0
helper:
    halt
`;

let c: LspClient;
let main: string;
const ws = workspace({ 'shared.mover': LIB, 'main.mover': MAIN, 'second.mover': SECOND, 'unrelated.mover': UNRELATED });

before(async () => {
  c = await LspClient.start({ folders: [ws.dir] });
  main = await c.open(ws.file('main.mover'), MAIN);
  assert.deepEqual(await c.diagnostics(main), []);
});
after(async () => { c.assertHealthy(); await c.stop(); ws.dispose(); });

type Loc = { uri: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } };
const where = (l: Loc) => `${l.uri.slice(l.uri.lastIndexOf('/') + 1)}:${l.range.start.line}:${l.range.start.character}-${l.range.end.character}`;

test('definition: a label in an included file, a local label by its qualified name, a struct, a field, a library label, the include itself', async () => {
  const def = (needle: string, offset: number) => c.request<Loc | null>('textDocument/definition', { textDocument: { uri: main }, position: positionOf(MAIN, needle, offset) });
  assert.equal(where((await def('call helper', 6))!), 'shared.mover:5:0-6');
  assert.equal(where((await def('helper.again', 8))!), 'shared.mover:7:0-6');
  assert.equal(where((await def('helper.again', 2))!), 'shared.mover:5:0-6');
  assert.equal(where((await def('sizeof(rec)', 8))!), 'shared.mover:1:8-11');
  assert.equal(where((await def('rec.data', 5))!), 'shared.mover:3:4-8');
  const vs = (await def('vs_call', 2))!;
  assert.equal(vs.uri, uriOf(libFile('vsgate.mover')));
  assert.equal(readFileSync(libFile('vsgate.mover'), 'utf8').split('\n')[vs.range.start.line].startsWith('vs_call:'), true);
  assert.equal(where((await def('"shared.mover"', 3))!), 'shared.mover:0:0-0');
  assert.equal(await def('VS1_CR3', 2), null, 'a builtin has no place');
});

test('references: across the included file and every program that includes it, not an unrelated program\'s own helper', async () => {
  const refs = await c.request<Loc[]>('textDocument/references', { textDocument: { uri: main }, position: positionOf(MAIN, 'call helper', 6), context: { includeDeclaration: true } });
  assert.deepEqual(refs.map(where).sort(), ['main.mover:4:9-15', 'main.mover:7:8-14', 'second.mover:3:9-15', 'shared.mover:5:0-6'].sort());
  const noDecl = await c.request<Loc[]>('textDocument/references', { textDocument: { uri: main }, position: positionOf(MAIN, 'call helper', 6), context: { includeDeclaration: false } });
  assert.equal(noDecl.length, 3);
});

test('references of a field: only its own segment of `rec.data`', async () => {
  const refs = await c.request<Loc[]>('textDocument/references', { textDocument: { uri: main }, position: positionOf(MAIN, 'rec.data', 6), context: { includeDeclaration: true } });
  assert.deepEqual(refs.map(where).sort(), ['main.mover:6:20-24', 'shared.mover:3:4-8'].sort());
});

test('document highlights: the definition is a write, uses are reads', async () => {
  const shared = await c.open(ws.file('shared.mover'), LIB);
  const h = await c.request<{ range: Loc['range']; kind: number }[]>('textDocument/documentHighlight', { textDocument: { uri: shared }, position: positionOf(LIB, '.again', 2, 1) });
  assert.deepEqual(h.map((x) => [x.range.start.line, x.range.start.character, x.kind]), [[7, 1, 3], [8, 16, 2]]);
  await c.close(shared);
});

test('rename a local label: `.again` and `helper.again` change only the last segment, in both files', async () => {
  const prep = await c.request<{ range: Loc['range']; placeholder: string }>('textDocument/prepareRename', { textDocument: { uri: main }, position: positionOf(MAIN, 'helper.again', 9) });
  assert.equal(prep.placeholder, 'again');
  const edit = await c.request<{ changes: Record<string, { range: Loc['range']; newText: string }[]> }>('textDocument/rename', { textDocument: { uri: main }, position: positionOf(MAIN, 'helper.again', 9), newName: 'retry' });
  const flat = Object.entries(edit.changes).flatMap(([u, es]) => es.map((e) => `${where({ uri: u, range: e.range })}=${e.newText}`)).sort();
  assert.deepEqual(flat, ['main.mover:7:15-20=retry', 'shared.mover:7:1-6=retry', 'shared.mover:8:16-21=retry'].sort());
});

test('rename a struct: `rec` in sizeof, in `rec.key`/`rec.data` prefixes and its declaration', async () => {
  const edit = await c.request<{ changes: Record<string, { range: Loc['range']; newText: string }[]> }>('textDocument/rename', { textDocument: { uri: main }, position: positionOf(MAIN, 'sizeof(rec)', 8), newName: 'record' });
  const flat = Object.entries(edit.changes).flatMap(([u, es]) => es.map((e) => where({ uri: u, range: e.range }))).sort();
  assert.deepEqual(flat, ['main.mover:5:19-22', 'main.mover:6:16-19', 'shared.mover:1:8-11', 'shared.mover:6:19-22'].sort());
  // Applying the edit gives programs that still assemble: checked by applying it to the texts.
  const apply = (text: string, es: { range: Loc['range']; newText: string }[]) => {
    const lines = text.split('\n');
    for (const e of [...es].sort((a, b) => b.range.start.character - a.range.start.character)) {
      const l = lines[e.range.start.line];
      lines[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
    }
    return lines.join('\n');
  };
  const newLib = apply(LIB, edit.changes[uriOf(ws.file('shared.mover'))]);
  const newMain = apply(MAIN, edit.changes[main]);
  assert.match(newLib, /\.struct record\n/);
  assert.match(newMain, /sizeof\(record\)[\s\S]*record\.data/);
  const shared = await c.open(ws.file('shared.mover'), newLib);
  await c.change(main, newMain);
  assert.deepEqual(await c.diagnostics(main), []);
  await c.close(shared);
  await c.change(main, MAIN);
  assert.deepEqual(await c.diagnostics(main), []);
});

test('what cannot be renamed says why', async () => {
  const err = async (needle: string, offset: number, newName = 'x1') => {
    try {
      await c.request('textDocument/rename', { textDocument: { uri: main }, position: positionOf(MAIN, needle, offset), newName });
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  assert.match(await err('VS1_CR3', 2), /builtin/);
  assert.match(await err('vs_call', 2), /defined in the library \(vsgate\.mover\)/);
  assert.match(await err('call helper', 6, 'start'), /start is already defined \(main\.mover:4\)/);
  assert.match(await err('call helper', 6, '9lives'), /is not a name/);
  assert.match(await err('call helper', 6, 'r3'), /register/);
  assert.match(await err('    mov r3', 5), /Only labels/);
  try {
    await c.request('textDocument/prepareRename', { textDocument: { uri: main }, position: positionOf(MAIN, 'vs_call', 2) });
    assert.fail('prepareRename accepted a library label');
  } catch (e) {
    assert.match((e as Error).message, /library/);
  }
});
