// The "Chunk Map" view (a webview): FIG. 5 drawn from the session's layout, with processors, their last
// accesses and the address under the cursor marked; clicking a chunk or a mapping opens its memory.
// The same drawing opens in the editor area ("Mover: Open Chunk Map in Editor"), where the whole of
// FIG. 5 fits: one provider feeds the side bar view and the editor panel alike.

import * as vscode from 'vscode';
import type { LayoutView } from '../../debug-adapter/protocol';
import type { MoverSessions } from '../session-state';
import { webviewHtml } from '../webviews/html';
import type { ChunkMapFromWebview, ChunkMapToWebview } from '../webviews/messages';

export class ChunkMapProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = 'mover.chunkMap';
  static readonly panelType = 'mover.chunkMapEditor';
  /** The one line beside the view's title. */
  static readonly description = 'FIG. 5: chunks, spaces, processors; click to open memory';
  private view: vscode.WebviewView | undefined;
  private panel: vscode.WebviewPanel | undefined;
  private readonly subs: vscode.Disposable[] = [];
  /** The layout last sent, for tests. */
  layout: LayoutView | null = null;
  private cursor: number | null = null;

  constructor(private readonly extensionUri: vscode.Uri, private readonly sessions: MoverSessions) {
    this.subs.push(sessions.onDidChange(() => void this.refresh()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.description = ChunkMapProvider.description;
    this.subs.push(this.wire(view.webview));
  }

  /** "Mover: Open Chunk Map in Editor": the same drawing in the editor area (one panel, revealed again if open). */
  openInEditor(): vscode.WebviewPanel {
    if (this.panel) { this.panel.reveal(); return this.panel; }
    const panel = vscode.window.createWebviewPanel(ChunkMapProvider.panelType, 'Chunk Map (FIG. 5)', vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: true });
    this.panel = panel;
    const wired = this.wire(panel.webview);
    panel.onDidDispose(() => { wired.dispose(); if (this.panel === panel) this.panel = undefined; });
    return panel;
  }

  /** What a message from the drawing does: `openMemory` runs mover.showMemory with its reference (the memory panel it opens is returned). */
  async receive(m: ChunkMapFromWebview): Promise<unknown> {
    if (m.type === 'ready') return this.refresh();
    if (m.type === 'openMemory' && typeof m.ref === 'string') return vscode.commands.executeCommand('mover.showMemory', m.ref);
    return undefined;
  }

  private wire(webview: vscode.Webview): vscode.Disposable {
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')] };
    webview.html = webviewHtml(webview, this.extensionUri, 'chunkMap.js', 'Chunk map');
    return webview.onDidReceiveMessage((m: ChunkMapFromWebview) => void this.receive(m));
  }

  async refresh(): Promise<void> {
    const stopped = this.sessions.stoppedSession;
    if (stopped) this.layout = (await this.sessions.request('mover/layout', {})) ?? null;
    else if (!this.sessions.session) this.layout = null;
    this.post({ type: 'layout', layout: this.layout, running: !!this.sessions.session && !stopped });
  }

  setCursor(va: number | null): void {
    this.cursor = va;
    this.post({ type: 'cursor', va });
  }

  private post(m: ChunkMapToWebview): void {
    void this.view?.webview.postMessage(m);
    void this.panel?.webview.postMessage(m);
    // A panel opened after the cursor moved gets it with the layout.
    if (m.type === 'layout' && this.cursor !== null) void this.panel?.webview.postMessage({ type: 'cursor', va: this.cursor } satisfies ChunkMapToWebview);
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
    this.panel?.dispose();
  }
}
