// Language server figures, over a real stdio connection to dist/languageServer.js as an editor speaks
// to it: how soon a document's diagnostics come after it is opened (the first document of a fresh
// server, and one opened while the other examples are open), and after an edit (the typing debounce,
// DIAGNOSTICS_DELAY_MS, plus the analysis).

import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIAGNOSTICS_DELAY_MS } from '../language-server/timing';
import { spread, summarize, type Figure, type Suite } from './harness';
import { FramedProcess, msBetween, type Json } from './wire';

/** The longest from opening a document to its first diagnostics. */
const OPEN_TO_DIAGNOSTICS_TARGET_MS = 20;

const serverJs = () => path.resolve(__dirname, 'languageServer.js');
const examplesDir = () => path.resolve(__dirname, '..', 'examples');

/** What one fresh server took, in ms. */
interface Run {
  /** didOpen of the first document to its publishDiagnostics. */
  readonly firstOpen: number;
  /** didOpen to publishDiagnostics of each later document, the others still open. */
  readonly laterOpens: number[];
  /** didChange of the last document to its publishDiagnostics. */
  readonly change: number;
  /** Spawn to the initialize response. */
  readonly initialize: number;
  /** Spawn to the first document's diagnostics: the whole wait of a user opening a file. */
  readonly spawnToFirst: number;
}

/**
 * A fresh server: every example opened in turn (each once the server has published the documents
 * already open again), then an edit to the last one.
 */
async function serverRun(files: readonly string[]): Promise<Run> {
  const p = new FramedProcess(serverJs(), ['--stdio']);
  const notify = (method: string, params: Json) => p.send({ jsonrpc: '2.0', method, params });
  const diagnostics = (uri: string, version: number, since = 0) =>
    p.next((m) => m.method === 'textDocument/publishDiagnostics' && (m.params as Json).uri === uri && (m.params as Json).version === version, `diagnostics of ${uri} version ${version}`, since);
  /** Waits until each of `uris` has been published again since `at`: the server is quiet. */
  const settled = async (uris: readonly string[], at: number) => { for (const u of uris) await diagnostics(u, 1, at); };
  try {
    p.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: process.pid, rootUri: null, workspaceFolders: null, capabilities: {} } });
    const initialized = await p.next((m) => m.id === 1, 'the initialize response');
    notify('initialized', {});
    const opens: number[] = [];
    const open: string[] = [];
    let last = '';
    let firstAt = 0;
    for (const file of files) {
      last = pathToFileURL(file).toString();
      const sent = notify('textDocument/didOpen', { textDocument: { uri: last, languageId: 'mover', version: 1, text: readFileSync(file, 'utf8') } });
      const published = (await diagnostics(last, 1)).at;
      if (!firstAt) firstAt = published;
      opens.push(msBetween(sent, published));
      // Each open publishes the other open documents again: measure the next one from a quiet server.
      await settled(open, sent);
      open.push(last);
    }
    const sent = notify('textDocument/didChange', { textDocument: { uri: last, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '; edited\n' }] });
    const change = msBetween(sent, (await diagnostics(last, 2)).at);
    return { firstOpen: opens[0], laterOpens: opens.slice(1), change, initialize: msBetween(p.spawnedAt, initialized.at), spawnToFirst: msBetween(p.spawnedAt, firstAt) };
  } finally {
    await p.close();
  }
}

export async function languageServerFigures(quick: boolean): Promise<Figure[]> {
  const files = readdirSync(examplesDir()).filter((f) => f.endsWith('.mover')).sort().map((f) => path.join(examplesDir(), f));
  const runs: Run[] = [];
  for (let i = 0; i < (quick ? 2 : 7); i++) runs.push(await serverRun(files));
  const first = summarize(runs.map((r) => r.firstOpen));
  const later = summarize(runs.flatMap((r) => r.laterOpens));
  const change = summarize(runs.map((r) => r.change));
  const init = summarize(runs.map((r) => r.initialize));
  const total = summarize(runs.map((r) => r.spawnToFirst));
  const target = { op: '<=', value: OPEN_TO_DIAGNOSTICS_TARGET_MS } as const;
  return [
    { key: 'open_to_diagnostics_first_ms', label: 'didOpen to publishDiagnostics: the first document of a fresh server', value: first.median, unit: 'ms', target, note: `${spread(first, 'ms')}; ${path.basename(files[0])}, a fresh process each` },
    { key: 'open_to_diagnostics_ms', label: 'didOpen to publishDiagnostics: a document opened beside others', value: later.median, unit: 'ms', target, note: `${spread(later, 'ms')}; the other ${files.length - 1} examples opened one by one, the ones before still open` },
    { key: 'lsp_spawn_to_initialize_ms', label: 'spawn to the initialize response', value: init.median, unit: 'ms', note: spread(init, 'ms') },
    { key: 'lsp_spawn_to_first_diagnostics_ms', label: 'spawn to the first document\'s diagnostics', value: total.median, unit: 'ms', note: `${spread(total, 'ms')}; what a user opening the first file waits for, start-up included` },
    { key: 'change_to_diagnostics_ms', label: 'didChange to publishDiagnostics (typing)', value: change.median, unit: 'ms', target: { op: '<=', value: DIAGNOSTICS_DELAY_MS + OPEN_TO_DIAGNOSTICS_TARGET_MS }, note: `${spread(change, 'ms')}; the debounce is ${DIAGNOSTICS_DELAY_MS} ms` },
  ];
}

export const languageServerSuite: Suite = {
  name: 'language-server',
  title: 'Language server (LSP over stdio)',
  run: (ctx) => languageServerFigures(ctx.quick),
};
