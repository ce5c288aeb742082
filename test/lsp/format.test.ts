// Formatting: column alignment that keeps every code word, idempotent; checked on a messy sample whose
// expected output was written by hand, on every library and example file (same tokens, same assembled
// program, formatting twice = once), and over the LSP connection (whole document and a range).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatLines } from '../../language-server/format';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { assemble, lexLine, nodeSourceHost } from '../../emulator/index';
import { assembleText } from '../interp/helpers';
import { LspClient, root, workspace } from './harness';

const fmt = (text: string, tabSize = 4, insertSpaces = true) => formatLines(text.split('\n'), { tabSize, insertSpaces }).join('\n');

const MESSY = [
  '; header',
  '.equ A,1',
  '.equ LONGER_NAME ,   0x2000_0000   ; the base',
  '  .include "vsgate.mover"',
  '.struct rec',
  '  key u32 ; first',
  '      data    u8[16]',
  '   next rec*',
  '  .endstruct',
  'start:   mov r1,2',
  '  add   r1 ,r1,  [r2+8] ; bump',
  '      ; indented comment',
  '.loop: bne r1,0,.loop',
  '    print "a,b ;  c"   ; keep the string',
  'x: y: halt',
  '',
  'tbl:  .quad 1,2',
  'longer_label: .word 3',
  '    bad "unclosed   ',
  '',
].join('\n');

// Written by hand from the rules in language-server/format.ts.
const EXPECTED = [
  '; header',
  '.equ A,           1',
  '.equ LONGER_NAME, 0x2000_0000      ; the base',
  '.include "vsgate.mover"',
  '.struct rec',
  '    key  u32                       ; first',
  '    data u8[16]',
  '    next rec*',
  '.endstruct',
  'start:   mov r1, 2',
  '    add r1, r1, [r2+8]             ; bump',
  '    ; indented comment',
  '.loop:   bne r1, 0, .loop',
  '    print "a,b ;  c"               ; keep the string',
  'x: y:    halt',
  '',
  'tbl:          .quad 1, 2',
  'longer_label: .word 3',
  '    bad "unclosed',
  '',
].join('\n');

test('a messy sample formats to the hand-written result', () => {
  // Lines 0-14 are one run (no blank line). The .equ values line up one space after the longest
  // `.equ NAME,` (column 18); trailing comments line up where the run's first one was (column 35,
  // wider than the longest code, 29); field types one space after the longest field name (column 9,
  // wider than the first field's 6); statements after labels at the first one's column (9, wider
  // than `.loop:` + 1). The second run's statements go one space after `longer_label:` (14). The
  // unreadable line is left alone but for its trailing spaces.
  assert.equal(fmt(MESSY), EXPECTED);
});

test('formatting is idempotent and tab-aware', () => {
  assert.equal(fmt(EXPECTED), EXPECTED);
  const tabbed = fmt(MESSY, 4, false);
  assert.equal(fmt(tabbed, 4, false), tabbed);
  assert.match(tabbed, /^\tadd r1, r1, \[r2\+8\]/m);
});

function codeWords(text: string): string[] {
  return text.split('\n').flatMap((l, i) => lexLine(l, 0, i, []).map((t) => t.text));
}

// The library's modules and its tests (lib/tests/), and the examples.
const moverFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.mover')).map((n) => path.join(dir, n));
const sources = [
  ...moverFiles(path.join(root, 'lib')), ...moverFiles(path.join(root, 'lib', 'tests')),
  ...readdirSync(path.join(root, 'examples')).filter((n) => n.endsWith('.mover')).map((n) => path.join(root, 'examples', n)),
];

for (const file of sources) {
  test(`${path.basename(file)}: same words, same program, idempotent`, () => {
    const text = readFileSync(file, 'utf8');
    const once = fmt(text);
    assert.equal(fmt(once), once, 'formatting twice changes nothing more');
    assert.deepEqual(codeWords(once), codeWords(text), 'the code words are those of the source');
    assert.equal(once.split('\n').length, text.split('\n').length, 'no line added or removed');
    const libs = Object.fromEntries(moverFiles(path.join(root, 'lib')).map((f) => [path.basename(f), readFileSync(f, 'utf8')]));
    const a = assembleText(text, { files: libs });
    const b = assembleText(once, { files: libs });
    assert.deepEqual(b.diagnostics, a.diagnostics);
    assert.ok(a.program && b.program);
    assert.deepEqual(b.program.code, a.program.code, 'the same instructions');
    assert.deepEqual(b.program.data.map((d) => [d.space, d.va, [...d.bytes]]), a.program.data.map((d) => [d.space, d.va, [...d.bytes]]));
  });
}

test('over LSP: whole-document and range formatting return line edits; CRLF lines keep their \\r', async () => {
  const ws = workspace({ 'f.mover': '' });
  const c = await LspClient.start({ folders: [ws.dir] });
  try {
    const uri = await c.open(ws.file('f.mover'), MESSY);
    type Edit = { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string };
    const all = await c.request<Edit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } });
    const lines = MESSY.split('\n');
    for (const e of all) {
      assert.equal(e.range.start.character, 0);
      assert.equal(e.range.end.character, lines[e.range.start.line].length);
      lines[e.range.start.line] = e.newText;
    }
    assert.equal(lines.join('\n'), EXPECTED);
    const some = await c.request<Edit[]>('textDocument/rangeFormatting', { textDocument: { uri }, range: { start: { line: 9, character: 0 }, end: { line: 10, character: 3 } }, options: { tabSize: 4, insertSpaces: true } });
    assert.deepEqual(some.map((e) => e.range.start.line), [9, 10]);
    const crlf = await c.open(ws.file('crlf.mover'), 'start:\r\n  mov r1,2\r\n');
    const e2 = await c.request<Edit[]>('textDocument/formatting', { textDocument: { uri: crlf }, options: { tabSize: 4, insertSpaces: true } });
    assert.deepEqual(e2.map((e) => [e.range.start.line, e.range.end.character, e.newText]), [[1, 10, '    mov r1, 2']]);
    c.assertHealthy();
  } finally {
    await c.stop();
    ws.dispose();
  }
});

type LineEditOut = { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string };

/** Formats over LSP and applies the edits the way the editor does (its lines: \r\n, \n and a lone \r). */
async function formatOver(c: LspClient, uri: string, text: string): Promise<string> {
  await c.change(uri, text);
  const edits = await c.request<LineEditOut[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } });
  return TextDocument.applyEdits(TextDocument.create(uri, 'mover', 1, text), edits);
}

/** What the assembler makes of a text: its problems by line, and the program. */
function assemblerView(file: string, text: string): unknown {
  const r = assemble(file, text, { host: nodeSourceHost, includePath: [path.join(root, 'lib')] });
  return {
    diagnostics: r.diagnostics.map((d) => [r.files[d.span.file], d.span.line, d.severity, d.message]),
    program: r.program && { code: [...r.program.code], data: r.program.data.map((d) => [d.space, d.va, [...d.bytes]]), threads: r.program.threads.map((t) => [t.name, t.entry, t.cpu, t.stack]) },
  };
}

test('over LSP: lone CR line endings are lines (as the editor counts them), and the edits keep them', async () => {
  const ws = workspace({ 'f.mover': '' });
  const c = await LspClient.start({ folders: [ws.dir] });
  try {
    const uri = await c.open(ws.file('f.mover'), '');
    assert.equal(await formatOver(c, uri, 'start:\r  mov r1,2\r\n  halt ; end\r'), 'start:\r    mov r1, 2\r\n    halt ; end\r');
    c.assertHealthy();
  } finally {
    await c.stop();
    ws.dispose();
  }
});

test('over LSP: a trailing \\v or U+2028 that the assembler reports is kept, so the diagnostics stay', async () => {
  const ws = workspace({ 'f.mover': '' });
  const c = await LspClient.start({ folders: [ws.dir] });
  try {
    const uri = await c.open(ws.file('f.mover'), '');
    for (const tail of ['\v', '\u2028', ' \f']) {
      const text = `start:\n  mov r1,2${tail}\n    halt\n`;
      const formatted = await formatOver(c, uri, text);
      assert.ok(formatted.includes(`${tail.trim()}\n`), `${JSON.stringify(tail)} kept: ${JSON.stringify(formatted)}`);
      const file = ws.file('f.mover');
      assert.deepEqual(assemblerView(file, formatted), assemblerView(file, text));
      assert.ok((assemblerView(file, text) as { diagnostics: unknown[] }).diagnostics.length > 0, 'the assembler reports the character');
    }
    c.assertHealthy();
  } finally {
    await c.stop();
    ws.dispose();
  }
});

test('property: over 500 seeded mutations of lib/ and examples/, formatting never changes what the assembler sees', async () => {
  const files = sources.map((f) => ({ file: f, text: readFileSync(f, 'utf8') }));
  const PIECES = ['\r', '\r\n', '\n', '\v', '\u2028', '\t', '  ', ' ', ',', ';', '"', "'", ':', '(', ')', '[', ']', '+', '.equ X,', 'mov r1,2', '.struct s', '.endstruct', 'x u8', '\\', 'é', '\u0000'];
  let seed = 14;
  const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
  const ws = workspace({ 'm.mover': '' });
  const c = await LspClient.start({ folders: [ws.dir] });
  try {
    const uri = await c.open(ws.file('m.mover'), '');
    for (let k = 0; k < 500; k++) {
      const { file, text: original } = files[k % files.length];
      let text = original;
      for (let m = 1 + rnd(3); m > 0; m--) {
        const at = rnd(text.length + 1);
        text = rnd(3) === 0 ? text.slice(0, at) + text.slice(at + 1 + rnd(5)) : text.slice(0, at) + PIECES[rnd(PIECES.length)] + text.slice(at);
      }
      const formatted = await formatOver(c, uri, text);
      assert.deepEqual(assemblerView(file, formatted), assemblerView(file, text), `case ${k} (${path.basename(file)})`);
      assert.equal(await formatOver(c, uri, formatted), formatted, `case ${k}: formatting twice changes nothing more`);
    }
    c.assertHealthy();
  } finally {
    await c.stop();
    ws.dispose();
  }
});
