// Which Mover debug session the views show, and whether it is stopped. Views fetch only while it is
// stopped (nothing while the program runs) and refresh on the adapter's "mover/stateChanged" event.

import * as vscode from 'vscode';
import { STATE_CHANGED_EVENT, type MoverRequests, type MoverRequestName } from '../debug-adapter/protocol';

export class MoverSessions implements vscode.Disposable {
  private readonly stopped = new Set<string>();
  private readonly changed = new vscode.EventEmitter<vscode.DebugSession | undefined>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Fires when the shown session stops, changes memory or registers, starts running, or ends. */
  readonly onDidChange = this.changed.event;

  constructor() {
    this.disposables.push(
      this.changed,
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type !== 'mover' || e.event !== STATE_CHANGED_EVENT) return;
        this.stopped.add(e.session.id);
        this.changed.fire(e.session);
      }),
      vscode.debug.onDidChangeActiveDebugSession(() => this.changed.fire(this.session)),
      vscode.debug.onDidTerminateDebugSession((s) => { this.stopped.delete(s.id); this.changed.fire(this.session); }),
      vscode.debug.registerDebugAdapterTrackerFactory('mover', {
        createDebugAdapterTracker: (session) => ({
          onWillReceiveMessage: (m: { type?: string; command?: string }) => {
            // A run starts: the views stop fetching until the next stop.
            if (m.type === 'request' && ['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'restart'].includes(m.command ?? '')) {
              if (this.stopped.delete(session.id)) this.changed.fire(session);
            }
          },
        }),
      }),
    );
  }

  /** The Mover session the views show: the active one if it is a Mover session. */
  get session(): vscode.DebugSession | undefined {
    const s = vscode.debug.activeDebugSession;
    return s?.type === 'mover' ? s : undefined;
  }

  /** The shown session, if it is stopped. */
  get stoppedSession(): vscode.DebugSession | undefined {
    const s = this.session;
    return s && this.stopped.has(s.id) ? s : undefined;
  }

  /** A typed custom request to the stopped session; undefined when there is none or it fails. */
  async request<K extends MoverRequestName>(command: K, args: MoverRequests[K][0]): Promise<MoverRequests[K][1] | undefined> {
    const s = this.stoppedSession;
    if (!s) return undefined;
    try {
      return (await s.customRequest(command, args)) as MoverRequests[K][1];
    } catch {
      return undefined;
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
