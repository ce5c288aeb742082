// The wiring every Mover tree view shares: it reloads its data from the shown session whenever that
// session stops, changes memory or registers, starts running or ends (MoverSessions.onDidChange), and
// tells VS Code to redraw. Loading asks only a stopped session, so nothing is fetched while running.

import * as vscode from 'vscode';
import type { MoverSessions } from '../session-state';

export abstract class StopRefreshedTree<N> implements vscode.TreeDataProvider<N>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<N | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(protected readonly sessions: MoverSessions) {
    this.sub = sessions.onDidChange(() => void this.refresh());
  }

  /** Fetches the view's data (sessions.request answers undefined when no session is stopped). */
  protected abstract load(): Promise<void>;

  async refresh(): Promise<void> {
    await this.load();
    this.emitter.fire(undefined);
  }

  abstract getTreeItem(n: N): vscode.TreeItem;
  abstract getChildren(n?: N): N[];

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}
