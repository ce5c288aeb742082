// The "Machine Diff" view (issue 17's time-travel machine diff): what changed in the whole machine
// between the last two stops, refreshed at every stop. Grouped: Memory by chunk (each changed range
// with the spaces and VAs that map it, old -> new bytes), Page tables (decoded entries and the VA range
// each maps), TLB fills and evictions per processor, Registers, Volumes, Objects field by field.
// A change opens its memory (pa:ADDR) or, for an entry, the walk of the VA it maps.

import * as vscode from 'vscode';
import type { EntryChangeView, MachineDiffView, MemoryChangeView } from '../../debug-adapter/protocol';
import type { MoverSessions } from '../session-state';
import { StopRefreshedTree } from './stop-refreshed-tree';
import { markAddress } from '../address-target';

type Registers = MachineDiffView['registers'];
type Tlb = MachineDiffView['tlb'][number];

export type DiffNode =
  | { readonly kind: 'group'; readonly label: string; readonly description: string; readonly icon: string; readonly rows: readonly DiffNode[] }
  | { readonly kind: 'memory'; readonly change: MemoryChangeView }
  | { readonly kind: 'entry'; readonly change: EntryChangeView }
  | { readonly kind: 'tlb'; readonly cpu: number; readonly fill: boolean; readonly va: string; readonly frame: string }
  | { readonly kind: 'register'; readonly change: Registers[number] }
  | { readonly kind: 'block'; readonly change: MachineDiffView['volumes'][number] }
  | { readonly kind: 'field'; readonly change: MachineDiffView['objects'][number] };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The view's rows: one group per kind of change that has any. */
export function diffGroups(d: MachineDiffView): DiffNode[] {
  const groups: DiffNode[] = [];
  const group = (label: string, description: string, icon: string, rows: DiffNode[]) => { if (rows.length) groups.push({ kind: 'group', label, description, icon, rows }); };
  const chunks = new Map<string, MemoryChangeView[]>();
  for (const c of d.memory) chunks.set(c.chunk ?? 'no chunk', [...(chunks.get(c.chunk ?? 'no chunk') ?? []), c]);
  group('Memory', `${plural(d.bytesChanged, 'byte')} in ${plural(d.memory.length + d.moreRanges, 'range')}`, 'file-binary', [...chunks].map(([chunk, list]) => ({
    kind: 'group', label: chunk, description: plural(list.length, 'range'), icon: 'symbol-array', rows: list.map((change) => ({ kind: 'memory', change })),
  })));
  group('Page tables', `${d.pageTables.length} entr${d.pageTables.length === 1 ? 'y' : 'ies'}`, 'list-tree', d.pageTables.map((change) => ({ kind: 'entry', change })));
  group('TLB', `${d.tlb.reduce((n, t) => n + t.fills.length, 0)} filled · ${d.tlb.reduce((n, t) => n + t.evictions.length, 0)} evicted`, 'database', d.tlb.map((t: Tlb) => ({
    kind: 'group', label: `cpu${t.cpu}`, description: `${t.fills.length} filled · ${t.evictions.length} evicted`, icon: 'circuit-board',
    rows: [...t.fills.map((f) => ({ kind: 'tlb' as const, cpu: t.cpu, fill: true, ...f })), ...t.evictions.map((f) => ({ kind: 'tlb' as const, cpu: t.cpu, fill: false, ...f }))],
  })));
  group('Registers', plural(d.registers.length, 'register'), 'symbol-constant', d.registers.map((change) => ({ kind: 'register', change })));
  group('Volumes', plural(d.volumes.length, 'block'), 'database', d.volumes.map((change) => ({ kind: 'block', change })));
  group('Objects', plural(d.objects.length, 'field'), 'symbol-structure', d.objects.map((change) => ({ kind: 'field', change })));
  return groups;
}

/** A row's label and description, as the tree shows them (also read by the extension-host test). */
export function diffRow(n: DiffNode): { label: string; description: string } {
  switch (n.kind) {
    case 'group': return { label: n.label, description: n.description };
    case 'memory': {
      const c = n.change;
      const where = c.mappedBy.map((m) => `${m.space}:${m.va}`).join(' ') + (c.moreMappers ? ` +${c.moreMappers}` : '');
      return { label: `pa:${c.pa} (${plural(c.length, 'byte')})`, description: `${c.text}${where ? ` · ${where}` : ''}` };
    }
    case 'entry': return { label: `${n.change.level} at pa:${n.change.pa}`, description: `${n.change.text} · maps ${n.change.maps.map((m) => `${m.space} ${m.va} (${m.size})`).join(', ')}` };
    case 'tlb': return { label: `${n.fill ? 'fill' : 'evict'} ${n.va}`, description: `→ ${n.frame}` };
    case 'register': return { label: `${n.change.owner} ${n.change.register}`, description: `${n.change.old} → ${n.change.now}` };
    case 'block': return { label: `${n.change.volume} block ${n.change.block}`, description: `${plural(n.change.changedBytes, 'byte')} changed, at +${n.change.offset}: ${n.change.old} → ${n.change.now}` };
    case 'field': return { label: `${n.change.object}.${n.change.field}`, description: `${n.change.old} → ${n.change.now} · ${n.change.type} at ${n.change.space}:${n.change.va}` };
  }
}

export class DiffProvider extends StopRefreshedTree<DiffNode, MachineDiffView | undefined> {
  /** A diff after a run that rewrote much memory takes the adapter a while: only while the view is shown. */
  protected override readonly loadOnlyWhenShown = true;

  constructor(sessions: MoverSessions) {
    super(sessions, undefined);
  }

  /** What the view shows now. */
  get current(): MachineDiffView | undefined {
    return this.data;
  }

  /** Why there is no diff (the first stop has nothing before it): the view's message, not an error logged at every launch. */
  private why: string | undefined;

  protected async load(): Promise<MachineDiffView | undefined> {
    const s = this.sessions.stoppedSession;
    this.why = undefined;
    if (!s) return undefined;
    try {
      return (await s.customRequest('mover/diff', {})) as MachineDiffView;
    } catch (e) {
      this.why = e instanceof Error ? e.message : String(e);
      return undefined;
    }
  }

  protected override describe(): string {
    return this.data ? `instruction ${this.data.from} → ${this.data.to}` : 'what changed since the last stop';
  }

  protected override emptyMessage(): string {
    if (this.data) return 'Nothing changed since the last stop.';
    return this.why && !/earlier stop/.test(this.why) ? `No diff: ${this.why}` : 'Step or continue: what the machine changed since the last stop shows here.';
  }

  getTreeItem(n: DiffNode): vscode.TreeItem {
    const r = diffRow(n);
    const item = new vscode.TreeItem(r.label, n.kind === 'group' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.description = r.description;
    item.tooltip = `${r.label}\n${r.description}`;
    const open = (ref: string) => {
      item.command = { command: 'mover.showMemory', title: 'Show memory', arguments: [ref] };
      markAddress(item, n, { ref, pa: ref.replace(/^pa:/, '') });
    };
    switch (n.kind) {
      case 'group': item.iconPath = new vscode.ThemeIcon(n.icon); break;
      case 'memory': item.iconPath = new vscode.ThemeIcon('diff'); open(n.change.memoryReference); break;
      case 'field': item.iconPath = new vscode.ThemeIcon('symbol-field'); open(n.change.memoryReference); break;
      case 'tlb': item.iconPath = new vscode.ThemeIcon(n.fill ? 'add' : 'remove'); open(`pa:${n.frame}`); break;
      case 'register': item.iconPath = new vscode.ThemeIcon('symbol-variable'); break;
      case 'block': item.iconPath = new vscode.ThemeIcon('save'); break;
      case 'entry': {
        item.iconPath = new vscode.ThemeIcon('references');
        const m = n.change.maps[0];
        if (m) {
          const ref = `${m.space.toLowerCase()}:${m.va}`;
          item.command = { command: 'mover.walkAddress', title: 'Walk the VA it maps', arguments: [ref] };
          markAddress(item, n, { ref: n.change.memoryReference, pa: n.change.pa, va: { va: m.va, space: m.space } });
        } else open(n.change.memoryReference);
        break;
      }
    }
    return item;
  }

  protected children(n?: DiffNode): DiffNode[] {
    if (n) return n.kind === 'group' ? [...n.rows] : [];
    return this.data ? diffGroups(this.data) : [];
  }
}
