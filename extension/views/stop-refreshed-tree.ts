// The wiring every Mover tree view shares: it reloads its data from the shown session whenever that
// session stops, changes memory or registers, or ends (MoverSessions.onDidChange), and tells VS Code to
// redraw. Loading asks only a stopped session, so nothing is fetched while running; while it runs, the
// view keeps the last stop's content instead of going blank, and a new load replaces it in place only
// once it is complete (a load overtaken by a newer one is dropped). A request that fails is shown as the
// view's message (and logged by MoverSessions).

import * as vscode from 'vscode';
import type { MoverRequestName, MoverRequests } from '../../debug-adapter/protocol';
import type { MoverSessions } from '../session-state';

export abstract class StopRefreshedTree<N, D> implements vscode.TreeDataProvider<N>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<N | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;
  private treeView: vscode.TreeView<N> | undefined;
  private problem: string | undefined;
  /** Bumped by every refresh: a load whose generation is no longer current is thrown away. */
  private generation = 0;
  /** The load of the current generation, awaited by getChildren so a view first expanded after a stop is filled when it appears. */
  private pending: Promise<void> | undefined;
  /** What the view shows: the last complete load. */
  protected data: D;

  constructor(protected readonly sessions: MoverSessions, private readonly empty: D) {
    this.data = empty;
    this.sub = sessions.onDidChange(() => void this.refresh());
  }

  /** Registers the view with VS Code under its id; the view shows this provider's data and problems. */
  createView(id: string): vscode.TreeView<N> {
    this.treeView = vscode.window.createTreeView(id, { treeDataProvider: this });
    // A view that loads only while shown catches up when it is shown again.
    this.treeView.onDidChangeVisibility((e) => { if (e.visible && this.missedWhileHidden) void this.refresh(true); });
    this.decorate();
    return this.treeView;
  }

  /** Views whose load costs the adapter real work (the machine diff) load only while shown. */
  protected readonly loadOnlyWhenShown: boolean = false;
  private missedWhileHidden = false;

  /** The one-line description VS Code shows beside the view's title now (tests read it). */
  get viewDescription(): string | undefined {
    return this.treeView?.description;
  }

  /** Fetches the view's data through fetch(); it becomes `data` only if no newer refresh started meanwhile. */
  protected abstract load(): Promise<D>;

  /** The rows under `n` (the roots when undefined), from `data`. */
  protected abstract children(n?: N): N[];

  /** The view's description beside its title (what it shows), or undefined. */
  protected describe(): string | undefined {
    return undefined;
  }

  /** The message a view with no rows shows instead of staying blank. */
  protected emptyMessage(): string | undefined {
    return undefined;
  }

  /** A custom request for load(): a failure becomes the view's message. */
  protected async fetch<K extends MoverRequestName>(command: K, args: MoverRequests[K][0]): Promise<MoverRequests[K][1] | undefined> {
    const r = await this.sessions.requestOutcome(command, args);
    if (r.ok) return r.value;
    this.problem = r.message;
    return undefined;
  }

  /** Loads the current stop's data; `shown` says the view is being drawn (a load-only-when-shown view loads then). */
  async refresh(shown = false): Promise<void> {
    const generation = ++this.generation;
    if (!this.sessions.session) {
      this.data = this.empty;
      this.problem = undefined;
      this.pending = undefined;
      this.changed();
      return;
    }
    // Running: there is nothing new to show yet, and the last stop's rows are better than none.
    if (!this.sessions.stoppedSession) return;
    if (this.loadOnlyWhenShown && !shown && this.treeView && !this.treeView.visible) { this.missedWhileHidden = true; return; }
    this.missedWhileHidden = false;
    const run = (async () => {
      this.problem = undefined;
      const next = await this.load();
      if (generation !== this.generation) return;
      this.data = next;
      this.changed();
    })();
    this.pending = run;
    try {
      await run;
    } finally {
      if (this.pending === run) this.pending = undefined;
    }
  }

  /** Called when new data is shown (or cleared): for context keys that follow the data. */
  protected shown(): void {}

  private changed(): void {
    this.shown();
    this.decorate();
    this.emitter.fire(undefined);
  }

  private decorate(): void {
    if (!this.treeView) return;
    this.treeView.message = this.problem ? `Could not read the machine: ${this.problem}` : this.children().length ? undefined : this.emptyMessage();
    this.treeView.description = this.describe();
  }

  abstract getTreeItem(n: N): vscode.TreeItem;

  async getChildren(n?: N): Promise<N[]> {
    // Asked for its rows: it is being drawn, so a load skipped while hidden happens now.
    if (!n && this.missedWhileHidden) await this.refresh(true);
    if (!n && this.pending) await this.pending;
    return this.children(n);
  }

  dispose(): void {
    this.sub.dispose();
    this.treeView?.dispose();
    this.emitter.dispose();
  }
}

/** The library modules with a view of their own, each shown only while the program uses it. */
type ModuleRequest = 'mover/snapshots' | 'mover/dnlc';

/**
 * The view of a library module: its data says `present` when the program uses the module, and a
 * context key (in the view's `when` in package.json) follows it, so the view shows only then.
 */
export abstract class ModuleTree<N, K extends ModuleRequest> extends StopRefreshedTree<N, MoverRequests[K][1] | undefined> {
  constructor(sessions: MoverSessions, private readonly command: K, private readonly contextKey: string, private readonly description: string) {
    super(sessions, undefined);
  }

  protected async load(): Promise<MoverRequests[K][1] | undefined> {
    return this.fetch(this.command, {});
  }

  protected override shown(): void {
    void vscode.commands.executeCommand('setContext', this.contextKey, this.data?.present ?? false);
  }

  protected override describe(): string {
    return this.description;
  }
}
