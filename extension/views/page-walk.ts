// The "Page Walk" view: CR3 -> PDPTE -> PDE -> PTE -> PA for the last memory access, the address under
// the editor cursor, or an address typed in; each level with entry address, raw value and flags, the
// chunk and the TLB state. Clicking a level opens the memory holding that entry.
// It also walks a VA range (every mapping in it, as WinDbg's !pte with a range, clipped to a number of
// rows with an "N more" row), walks under a raw CR3 value (`cr3=0x7000 0x2000_0000`), and answers
// PTE address -> VA (`pa:0xef10_2008`: which VA range of which space that entry maps); all typed into
// "Mover: Walk Address, Range, CR3 or PTE" (the view's title action).
//
// It follows the focused thread (VS Code's activeStackItem): the walk is done by that thread's
// processor, in that thread's space, and the view's description says what is walked. Pinning keeps the
// current choice (source, processor, space) through cursor moves and focus changes until unpinned.

import * as vscode from 'vscode';
import type { MoverRequests, RangeWalkView, ThreadPlaceView, WalkView } from '../../debug-adapter/protocol';
import { parseNumber } from '../../emulator/hex';
import type { MoverSessions } from '../session-state';
import { StopRefreshedTree } from './stop-refreshed-tree';
import { markAddress } from '../address-target';

/** What to walk. A `cpu` or `space` given here overrides the focused thread's. */
export type WalkSource =
  | { readonly kind: 'last-access'; readonly cpu?: number }
  | { readonly kind: 'cursor'; readonly va: string }
  | { readonly kind: 'address'; readonly va: string; readonly space?: string; readonly cpu?: number; readonly cr3?: string }
  /** Every mapping in [va, end) of a space, a processor's CR3 or a raw CR3. */
  | { readonly kind: 'range'; readonly va: string; readonly end: string; readonly space?: string; readonly cpu?: number; readonly cr3?: string }
  /** PTE address -> VA: what the paging-structure entry at a PA maps. */
  | { readonly kind: 'pte'; readonly pa: string };

/** What the walk box takes, with examples (its prompt and the error for anything else). */
export const WALK_INPUT_HELP = 'VA, range or PTE address: 0x2000_1000 · vs1 0x2000_0000 0x2040_0000 · vs1:0x2000_0000 L 0x40_0000 · cr3=0x7000 0x2000_0000 · pa:0xef10_2008';

/**
 * Reads what the user typed into the walk box: `[SPACE|cpuN|cr3=X] VA [END | L LEN]`, `SPACE:VA ...`,
 * or `pa:ADDR` (PTE address -> VA). Returns why not when it is none of them.
 */
export function parseWalkInput(text: string): WalkSource | string {
  let words = text.trim().split(/\s+/).filter(Boolean);
  const pte = /^(?:pte\s+)?pa:(\S+)$/i.exec(text.trim());
  if (pte) return parseNumber(pte[1]) === undefined ? `not a physical address: ${pte[1]}` : { kind: 'pte', pa: pte[1] };
  let where: { space?: string; cpu?: number; cr3?: string } = {};
  const pick = (w: string): boolean => {
    const raw = /^cr3=(.+)$/i.exec(w);
    if (raw) { if (parseNumber(raw[1]) === undefined) return false; where = { cr3: raw[1] }; return true; }
    const cpu = /^cpu(\d+)$/i.exec(w);
    if (cpu) { where = { cpu: Number(cpu[1]) }; return true; }
    if (/^[A-Za-z_]\w*$/.test(w) && w.toLowerCase() !== 'l') { where = { space: w.toUpperCase() }; return true; }
    return false;
  };
  const prefixed = /^([A-Za-z_]\w*):(.+)$/.exec(words[0] ?? '');
  if (prefixed && pick(prefixed[1])) words = [prefixed[2], ...words.slice(1)];
  else if (words.length > 1 && parseNumber(words[0]) === undefined) {
    if (!pick(words[0])) return `not a space, cpuN or cr3=VALUE: ${words[0]}. ${WALK_INPUT_HELP}`;
    words = words.slice(1);
  }
  if (words.length === 3 && words[1].toLowerCase() === 'l') {
    const a = parseNumber(words[0]), n = parseNumber(words[2]);
    if (a === undefined || n === undefined) return WALK_INPUT_HELP;
    words = [words[0], '0x' + (a + n).toString(16)];
  }
  if (words.length < 1 || words.length > 2 || words.some((w) => parseNumber(w) === undefined)) return WALK_INPUT_HELP;
  return words.length === 2 ? { kind: 'range', va: words[0], end: words[1], ...where } : { kind: 'address', va: words[0], ...where };
}

/** The rows of a range walk: a head row, one row per run, and "N more" when clipped. */
export function rangeNodes(r: RangeWalkView): WalkNode[] {
  const out: WalkNode[] = [{ label: `${r.space} ${r.start} – ${r.last}`, description: `CR3 ${r.cr3} · ${r.total} mapped range${r.total === 1 ? '' : 's'}`, memoryReference: `pa:${r.cr3}`, icon: 'list-flat', tooltip: `every mapping in ${r.start}..${r.last} walked from the PDPT at ${r.cr3}` }];
  for (const x of r.rows) out.push({ label: `${x.va} – ${x.last}`, description: `${x.size} → ${x.pa}${x.chunk ? ` (${x.chunk})` : ''}  ${x.flags.join(' ')}`, memoryReference: x.memoryReference, icon: 'arrow-small-right', tooltip: `${x.va}..${x.last} (${x.size}) maps onto ${x.pa}..${x.chunk ? ` in ${x.chunk}` : ''}, ${x.flags.join(' ')}` });
  if (r.total === 0) out.push({ label: 'no mapping', description: 'nothing in this range is present', icon: 'error' });
  if (r.more > 0) out.push({ label: `${r.more} more`, description: `range${r.more === 1 ? '' : 's'} past the first ${r.rows.length}: narrow the range to see them`, icon: 'ellipsis' });
  return out;
}

/** The rows of PTE address -> VA: the entry, then each (space, level, VA range) it maps, or who maps the PA when it is no entry. */
export function entryNodes(pa: string, w: MoverRequests['mover/whereis'][1]): WalkNode[] {
  const at = w.entryAddress ?? pa;
  const uses = w.entries ?? [];
  const out: WalkNode[] = [{ label: `PA ${at}`, description: uses.length ? `the paging-structure entry of ${uses.length} mapping${uses.length === 1 ? '' : 's'}` : 'no paging-structure entry of any space', memoryReference: `pa:${at}`, icon: 'symbol-constant' }];
  for (const u of uses) out.push({ label: `${u.space} ${u.level}`, description: `${u.va} – ${u.last}  ${u.size}`, memoryReference: u.memoryReference, icon: 'arrow-small-right', tooltip: `the ${u.level} at ${at} maps ${u.space} ${u.va}..${u.last} (${u.size})` });
  for (const m of uses.length ? [] : w.mappings) out.push({ label: `mapped at ${m.space}`, description: m.va, memoryReference: `${m.space.toLowerCase()}:${m.va}`, icon: 'location' });
  return out;
}

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

  /** The rows shown, for tests. */
  get nodes(): readonly WalkNode[] {
    return this.data.nodes;
  }

  /** "Mover: Walk Address, Range, CR3 or PTE": walks what is typed (asked for when not given); returns the rows shown. */
  async walkTyped(text?: string): Promise<readonly WalkNode[] | undefined> {
    if (!this.sessions.stoppedSession) { void vscode.window.showInformationMessage('A walk needs a stopped Mover debug session.'); return undefined; }
    text ??= await vscode.window.showInputBox({ prompt: WALK_INPUT_HELP, placeHolder: 'vs1 0x2000_0000 0x2040_0000', validateInput: (v) => { const r = parseWalkInput(v); return typeof r === 'string' ? r : undefined; } });
    if (!text) return undefined;
    const source = parseWalkInput(text);
    if (typeof source === 'string') throw new Error(source);
    await this.show(source);
    await vscode.commands.executeCommand('mover.pageWalk.focus');
    return this.nodes;
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
    } else if (s.kind === 'pte') {
      const w = await this.fetch('mover/whereis', { pa: s.pa, entries: true });
      what = `PTE address → VA: ${w?.entryAddress ?? s.pa}`;
      return w ? { walk: null, nodes: entryNodes(s.pa, w), what: what + pinned, none: null } : { ...NOTHING, what: what + pinned };
    } else {
      const by = s.cr3 !== undefined ? `under CR3 ${s.cr3}` : s.space ?? (s.cpu !== undefined ? `cpu${s.cpu}` : `${f.who}, ${f.space}`);
      const target = s.cr3 !== undefined ? { cr3: s.cr3 } : s.space ? { space: s.space } : s.cpu !== undefined ? { cpu: s.cpu } : f.running ? { cpu: f.cpu } : { space: f.space };
      if (s.kind === 'range') {
        const r = await this.fetch('mover/walk', { va: s.va, end: s.end, ...target });
        what = `range ${r?.range ? `${r.range.start}..${r.range.last}` : `${s.va}..${s.end}`}, ${by}${r?.range && s.cr3 !== undefined ? ` (${r.range.space})` : ''}`;
        return r?.range ? { walk: r, nodes: rangeNodes(r.range), what: what + pinned, none: null } : { ...NOTHING, what: what + pinned };
      }
      walk = await this.fetch('mover/walk', { va: s.va, ...target });
      what = `typed address, ${by}${walk && s.cr3 !== undefined ? ` (${walk.space})` : ''}`;
    }
    return walk ? { walk, nodes: walkNodes(walk), what: what + pinned, none: null } : { ...NOTHING, what: what + pinned };
  }

  protected override describe(): string {
    return this.data.what || 'CR3 → PDPTE → PDE → PTE → PA; ranges, raw CR3, PTE → VA';
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
