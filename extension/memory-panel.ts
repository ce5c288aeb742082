// Memory panels: a hex view of a memory reference (pa:ADDR or vsN:ADDR) in an editor tab, read through
// the adapter's readMemory and written through writeMemory; bytes changed since the previous stop are
// marked. A panel refreshes on every stop and memory write of the session.

import * as vscode from 'vscode';
import type { MoverSessions } from './session-state';
import { webviewHtml } from './webviews/html';
import type { MemoryFromWebview, MemoryRow, MemoryToWebview } from './webviews/messages';
import { hex } from '../emulator/hex';
import { parseRefText } from '../debug-adapter/memory-ref';

const SPAN = 256;

function parseRef(ref: string): { space: string; address: number } | null {
  const r = parseRefText(ref);
  return typeof r === 'string' ? null : { space: r.space === 'PA' ? 'PA' : r.space.toUpperCase(), address: r.address };
}

export class MemoryPanel implements vscode.Disposable {
  private readonly subs: vscode.Disposable[] = [];
  private space = 'PA';
  private base = 0;
  /** Bytes as they were at the previous stop (per address), to mark what changed. */
  private previous = new Map<number, number>();
  private current = new Map<number, number>();
  /** The last message sent, for tests. */
  lastShown: Extract<MemoryToWebview, { type: 'memory' }> | null = null;

  static open(extensionUri: vscode.Uri, sessions: MoverSessions, ref: string): MemoryPanel | undefined {
    const r = parseRef(ref);
    if (!r) { void vscode.window.showErrorMessage(`Not a memory reference: ${ref} (write pa:0x1_0000_0000 or vs1:0x2000_0000)`); return undefined; }
    return new MemoryPanel(extensionUri, sessions, r.space, r.address);
  }

  private readonly panel: vscode.WebviewPanel;

  private constructor(extensionUri: vscode.Uri, private readonly sessions: MoverSessions, space: string, address: number) {
    this.space = space;
    this.base = Math.floor(address / 16) * 16;
    this.panel = vscode.window.createWebviewPanel('mover.memory', this.title(), vscode.ViewColumn.Beside, { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] });
    this.panel.webview.html = webviewHtml(this.panel.webview, extensionUri, 'memoryView.js', 'Memory');
    this.subs.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m: MemoryFromWebview) => void this.onMessage(m)),
      sessions.onDidChange(() => void this.refresh(true)),
    );
    // Read now; the webview asks again when its script is ready (messages before that are dropped).
    void this.refresh(false);
  }

  private title(): string {
    return `Memory ${this.ref()}`;
  }

  private ref(): string {
    return `${this.space === 'PA' ? 'pa' : this.space.toLowerCase()}:${hex(this.base, this.space === 'PA' ? 1 : 8)}`;
  }

  private async onMessage(m: MemoryFromWebview): Promise<void> {
    if (m.type === 'ready') return this.refresh(false);
    if (m.type === 'page' && Number.isInteger(m.delta)) { this.base = Math.max(0, this.base + m.delta); this.panel.title = this.title(); return this.refresh(false); }
    if (m.type === 'navigate') {
      const r = parseRef(String(m.ref));
      if (!r) return;
      this.space = r.space; this.base = Math.floor(r.address / 16) * 16; this.panel.title = this.title();
      this.previous.clear();
      return this.refresh(false);
    }
    if (m.type === 'write') {
      const s = this.sessions.stoppedSession;
      if (!s || !Number.isInteger(m.address) || !Number.isInteger(m.value)) return;
      try {
        await s.customRequest('writeMemory', { memoryReference: this.ref(), offset: m.address - this.base, data: Buffer.from([m.value & 0xff]).toString('base64') });
      } catch (e) {
        void vscode.window.showErrorMessage(`Could not write memory: ${(e as Error).message}`);
      }
    }
  }

  /** Reads the shown bytes; `stop` rolls the "previous" picture forward (a new stop happened). */
  async refresh(stop: boolean): Promise<void> {
    const s = this.sessions.stoppedSession;
    let error: string | undefined;
    if (s) {
      try {
        const r = await s.customRequest('readMemory', { memoryReference: this.ref(), count: SPAN }) as { data?: string; unreadableBytes?: number };
        const data = Buffer.from(r.data ?? '', 'base64');
        if (stop) this.previous = this.current;
        this.current = new Map();
        data.forEach((b, i) => this.current.set(this.base + i, b));
      } catch (e) {
        error = (e as Error).message;
      }
    }
    const rows: MemoryRow[] = [];
    for (let r = 0; r < SPAN / 16; r++) {
      const address = this.base + r * 16;
      const bytes: number[] = [], changed: number[] = [];
      for (let i = 0; i < 16; i++) {
        const b = this.current.get(address + i);
        bytes.push(b ?? -1);
        const before = this.previous.get(address + i);
        if (b !== undefined && before !== undefined && before !== b) changed.push(i);
      }
      rows.push({ address, bytes, changed });
    }
    const msg: MemoryToWebview = { type: 'memory', ref: this.ref(), space: this.space, base: this.base, rows, stopped: !!s, ...(error ? { error } : {}) };
    this.lastShown = msg;
    await this.panel.webview.postMessage(msg);
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
    this.panel.dispose();
  }
}
