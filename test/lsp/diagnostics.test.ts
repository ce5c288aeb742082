// Diagnostics over a real LSP connection: the assembler's errors with their ranges, debounced, per
// file; errors of included files shown at the .include; included files analysed inside the program
// that includes them; quick fixes for "did you mean".

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LspClient, exampleFile, uriOf, workspace } from './harness';

let c: LspClient;
const ws = workspace({
  'main.mover': '.include "util.mover"\n.thread main, start, cpu=0\nstart:\n    call helper\n    halt\n',
  // util.mover uses RESULT, which only main2.mover defines: alone it would not assemble.
  'util.mover': 'helper:\n    mov r1, 1\n    ret\n',
  'needs-includer.mover': 'use_it:\n    mov r1, RESULT\n    ret\n',
  'main2.mover': '.equ RESULT, 42\n.include "needs-includer.mover"\n.thread main, go, cpu=0\ngo:\n    call use_it\n    halt\n',
  'broken-lib.mover': 'f:\n    jmp nowhere\n    ret\n',
  'uses-broken.mover': '.include "broken-lib.mover"\n.thread main, s, cpu=0\ns:\n    call f\n    halt\n',
});

before(async () => { c = await LspClient.start({ folders: [ws.dir] }); });
after(async () => { c.assertHealthy(); await c.stop(); ws.dispose(); });

test('every example and library file opens without diagnostics', async () => {
  for (const f of ['fig4-walk.mover', 'fig5-layout.mover', 'fig7-dnlc.mover', 'snapshot-00052.mover', 'fig11-three-snapshots.mover', 'missing-flush.mover'].map(exampleFile)) {
    const uri = await c.open(f, readFileSync(f, 'utf8'));
    assert.deepEqual(await c.diagnostics(uri), [], f);
    await c.close(uri);
  }
});

test('the document edited gets its diagnostics first, then the other open documents are published again', async () => {
  const others = ['fig4-walk.mover', 'fig7-dnlc.mover', 'fig11-three-snapshots.mover'].map(exampleFile);
  const uris: string[] = [];
  for (const f of others) uris.push(await c.open(f, readFileSync(f, 'utf8')));
  // Opened last, so it is the last of the open documents: it must not wait for them.
  const edited = await c.open(ws.file('edited.mover'), '.thread main, start, cpu=0\nstart:\n    halt\n');
  for (const u of [...uris, edited]) await c.diagnostics(u);
  const from = c.publishOrder.length;
  const version = await c.change(edited, '.thread main, start, cpu=0\nstart:\n    mov r1, 1\n    halt\n');
  await c.until('every other open document published again after the edited one', () => {
    const after = c.publishOrder.slice(from);
    const at = after.findIndex((p) => p.uri === edited && p.version === version);
    return at >= 0 && uris.every((u) => after.slice(at + 1).some((p) => p.uri === u));
  });
  for (const u of [...uris, edited]) await c.close(u);
});

test('a broken file: each error with its range and message, then none once fixed', async () => {
  const uri = await c.open(ws.file('broken.mover'), 'start:\n    mvo r1, 2\n    jmp .lop\n.loop:\n    ld32 r2, [r1 + nope]\n    halt\n');
  const d = await c.diagnostics(uri);
  assert.deepEqual(d.map((x) => [x.range.start.line, x.range.start.character, x.range.end.character, x.severity, x.message]), [
    [1, 4, 7, 1, 'unknown instruction mvo (did you mean mov?)'],
    [2, 8, 12, 1, 'unknown symbol start.lop (did you mean start.loop?)'],
    [4, 19, 23, 1, 'unknown symbol nope'],
  ]);
  assert.ok(d.every((x) => x.source === 'mover'));
  await c.change(uri, 'start:\n    mov r1, 2\n    jmp .loop\n.loop:\n    ld32 r2, [r1 + 8]\n    halt\n');
  assert.deepEqual(await c.diagnostics(uri), []);
  await c.close(uri);
});

test('quick fixes write the suggestion the way the name was written', async () => {
  const text = 'start:\n    mvo r1, 2\n    jmp .lop\n.loop:\n    halt\n';
  const uri = await c.open(ws.file('fixme.mover'), text);
  const d = await c.diagnostics(uri);
  const actions = await c.request<{ title: string; edit: { changes: Record<string, { newText: string }[]> } }[]>('textDocument/codeAction', {
    textDocument: { uri }, range: d[0].range, context: { diagnostics: d },
  });
  assert.deepEqual(actions.map((a) => [a.title, a.edit.changes[uri][0].newText]), [['Change to mov', 'mov'], ['Change to .loop', '.loop']]);
  await c.close(uri);
});

test('edits in quick succession are debounced: the diagnostics are those of the last version', async () => {
  const uri = await c.open(ws.file('typing.mover'), 'start:\n    halt\n');
  await c.diagnostics(uri);
  const before = c.publishedFor(uri).length;
  let v = 0;
  for (const partial of ['start:\n    m', 'start:\n    mo', 'start:\n    mov', 'start:\n    mov r', 'start:\n    mov r1', 'start:\n    mov r1,', 'start:\n    mov r1, 7']) v = await c.change(uri, partial);
  assert.deepEqual(await c.diagnostics(uri, v), []);
  // Seven changes within the delay: one publication (two if a pause on a slow machine split them).
  assert.ok(c.publishedFor(uri).length - before <= 2, `published ${c.publishedFor(uri).length - before} times`);
  await c.close(uri);
});

test('errors of an included file are shown at its .include, with links to each', async () => {
  const uri = await c.open(ws.file('uses-broken.mover'), readFileSync(ws.file('uses-broken.mover'), 'utf8'));
  const d = await c.diagnostics(uri);
  assert.equal(d.length, 1);
  assert.deepEqual(d[0].range, { start: { line: 0, character: 9 }, end: { line: 0, character: 27 } });
  assert.equal(d[0].message, 'broken-lib.mover brings 1 error; first: broken-lib.mover:2: unknown symbol nowhere');
  assert.deepEqual(d[0].relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line, r.message]), [[uriOf(ws.file('broken-lib.mover')), 1, 'unknown symbol nowhere']]);
  await c.close(uri);
});

test('an included file is analysed inside the program that includes it', async () => {
  // Alone, needs-includer.mover would not know RESULT; main2.mover includes it and defines RESULT.
  const uri = await c.open(ws.file('needs-includer.mover'), readFileSync(ws.file('needs-includer.mover'), 'utf8'));
  assert.deepEqual(await c.diagnostics(uri), []);
  // An edit that breaks it is reported in it, with the includer's context still applied.
  await c.change(uri, 'use_it:\n    mov r1, RESULTS\n    ret\n');
  const d = await c.diagnostics(uri);
  assert.deepEqual(d.map((x) => x.message), ['unknown symbol RESULTS (did you mean RESULT?)']);
  await c.close(uri);
});

test('an unsaved edit of an included file reaches the open program that includes it', async () => {
  const main = await c.open(ws.file('main.mover'), readFileSync(ws.file('main.mover'), 'utf8'));
  assert.deepEqual(await c.diagnostics(main), []);
  const util = await c.open(ws.file('util.mover'), 'helper2:\n    ret\n');
  // main.mover is republished after util.mover changed: `call helper` is now unknown there.
  const deadline = Date.now() + 10_000;
  while (!c.publishedFor(main).at(-1)!.diagnostics.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(c.publishedFor(main).at(-1)!.diagnostics.map((x) => x.message), ['unknown symbol helper (did you mean helper2?)']);
  assert.deepEqual(await c.diagnostics(util), []);
  await c.close(util);
  await c.close(main);
});

test('closing a document clears its diagnostics', async () => {
  const uri = await c.open(ws.file('closing.mover'), 'start:\n    bogus\n');
  assert.equal((await c.diagnostics(uri)).length, 1);
  await c.close(uri);
  const deadline = Date.now() + 5000;
  while (c.publishedFor(uri).at(-1)?.diagnostics.length !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(c.publishedFor(uri).at(-1)!.diagnostics, []);
});

test('an untitled document is assembled too', async () => {
  const uri = await c.open('untitled:Untitled-1', 'start:\n    mov r1, 5\n    jmpp start\n');
  assert.deepEqual((await c.diagnostics(uri)).map((d) => d.message), ['unknown instruction jmpp (did you mean jmp?)']);
  await c.close(uri);
});

test('a fresh open is diagnosed at once, not after the typing debounce; typing is debounced', async () => {
  // A debounce far longer than the harness waits: diagnostics that arrive came from the open's own
  // immediate publish, not from a debounce timer that replaced it.
  const slow = await LspClient.start({ folders: [ws.dir], initializationOptions: { diagnosticsDelayMs: 600_000 } });
  try {
    const a = await slow.open(ws.file('fresh-a.mover'), 'start:\n    mvo r1, 2\n    halt\n');
    assert.deepEqual((await slow.diagnostics(a)).map((d) => d.message), ['unknown instruction mvo (did you mean mov?)']);
    assert.equal(slow.publishedFor(a).length, 1);
    // A change waits for the debounce; the next open publishes every document at once, that change included.
    const v = await slow.change(a, 'start:\n    mov r1, 2\n    halt\n');
    const b = await slow.open(ws.file('fresh-b.mover'), 'start:\n    halt\n');
    assert.deepEqual(await slow.diagnostics(b), []);
    assert.deepEqual(await slow.diagnostics(a, v), []);
    assert.deepEqual(slow.publishedFor(a).map((p) => p.version), [1, v], 'the change was not published on its own before the open');
    slow.assertHealthy();
  } finally {
    await slow.stop();
  }
});
