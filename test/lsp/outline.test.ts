// The outline, folding, semantic tokens, include links and workspace symbols over a real connection.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LspClient, libFile, uriOf, workspace } from './harness';

const SRC = `; outline sample
; region: setup
.include "boot.mover"
.equ COUNT, 4
.volume DISK, 4096, 8
; endregion
.struct rec
    key  u32
    next rec*
.endstruct
.org vs1:0x2000_0000
table: .quad COUNT
.object r0obj, rec, vs1:0x2000_1000
.thread main, start, cpu=1
; start: the entry
start:
    mov r1, COUNT
.loop:
    sub r1, r1, 1
    bne r1, 0, .loop
.done:
    ld32 r2, [table + rec.key]
    halt

helper:
    ret
`;

interface Sym { name: string; kind: number; detail?: string; range: { start: { line: number }; end: { line: number } }; children?: Sym[] }

let c: LspClient;
let uri: string;
const ws = workspace({ 'outline.mover': SRC });

before(async () => {
  c = await LspClient.start({ folders: [ws.dir] });
  uri = await c.open(ws.file('outline.mover'), SRC);
  assert.deepEqual(await c.diagnostics(uri), []);
});
after(async () => { c.assertHealthy(); await c.stop(); ws.dispose(); });

test('document symbols: labels with their local labels and bodies, structs with fields, threads, constants, volumes, objects', async () => {
  const syms = await c.request<Sym[]>('textDocument/documentSymbol', { textDocument: { uri } });
  const show = (s: Sym): string => `${s.name}/${s.kind}@${s.range.start.line}-${s.range.end.line}${s.children?.length ? `{${s.children.map(show).join(',')}}` : ''}`;
  // Kinds: 5 class... here 12 Function, 20 Key, 13 Variable, 14 Constant, 23 Struct, 8 Field, 1 File, 24 Event, 19 Object.
  assert.deepEqual(syms.map(show), [
    'COUNT/14@3-3', 'DISK/1@4-4', 'rec/23@6-9{key/8@7-7,next/8@8-8}', 'table/13@11-11', 'r0obj/19@12-12', 'main/24@13-13',
    'start/12@15-22{.loop/20@17-19,.done/20@20-22}', 'helper/12@24-25',
  ]);
  assert.equal(syms.find((s) => s.name === 'main')!.detail, 'start, cpu=1');
  assert.equal(syms.find((s) => s.name === 'rec')!.detail, 'struct, 8 bytes');
});

test('tests are Method symbols named by the test, with their threads as detail: the Test Explorer finds them so', async () => {
  const src = '.test adds, t_add\n.test pair, t_a, t_b, cpus=3\nt_add:\n    halt\nt_a:\n    halt\nt_b:\n    halt\n';
  const u = await c.open(ws.file('tests.mover'), src);
  const syms = await c.request<Sym[]>('textDocument/documentSymbol', { textDocument: { uri: u } });
  assert.deepEqual(syms.filter((s) => s.kind === 6).map((s) => [s.name, s.range.start.line, s.detail]), [
    ['adds', 0, 'test adds: t_add on 2 processors'], ['pair', 1, 'test pair: t_a, t_b on 3 processors'],
  ]);
});

test('folding: region markers, the struct, label bodies and comment blocks', async () => {
  const f = await c.request<{ startLine: number; endLine: number; kind?: string }[]>('textDocument/foldingRange', { textDocument: { uri } });
  const shown = f.map((x) => `${x.startLine}-${x.endLine}${x.kind ? ':' + x.kind : ''}`).sort();
  assert.deepEqual(shown, ['0-1:comment', '1-5:region', '6-9', '15-22', '24-25'].sort());
});

test('semantic tokens tell labels, local labels, constants, builtins, structs, fields, registers and spaces apart', async () => {
  const legend = c.initializeResult.capabilities.semanticTokensProvider!.legend;
  const r = await c.request<{ data: number[] }>('textDocument/semanticTokens/full', { textDocument: { uri } });
  const lines = SRC.split('\n');
  const toks: string[] = [];
  let line = 0;
  let col = 0;
  for (let i = 0; i < r.data.length; i += 5) {
    const [dl, dc, len, type, mods] = r.data.slice(i, i + 5);
    line += dl;
    col = dl ? dc : col + dc;
    const m = legend.tokenModifiers.filter((_, j) => mods & (1 << j));
    toks.push(`${lines[line].slice(col, col + len)}:${legend.tokenTypes[type]}${m.length ? '+' + m.join('+') : ''}`);
  }
  const want = [
    'COUNT:enumMember+declaration+readonly', '.struct:macro', 'rec:struct+declaration', 'key:property+declaration', 'u32:type+defaultLibrary', 'rec:struct',
    'vs1:namespace', 'table:variable+declaration', 'start:function+declaration', 'mov:keyword', 'r1:parameter', 'COUNT:enumMember+readonly',
    '.loop:label+declaration', '.loop:label', 'table:variable', 'rec:struct', 'key:property', 'halt:keyword', 'helper:function+declaration',
  ];
  // In order, as a subsequence of everything coloured.
  let j = 0;
  for (const t of toks) if (t === want[j]) j++;
  assert.equal(j, want.length, `missing ${want[j]} in order; got ${toks.join(' ')}`);
});

test('the .include name links to the library file', async () => {
  const links = await c.request<{ range: { start: { line: number; character: number } }; target: string }[]>('textDocument/documentLink', { textDocument: { uri } });
  assert.deepEqual(links.map((l) => [l.range.start.line, l.range.start.character, l.target]), [[2, 9, uriOf(libFile('boot.mover'))]]);
});

test('workspace symbols: by subsequence, from the workspace\'s programs and their includes', async () => {
  const r = await c.request<{ name: string; location: { uri: string } }[]>('workspace/symbol', { query: 'strt' });
  assert.ok(r.some((s) => s.name === 'start' && s.location.uri === uri));
  const boot = await c.request<{ name: string; location: { uri: string } }[]>('workspace/symbol', { query: 'boot_cpu' });
  assert.ok(boot.some((s) => s.name === 'boot_cpu' && s.location.uri === uriOf(libFile('boot.mover'))));
});
