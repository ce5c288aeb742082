// The wiring every Mover tree view shares: it reloads its data from the shown session whenever that
// session stops, changes memory or registers, starts running or ends (MoverSessions.onDidChange), and
// tells VS Code to redraw. Loading asks only a stopped session, so nothing is fetched while running. A
// request that fails is shown as the view's message (and logged by MoverSessions).

import * as vscode from 'vscode';
import type { MoverRequestName, MoverRequests } from '../../debug-adapter/protocol';
import type { MoverSessions } from '../session-state';

export abstract class StopRefreshedTree<N> implements vscode.TreeDataProvider<N>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<N | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;
  private treeView: vscode.TreeView<N> | undefined;
  private problem: string | undefined;

  constructor(protected readonly sessions: MoverSessions) {
    this.sub = sessions.onDidChange(() => void this.refresh());
  }

  /** Registers the view with VS Code under its id; the view shows this provider's data and problems. */
  createView(id: string): vscode.TreeView<N> {
    this.treeView = vscode.window.createTreeView(id, { treeDataProvider: this });
    return this.treeView;
  }

  /** Fetches the view's data through fetch() (undefined when no session is stopped). */
  protected abstract load(): Promise<void>;

  /** A custom request for load(): a failure becomes the view's message. */
  protected async fetch<K extends MoverRequestName>(command: K, args: MoverRequests[K][0]): Promise<MoverRequests[K][1] | undefined> {
    const r = await this.sessions.requestOutcome(command, args);
    if (r.ok) return r.value;
    this.problem = r.message;
    return undefined;
  }

  async refresh(): Promise<void> {
    this.problem = undefined;
    await this.load();
    if (this.treeView) this.treeView.message = this.problem ? `Could not read the machine: ${this.problem}` : undefined;
    this.emitter.fire(undefined);
  }

  abstract getTreeItem(n: N): vscode.TreeItem;
  abstract getChildren(n?: N): N[];

  dispose(): void {
    this.sub.dispose();
    this.treeView?.dispose();
    this.emitter.dispose();
  }
}
