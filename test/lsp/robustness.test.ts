// Bad input never takes the server down: malformed requests get errors or empty answers, garbage
// documents get diagnostics, a bad layout setting gets a warning and the patent layout; and the
// active layout is the one the hover translates with.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { LspClient, TIMEOUT_MS, markdownOf, workspace } from './harness';
import { specialFiles } from '../support/special-files';

async function withServer(opts: Parameters<typeof LspClient.start>[0], fn: (c: LspClient) => Promise<void>): Promise<void> {
  const c = await LspClient.start(opts);
  try {
    await fn(c);
    c.assertHealthy();
  } finally {
    await c.stop();
  }
}

test('malformed requests: wrong shapes, unknown documents, wild positions, unknown methods', async () => {
  const ws = workspace({ 'ok.mover': 'start:\n    halt\n' });
  await withServer({ folders: [ws.dir] }, async (c) => {
    const uri = await c.open(ws.file('ok.mover'), 'start:\n    halt\n');
    await c.diagnostics(uri);
    const methods = ['textDocument/hover', 'textDocument/completion', 'textDocument/definition', 'textDocument/references', 'textDocument/documentHighlight',
      'textDocument/signatureHelp', 'textDocument/documentSymbol', 'textDocument/foldingRange', 'textDocument/documentLink', 'textDocument/semanticTokens/full',
      'textDocument/formatting', 'textDocument/codeAction', 'textDocument/prepareRename'];
    const bad: unknown[] = [
      {}, { textDocument: null }, { textDocument: { uri: 42 } }, { textDocument: { uri: 'file:///nowhere/missing.mover' }, position: { line: 0, character: 0 } },
      { textDocument: { uri }, position: { line: 1e9, character: 1e9 } }, { textDocument: { uri }, position: { line: -1, character: 'x' } },
      { textDocument: { uri }, position: null }, { textDocument: { uri: 'not a uri at all' }, position: { line: 0, character: 0 } },
    ];
    for (const m of methods) {
      for (const p of bad) {
        // An answer (usually empty) or a protocol error; never a dead server.
        await c.request(m, p).catch((e: Error) => assert.ok(e.message, `${m} rejected ${JSON.stringify(p)} without a message`));
      }
    }
    await assert.rejects(c.request('textDocument/rename', { textDocument: { uri }, position: { line: 0, character: 1 }, newName: 7 }), /newName/);
    await assert.rejects(c.request('mover/noSuchMethod', {}), /Unhandled method|not found/i);
    assert.ok(Array.isArray(await c.request('workspace/symbol', {})), 'a symbol query without a query string answers');
    // Still serving: a real hover answers.
    const h = await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 5 } });
    assert.match(markdownOf(h as { contents: unknown }), /halt/);
  });
  ws.dispose();
});

test('garbage documents: binary bytes, very long lines, unclosed everything, deep include cycles', async () => {
  const ws = workspace({ 'a.mover': '.include "b.mover"\n', 'b.mover': '.include "a.mover"\n' });
  await withServer({ folders: [ws.dir] }, async (c) => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const binary = Array.from({ length: 4000 }, () => String.fromCharCode(Math.floor(rnd() * 256))).join('');
    const u1 = await c.open(ws.file('binary.mover'), binary);
    assert.ok((await c.diagnostics(u1)).length > 0);
    const long = `start:\n    mov r1, ${'1 + '.repeat(20_000)}1\n    .struct\n    "unclosed\n[[[[\n`;
    const u2 = await c.open(ws.file('long.mover'), long);
    assert.ok((await c.diagnostics(u2)).length > 0);
    const u3 = await c.open(ws.file('a.mover'), '.include "b.mover"\n');
    const cyc = await c.diagnostics(u3);
    assert.ok(cyc.some((d) => /include cycle/.test(d.message) || /brings/.test(d.message)), JSON.stringify(cyc));
    // Every feature on the garbage answers.
    for (const uri of [u1, u2, u3]) {
      await c.request('textDocument/semanticTokens/full', { textDocument: { uri } });
      await c.request('textDocument/documentSymbol', { textDocument: { uri } });
      await c.request('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } });
      await c.request('textDocument/completion', { textDocument: { uri }, position: { line: 1, character: 10 } });
      await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 10 } });
    }
  });
  ws.dispose();
});

test('the layout setting: hovers translate with it; a bad one warns and falls back to the patent layout', async () => {
  const ws = workspace({ 'p.mover': '.equ X, 0x8030_0000\n' });
  // VS1 of this layout maps C4 only up to 0x8020_0000: 0x8030_0000 falls in the hole.
  writeFileSync(ws.file('hole.json'), JSON.stringify({
    name: 'hole', chunks: [
      { name: 'C1', base: '0x0', size: '512M' }, { name: 'C2', base: '0x2000_0000', size: '3.25G' }, { name: 'C3', base: '0xF000_0000', size: '256M' },
      { name: 'C4', base: '0x1_0000_0000', size: '3.25G' }],
    spaces: [{ name: 'VS0', paging: false }, { name: 'VS1', map: [{ va: '0x0', chunk: 'C1', global: true }, { va: '0x2000_0000', chunk: 'C4', size: '0x6020_0000' }, { va: '0xF000_0000', chunk: 'C3', global: true }] }],
    pageTables: { base: '0xEF00_0000', size: '16M' },
  }));
  await withServer({ folders: [ws.dir], initializationOptions: { layout: 'hole.json' } }, async (c) => {
    const uri = await c.open(ws.file('p.mover'), '.equ X, 0x8030_0000\n');
    await c.diagnostics(uri);
    const md = markdownOf(await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 10 } }));
    assert.match(md, /\| VS1 \| not mapped \|/);
    assert.doesNotMatch(md, /VS2/);
    // Switch to a layout file that is not valid: a warning, and the patent layout (VS2 exists, VS1 maps 0x8030_0000 into C4).
    writeFileSync(ws.file('bad.json'), '{ "chunks": "nope" }');
    await c.notify('workspace/didChangeConfiguration', { settings: { mover: { layout: 'bad.json' } } });
    const deadline = Date.now() + 5000;
    while (!c.shown.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(c.shown[0] ?? '', /bad\.json is not valid: chunks: .*Using the patent's FIG\. 5 layout/);
    const md2 = markdownOf(await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 10 } }));
    // 0x8030_0000 - 0x2000_0000 = 0x6030_0000 into C4 (base 0x1_0000_0000).
    assert.match(md2, /\| VS1 \| `0x1_6030_0000` \| C4 /);
    assert.match(md2, /\| VS2 \|/);
  });
  ws.dispose();
});

test('a layout setting naming /dev/zero, a FIFO, a directory or a 17 MiB file: a warning with the reason, at once', async () => {
  const s = specialFiles('.json');
  const ws = workspace({ 'p.mover': 'start:\n    halt\n' });
  try {
    await withServer({ folders: [ws.dir] }, async (c) => {
      const uri = await c.open(ws.file('p.mover'), 'start:\n    halt\n');
      await c.diagnostics(uri);
      for (const [i, k] of [...s.cases, { name: 'the device itself', file: '/dev/zero', reason: /character device/ }].entries()) {
        await c.notify('workspace/didChangeConfiguration', { settings: { mover: { layout: k.file } } });
        const deadline = Date.now() + TIMEOUT_MS;
        while (c.shown.length <= i && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.ok(c.shown[i]?.startsWith(`Mover: cannot read the layout file ${k.file}: `), `${k.name}: ${c.shown[i]}`);
        assert.match(c.shown[i], k.reason, k.name);
      }
      // Still serving, on the patent layout.
      const h = await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 5 } });
      assert.match(markdownOf(h as { contents: unknown }), /halt/);
    });
  } finally {
    s.dispose();
    ws.dispose();
  }
});

test('host files in messages: a layout that is not JSON and an .include of a non-.mover file quote none of their text', async () => {
  const ws = workspace({ 'shadow': 'root:$y$j9T$SECRETHASH:19000:0:99999:7:::\n', 'etc/hostname': 'secret-host-name\n' });
  const src = '.include "etc/hostname"\nstart:\n    halt\n';
  await withServer({ folders: [ws.dir], initializationOptions: { layout: 'shadow' } }, async (c) => {
    const uri = await c.open(ws.file('p.mover'), src);
    const diags = await c.diagnostics(uri);
    assert.deepEqual(diags.map((d) => d.message), ['cannot read hostname: only .mover files are read']);
    const deadline = Date.now() + TIMEOUT_MS;
    while (!c.shown.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.shown[0], `Mover: the layout file ${ws.file('shadow')} is not valid: (file): not valid JSON at line 1 column 1. Using the patent's FIG. 5 layout.`);
    assert.doesNotMatch([...c.shown, ...c.log].join('\n'), /SECRET|secret-host/);
  });
  ws.dispose();
});

test('malformed didOpen/didChange/didClose notifications are ignored: every document keeps its diagnostics, hover and definition', async () => {
  const ws = workspace({ 'ok.mover': '' });
  const src = 'start:\n    jmp start\n';
  await withServer({ folders: [ws.dir] }, async (c) => {
    for (const bad of [{ uri: 42, languageId: 'mover', version: 1, text: 'x' }, { uri: { nested: 1 }, languageId: 'mover', version: 1, text: 'x' }, { uri: 'file:///x.mover', languageId: 'mover', version: 1, text: 7 }, null]) {
      await c.notify('textDocument/didOpen', { textDocument: bad });
    }
    await c.notify('textDocument/didChange', { textDocument: { uri: 17, version: 2 }, contentChanges: [{ text: 'x' }] });
    await c.notify('textDocument/didClose', { textDocument: { uri: [] } });
    const uri = await c.open(ws.file('ok.mover'), src);
    assert.deepEqual(await c.diagnostics(uri), []);
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 'a' } }, text: 'junk' }] });
    const h = await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 5 } });
    assert.match(markdownOf(h as { contents: unknown }), /jmp/);
    const d = await c.request<{ range: { start: { line: number } } } | null>('textDocument/definition', { textDocument: { uri }, position: { line: 1, character: 10 } });
    assert.equal((Array.isArray(d) ? d[0] : d)?.range.start.line, 0);
    assert.ok(c.log.some((l) => /ignored a didOpen notification that is not well formed/.test(l)));
  });
  ws.dispose();
});

test('after shutdown, requests are refused with InvalidRequest', async () => {
  const ws = workspace({ 'ok.mover': '' });
  const c = await LspClient.start({ folders: [ws.dir] });
  try {
    const uri = await c.open(ws.file('ok.mover'), 'start:\n    halt\n');
    await c.diagnostics(uri);
    await c.request('shutdown', null);
    for (const [method, params] of [
      ['textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 5 } }],
      ['textDocument/completion', { textDocument: { uri }, position: { line: 1, character: 5 } }],
      ['textDocument/formatting', { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } }],
      ['workspace/symbol', { query: '' }],
    ] as const) {
      await assert.rejects(c.request(method, params), (e: { code?: number }) => e.code === -32600, method);
    }
  } finally {
    await c.stop();
    ws.dispose();
  }
});
