// The "Chunk Map" view (a webview): FIG. 5 drawn from the session's layout, with processors, their last
// accesses and the address under the cursor marked; clicking a chunk or a mapping opens its memory.

import * as vscode from 'vscode';
import type { LayoutView } from '../../debug-adapter/protocol';
import type { MoverSessions } from '../session-state';
import { webviewHtml } from '../webviews/html';
import type { ChunkMapFromWebview, ChunkMapToWebview } from '../webviews/messages';

export class ChunkMapProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = 'mover.chunkMap';
  private view: vscode.WebviewView | undefined;
  private readonly subs: vscode.Disposable[] = [];
  /** The layout last sent, for tests. */
  layout: LayoutView | null = null;

  constructor(private readonly extensionUri: vscode.Uri, private readonly sessions: MoverSessions) {
    this.subs.push(sessions.onDidChange(() => void this.refresh()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.description = 'FIG. 5: chunks, spaces, processors';
    view.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')] };
    view.webview.html = webviewHtml(view.webview, this.extensionUri, 'chunkMap.js', 'Chunk map');
    this.subs.push(view.webview.onDidReceiveMessage((m: ChunkMapFromWebview) => {
      if (m.type === 'ready') void this.refresh();
      else if (m.type === 'openMemory' && typeof m.ref === 'string') void vscode.commands.executeCommand('mover.showMemory', m.ref);
    }));
  }

  async refresh(): Promise<void> {
    const stopped = this.sessions.stoppedSession;
    if (stopped) this.layout = (await this.sessions.request('mover/layout', {})) ?? null;
    else if (!this.sessions.session) this.layout = null;
    this.post({ type: 'layout', layout: this.layout, running: !!this.sessions.session && !stopped });
  }

  setCursor(va: number | null): void {
    this.post({ type: 'cursor', va });
  }

  private post(m: ChunkMapToWebview): void {
    void this.view?.webview.postMessage(m);
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
  }
}
