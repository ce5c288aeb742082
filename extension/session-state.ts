// Which Mover debug session the views show, and whether it is stopped. The adapter says so itself:
// its "mover/stateChanged" event comes with reason "running" when the program starts running and with
// the other reasons at every stop and edit. Views fetch only while the shown session is stopped, and a
// failed request is logged to the Mover output channel and handed back to the view that asked.

import * as vscode from 'vscode';
import { STATE_CHANGED_EVENT, type MoverRequests, type MoverRequestName, type StateChangedBody } from '../debug-adapter/protocol';

/** The context key that is true while the shown Mover session is stopped. */
export const STOPPED_CONTEXT = 'mover.stopped';

export type RequestOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

export class MoverSessions implements vscode.Disposable {
  private readonly stopped = new Set<string>();
  private readonly changed = new vscode.EventEmitter<vscode.DebugSession | undefined>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Fires when the shown session stops, changes memory or registers, starts running, or ends. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly output: vscode.OutputChannel) {
    this.disposables.push(
      this.changed,
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type !== 'mover' || e.event !== STATE_CHANGED_EVENT) return;
        const body = e.body as StateChangedBody;
        if (body.reason === 'running') {
          if (!this.stopped.delete(e.session.id)) return;
        } else {
          this.stopped.add(e.session.id);
        }
        this.changed.fire(e.session);
      }),
      vscode.debug.onDidChangeActiveDebugSession(() => this.changed.fire(this.session)),
      vscode.debug.onDidTerminateDebugSession((s) => { this.stopped.delete(s.id); this.changed.fire(this.session); }),
      // Menus and keybindings that need a stopped machine (walk, whereis, data breakpoints) read this key.
      this.changed.event(() => void vscode.commands.executeCommand('setContext', STOPPED_CONTEXT, !!this.stoppedSession)),
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

  /**
   * A typed custom request to the stopped session. No stopped session: `{ ok: true, value: undefined }`
   * (there is nothing to show). A failure is logged and comes back with its message.
   */
  async requestOutcome<K extends MoverRequestName>(command: K, args: MoverRequests[K][0]): Promise<RequestOutcome<MoverRequests[K][1] | undefined>> {
    const s = this.stoppedSession;
    if (!s) return { ok: true, value: undefined };
    try {
      return { ok: true, value: (await s.customRequest(command, args)) as MoverRequests[K][1] };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // A session that started running in the meantime refuses: that is not a failure worth a line.
      if (this.stopped.has(s.id)) this.output.appendLine(`${command} failed: ${message}`);
      return { ok: false, message };
    }
  }

  /** The same, for callers that only show what they get: undefined when there is nothing or it failed (logged). */
  async request<K extends MoverRequestName>(command: K, args: MoverRequests[K][0]): Promise<MoverRequests[K][1] | undefined> {
    const r = await this.requestOutcome(command, args);
    return r.ok ? r.value : undefined;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
