// The LSP test harness: the BUILT server (dist/languageServer.js) spawned with --stdio and spoken to
// through vscode-jsonrpc's protocol connection, as an editor would. Diagnostics notifications are kept
// per document so a test can wait for the one that matches a version; the server's log and stderr are
// kept so that a test can show them when it fails, and a test can check the process is still alive.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter,
  type Diagnostic, type InitializeResult, type ProtocolConnection, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { ensureBuilt, root } from '../support/build';
export { workspace } from '../support/workspace';

export { root };
export const serverJs = path.join(root, 'dist', 'languageServer.js');
export const TIMEOUT_MS = 10_000;
export const uriOf = (file: string): string => pathToFileURL(file).toString();
export const libFile = (name: string): string => path.join(root, 'lib', name);
export const exampleFile = (name: string): string => path.join(root, 'examples', name);

export interface StartOptions {
  readonly folders?: readonly string[];
  readonly initializationOptions?: unknown;
}

export class LspClient {
  readonly log: string[] = [];
  readonly shown: string[] = [];
  private readonly published = new Map<string, PublishDiagnosticsParams[]>();
  /** Every publishDiagnostics in the order it came, all documents together. */
  readonly publishOrder: PublishDiagnosticsParams[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly versions = new Map<string, number>();
  exited: number | null = null;

  private constructor(readonly proc: ChildProcess, readonly conn: ProtocolConnection) {
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const list = this.published.get(p.uri) ?? [];
      list.push(p);
      this.published.set(p.uri, list);
      this.publishOrder.push(p);
      for (const w of this.waiters.splice(0)) w();
    });
    conn.onNotification('window/logMessage', (p: { message: string }) => this.log.push(p.message));
    conn.onNotification('window/showMessage', (p: { message: string }) => this.shown.push(p.message));
    conn.onRequest('window/showMessageRequest', (p: { message: string }) => { this.shown.push(p.message); return null; });
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('workspace/configuration', () => []);
    proc.on('exit', (code) => { this.exited = code ?? -1; });
  }

  static async start(opts: StartOptions = {}): Promise<LspClient> {
    ensureBuilt('languageServer.js', ['language-server', 'emulator']);
    const proc = spawn(process.execPath, [serverJs, '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const client = new LspClient(proc, conn);
    proc.stderr!.on('data', (d: Buffer) => client.log.push(`stderr: ${d.toString()}`));
    conn.listen();
    client.initializeResult = await conn.sendRequest('initialize', {
      processId: process.pid, rootUri: opts.folders?.[0] ? uriOf(opts.folders[0]) : null,
      workspaceFolders: opts.folders?.map((f) => ({ uri: uriOf(f), name: path.basename(f) })) ?? null,
      capabilities: { textDocument: { hover: { contentFormat: ['markdown'] }, completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown'] } } } },
      initializationOptions: opts.initializationOptions,
    }) as InitializeResult;
    await conn.sendNotification('initialized', {});
    return client;
  }

  initializeResult!: InitializeResult;

  request<R = unknown>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.conn.sendNotification(method, params);
  }

  async open(file: string, text: string): Promise<string> {
    const uri = file.includes('://') || file.startsWith('untitled:') ? file : uriOf(file);
    this.versions.set(uri, 1);
    await this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'mover', version: 1, text } });
    return uri;
  }

  /** Replaces the whole text (a full-content change). Returns the new version. */
  async change(uri: string, text: string): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.notify('textDocument/didClose', { textDocument: { uri } });
  }

  publishedFor(uri: string): readonly PublishDiagnosticsParams[] {
    return this.published.get(uri) ?? [];
  }

  /** Waits for diagnostics of `uri` at `version` (the latest version by default). */
  async diagnostics(uri: string, version = this.versions.get(uri)): Promise<Diagnostic[]> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const hit = this.publishedFor(uri).filter((p) => version === undefined || p.version === version).at(-1);
      if (hit) return hit.diagnostics;
      if (Date.now() > deadline) assert.fail(`no diagnostics for ${uri} v${version} within ${TIMEOUT_MS} ms; log:\n${this.log.join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Waits until `holds` is true of the diagnostics published so far (it is checked as each one comes). */
  async until(what: string, holds: () => boolean): Promise<void> {
    const deadline = Date.now() + TIMEOUT_MS;
    while (!holds()) {
      if (Date.now() > deadline) assert.fail(`${what}: not within ${TIMEOUT_MS} ms; log:\n${this.log.join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Fails if the server logged a handler failure or died. */
  assertHealthy(): void {
    assert.equal(this.exited, null, `the server exited (${this.exited}); log:\n${this.log.join('\n')}`);
    const failures = this.log.filter((l) => /failed:|uncaught|unhandled/.test(l));
    assert.deepEqual(failures, [], 'the server logged failures');
  }

  async stop(): Promise<void> {
    if (this.exited === null) {
      try {
        await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 2000))]);
        await this.notify('exit', null);
      } catch { /* already gone */ }
      await new Promise<void>((resolve) => {
        if (this.exited !== null) return resolve();
        const t = setTimeout(() => { this.proc.kill(); resolve(); }, 2000);
        this.proc.on('exit', () => { clearTimeout(t); resolve(); });
      });
    }
    this.conn.dispose();
  }
}

/** The 0-based position of the `n`th (default first) occurrence of `needle` in text, plus `offset` characters. */
export function positionOf(text: string, needle: string, offset = 0, n = 0): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i <= n; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `${JSON.stringify(needle)} (#${n}) is not in the text`);
  }
  const before = text.slice(0, at + offset);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

export function markdownOf(hover: { contents: unknown } | null): string {
  assert.ok(hover, 'no hover');
  const c = hover.contents as { value?: string } | string;
  return typeof c === 'string' ? c : c.value ?? '';
}
