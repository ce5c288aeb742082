// The "Page Walk" view: CR3 -> PDPTE -> PDE -> PTE -> PA for the last memory access, the address under
// the editor cursor, or an address typed in; each level with entry address, raw value and flags, the
// chunk and the TLB state. Clicking a level opens the memory holding that entry.
//
// It follows the focused thread (VS Code's activeStackItem): the walk is done by that thread's
// processor, in that thread's space, and the view's description says what is walked. Pinning keeps the
// current choice (source, processor, space) through cursor moves and focus changes until unpinned.

import * as vscode from 'vscode';
import type { ThreadPlaceView, WalkView } from '../../debug-adapter/protocol';
import type { MoverSessions } from '../session-state';
import { StopRefreshedTree } from './stop-refreshed-tree';
import { markAddress } from '../address-target';

/** What to walk. A `cpu` or `space` given here overrides the focused thread's. */
export type WalkSource =
  | { readonly kind: 'last-access'; readonly cpu?: number }
  | { readonly kind: 'cursor'; readonly va: string }
  | { readonly kind: 'address'; readonly va: string; readonly space?: string; readonly cpu?: number };

export interface WalkNode {
  readonly label: string;
  readonly description: string;
  readonly tooltip?: string;
  readonly memoryReference?: string;
  readonly icon?: string;
}

export function walkNodes(w: WalkView): WalkNode[] {
  const out: WalkNode[] = [{ label: w.va, description: `in ${w.space}${w.paging ? '' : ' · paging off: linear = physical'}`, memoryReference: `${w.space.toLowerCase()}:${w.va}`, icon: 'location' }];
  if (w.cr3) out.push({ label: 'CR3', description: w.cr3, memoryReference: `pa:${w.cr3}`, icon: 'symbol-constant' });
  for (const l of w.levels) {
    out.push({ label: `${l.level}[${l.index}]`, description: `${l.raw}  ${l.flags.join(' ')}  @ ${l.entryAddress}`, memoryReference: `pa:${l.entryAddress}`, tooltip: l.target ? `points to ${l.target}` : 'not present', icon: 'arrow-small-right' });
  }
  if (w.ok && w.pa) out.push({ label: 'PA', description: `${w.pa}${w.chunk ? `  (${w.chunk})` : ''}`, ...(w.memoryReference ? { memoryReference: w.memoryReference } : {}), icon: 'target' });
  else out.push({ label: 'fault', description: w.fault ?? 'not mapped', icon: 'error' });
  for (const t of w.tlb) out.push({ label: `TLB cpu${t.cpu}`, description: t.held ? `held → ${t.frame}${t.stale ? `  STALE: ${t.staleReason}` : ''}` : `not held (${t.space})`, icon: t.stale ? 'warning' : 'database' });
  return out;
}

/** The walk shown and the words for what it is, or why there is none. */
export interface WalkShown {
  readonly walk: WalkView | null;
  readonly nodes: readonly WalkNode[];
  /** The view's description: what is walked, by whom, in which space. */
  readonly what: string;
  /** Why there is no walk (shown as the view's message). */
  readonly none: string | null;
}

const NOTHING: WalkShown = { walk: null, nodes: [], what: '', none: null };

export class PageWalkProvider extends StopRefreshedTree<WalkNode, WalkShown> {
  private source: WalkSource = { kind: 'last-access' };
  /** The processor and space fixed at pin time; undefined when following the focus. */
  private pin: { readonly cpu: number; readonly space: string; readonly running: boolean; readonly who: string } | undefined;

  constructor(sessions: MoverSessions) {
    super(sessions, NOTHING);
  }

  /** The walk shown, for tests and commands. */
  get current(): WalkView | null {
    return this.data.walk;
  }

  /** What the view says it walks (its description), for tests. */
  get what(): string {
    return this.data.what;
  }

  get pinned(): boolean {
    return this.pin !== undefined;
  }

  /** Shows the walk of `source`. A pinned view takes it only when `force` (a command the user ran on this view). */
  async show(source: WalkSource, force = true): Promise<WalkView | null> {
    if (this.pin && !force) return this.current;
    this.source = source;
    await this.refresh();
    return this.current;
  }

  /** Keeps what is walked now, by the same processor in the same space, until unpinned. */
  async setPinned(pinned: boolean): Promise<void> {
    const focus = pinned ? await this.focus() : undefined;
    this.pin = focus;
    await vscode.commands.executeCommand('setContext', 'mover.pageWalkPinned', this.pin !== undefined);
    await this.refresh();
  }

  /** The focused thread's processor and space (the pinned ones when pinned). */
  private async focus(): Promise<{ cpu: number; space: string; running: boolean; who: string } | undefined> {
    if (this.pin) return this.pin;
    const item = vscode.debug.activeStackItem;
    const session = this.sessions.stoppedSession;
    if (!session) return undefined;
    // The adapter maps the thread to its processor and space: a waiting thread's space is not its processor's.
    const threadId = item && item.session.id === session.id ? item.threadId : undefined;
    const place: ThreadPlaceView | undefined = await this.fetch('mover/thread', threadId === undefined ? {} : { threadId });
    if (!place) return undefined;
    return { cpu: place.cpu, space: place.space, running: place.running, who: `${place.name} on cpu${place.cpu}` };
  }

  protected async load(): Promise<WalkShown> {
    const s = this.source;
    const f = await this.focus();
    if (!f) return NOTHING;
    const pinned = this.pin ? ' · pinned' : '';
    let walk: WalkView | null | undefined;
    let what: string;
    if (s.kind === 'last-access') {
      const cpu = s.cpu ?? f.cpu;
      walk = await this.fetch('mover/lastWalk', { cpu });
      what = `last access of cpu${cpu}${s.cpu === undefined ? ` (${f.who})` : ''}`;
      if (walk === null) return { ...NOTHING, what: what + pinned, none: `cpu${cpu} has not accessed memory yet: there is no last access to walk. Put the cursor on an address or run "Mover: Translate Address".` };
    } else if (s.kind === 'cursor') {
      // A running thread walks with its processor's PDPTE registers; a waiting one in the space it will resume in.
      walk = await this.fetch('mover/walk', f.running ? { va: s.va, cpu: f.cpu } : { va: s.va, space: f.space });
      what = `address under the cursor, ${f.who}, ${f.space}`;
    } else {
      const by = s.space ?? (s.cpu !== undefined ? `cpu${s.cpu}` : `${f.who}, ${f.space}`);
      walk = await this.fetch('mover/walk', s.space ? { va: s.va, space: s.space } : s.cpu !== undefined ? { va: s.va, cpu: s.cpu } : f.running ? { va: s.va, cpu: f.cpu } : { va: s.va, space: f.space });
      what = `typed address, ${by}`;
    }
    return walk ? { walk, nodes: walkNodes(walk), what: what + pinned, none: null } : { ...NOTHING, what: what + pinned };
  }

  protected override describe(): string | undefined {
    return this.data.what || undefined;
  }

  protected override emptyMessage(): string {
    return this.data.none ?? (this.sessions.session ? 'Nothing to walk until the program stops.' : 'Start a Mover debug session: the page walk of the focused thread\'s last access, the address under the cursor or a typed address shows here.');
  }

  getTreeItem(n: WalkNode): vscode.TreeItem {
    const item = new vscode.TreeItem(n.label);
    item.description = n.description;
    item.tooltip = n.tooltip ?? `${n.label} ${n.description}`;
    if (n.icon) item.iconPath = new vscode.ThemeIcon(n.icon);
    if (n.memoryReference) item.command = { command: 'mover.showMemory', title: 'Show memory', arguments: [n.memoryReference] };
    return markAddress(item, n, n.memoryReference);
  }

  protected children(n?: WalkNode): WalkNode[] {
    return n ? [] : [...this.data.nodes];
  }
}
