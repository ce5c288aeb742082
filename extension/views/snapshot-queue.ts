// The "Snapshot Queue" view: the snapshot facility's queue from head (oldest) to tail (youngest); per
// snapshot its save volume's use, its bit map as a picture (█ saved, · not) and its block map; the last
// read's path N -> N+1 -> ... -> clone and the last copy on first write, highlighted. Clicking an entry,
// a bit map or a block map opens its memory.
// Each entry's save volume shows its use as a bar (▰ used, ▱ free: blocks used of its capacity). The
// last read is drawn as FIG. 11's path through the queue: under its summary row one row per step in
// order (the test of step 522, the recursion of 526, the read of 524 or 527), and on each entry it
// visited a row saying which step of the read it was and what the read did there.

import * as vscode from 'vscode';
import type { SnapshotEntryView, SnapshotQueueView } from '../../debug-adapter/protocol';
import type { MoverSessions } from '../session-state';
import { ModuleTree } from './stop-refreshed-tree';
import { markAddress } from '../address-target';

export type SnapshotNode =
  | { readonly kind: 'summary'; readonly view: SnapshotQueueView }
  | { readonly kind: 'lastRead'; readonly view: SnapshotQueueView }
  | { readonly kind: 'lastCofw'; readonly view: SnapshotQueueView }
  | { readonly kind: 'entry'; readonly entry: SnapshotEntryView; readonly view: SnapshotQueueView; readonly position: 'head' | 'tail' | 'head, tail' | '' }
  | { readonly kind: 'bitmap'; readonly entry: SnapshotEntryView }
  | { readonly kind: 'blockmap'; readonly entry: SnapshotEntryView }
  | { readonly kind: 'usage'; readonly entry: SnapshotEntryView }
  | { readonly kind: 'readStep'; readonly step: ReadStep; readonly count: number; readonly onEntry: boolean }
  | { readonly kind: 'problem'; readonly text: string };

/** "1 → 2 → 3 → clone" for the last read. */
export function readPath(r: NonNullable<SnapshotQueueView['lastRead']>): string {
  const end = r.foundIn === null ? '…' : r.foundIn === 'clone' ? 'clone' : `found in ${r.foundIn} (S${r.savedBlock})`;
  return `${[...r.path].join(' → ')} → ${end}`;
}

/** Cells of the save-volume bar. */
const BAR_CELLS = 10;

/** A save volume's use as a bar: ▰ for used, ▱ for free, one cell per tenth (any use shows at least one). */
export function usageBar(used: number, capacity: number): string {
  if (capacity <= 0) return '';
  const filled = used <= 0 ? 0 : Math.min(BAR_CELLS, Math.max(1, Math.round((used / capacity) * BAR_CELLS)));
  return '▰'.repeat(filled) + '▱'.repeat(BAR_CELLS - filled);
}

/** One step of the last read's path (FIG. 11): where it looked (a snapshot or the clone) and what it did there. */
export interface ReadStep {
  /** 1-based, in the order the read visited. */
  readonly index: number;
  readonly at: number | 'clone';
  readonly did: string;
}

/** The last read's path through the queue, step by step, in FIG. 11's words and step numbers. */
export function readSteps(v: SnapshotQueueView): ReadStep[] {
  const r = v.lastRead;
  if (!r) return [];
  const out: ReadStep[] = r.path.map((id, i) => {
    const entry = v.entries.find((e) => e.id === id);
    const did = r.foundIn === id
      ? `bit ${r.block} set (522): block map → S${r.savedBlock}, read from ${entry?.saveVolume ?? 'its save volume'} (523-524)`
      : i < r.path.length - 1
        ? `bit ${r.block} clear (522), not the tail: read snapshot ${r.path[i + 1]} (526)`
        : r.foundIn === 'clone' ? `bit ${r.block} clear (522), the tail: read the clone (527)` : `bit ${r.block} clear (522): the read has not finished`;
    return { index: i + 1, at: id, did };
  });
  if (r.foundIn === 'clone') out.push({ index: out.length + 1, at: 'clone', did: `block ${r.block} read from ${v.cloneVolume ?? 'the clone volume'} (527)` });
  return out;
}

function memoryCommand(ref: string, title: string): vscode.Command {
  return { command: 'mover.showMemory', title, arguments: [ref] };
}

export class SnapshotQueueProvider extends ModuleTree<SnapshotNode, 'mover/snapshots'> {
  constructor(sessions: MoverSessions) {
    super(sessions, 'mover/snapshots', 'mover.hasSnapshots', 'head to tail, bit maps, the last read (FIG. 11)');
  }

  getTreeItem(n: SnapshotNode): vscode.TreeItem {
    switch (n.kind) {
      case 'summary': {
        const item = new vscode.TreeItem(`${n.view.entries.length} snapshot${n.view.entries.length === 1 ? '' : 's'} of ${n.view.cloneVolume ?? 'the clone'}`);
        item.description = `${n.view.cloneBlocks} blocks · ${n.view.writes} writes · ${n.view.copiesOnFirstWrite} copies on first write`;
        item.iconPath = new vscode.ThemeIcon('database');
        if (n.view.memoryReference) item.command = memoryCommand(n.view.memoryReference, 'Show the queue header');
        return markAddress(item, n, n.view.memoryReference ?? undefined);
      }
      case 'lastRead': {
        const r = n.view.lastRead!;
        const item = new vscode.TreeItem(`last read: snapshot ${r.snapshot}, block ${r.block}`, vscode.TreeItemCollapsibleState.Expanded);
        item.description = readPath(r);
        item.tooltip = `FIG. 11: the read of block ${r.block} in snapshot ${r.snapshot} looked in ${r.path.join(', ')} and ${r.foundIn === 'clone' ? 'read the clone' : r.foundIn === null ? 'has not finished' : `found it in snapshot ${r.foundIn}'s save volume, block ${r.savedBlock}`}`;
        item.iconPath = new vscode.ThemeIcon('arrow-right', new vscode.ThemeColor('charts.blue'));
        return item;
      }
      case 'lastCofw': {
        const c = n.view.lastCopyOnFirstWrite!;
        const item = new vscode.TreeItem(`last copy on first write: block ${c.block}`);
        item.description = `into snapshot ${c.snapshot ?? '?'} · save block ${c.savedBlock}`;
        item.iconPath = new vscode.ThemeIcon('copy', new vscode.ThemeColor('charts.orange'));
        return item;
      }
      case 'entry': {
        const e = n.entry;
        const item = new vscode.TreeItem(`snapshot ${e.id}`, vscode.TreeItemCollapsibleState.Expanded);
        const onPath = n.view.lastRead?.path.includes(e.id);
        const cofw = n.view.lastCopyOnFirstWrite?.snapshot === e.id;
        item.description = `${n.position ? n.position + ' · ' : ''}${e.saveVolume} ${e.saveUsed}/${e.saveBlocks} blocks · ${e.bitsSet} saved${onPath ? ' · on the last read' : ''}${cofw ? ' · last cofw' : ''}`;
        item.iconPath = new vscode.ThemeIcon(cofw ? 'copy' : onPath ? 'arrow-right' : 'history', cofw ? new vscode.ThemeColor('charts.orange') : onPath ? new vscode.ThemeColor('charts.blue') : undefined);
        item.command = memoryCommand(e.memoryReference, 'Show the queue entry');
        item.contextValue = 'snapshotEntry';
        return markAddress(item, n, e.memoryReference);
      }
      case 'bitmap': {
        const item = new vscode.TreeItem('bit map');
        item.description = n.entry.bitmapPicture + (n.entry.blocksPerCell > 1 ? ` (${n.entry.blocksPerCell} blocks a cell)` : '');
        item.tooltip = `${n.entry.bitsSet} block(s) saved: set = the old version is in the save volume ([00051])`;
        item.command = memoryCommand(n.entry.bitmapReference, 'Show the bit map');
        return markAddress(item, n, n.entry.bitmapReference);
      }
      case 'blockmap': {
        const item = new vscode.TreeItem('block map');
        item.description = n.entry.blockMap.length ? n.entry.blockMap.slice(0, 16).map((m) => `B${m.block}→S${m.saved}`).join(' ') + (n.entry.blockMap.length > 16 ? ` … (${n.entry.bitsSet})` : '') : 'empty';
        item.command = memoryCommand(n.entry.blockMapReference, 'Show the block map');
        return markAddress(item, n, n.entry.blockMapReference);
      }
      case 'usage': {
        const e = n.entry;
        const item = new vscode.TreeItem('save volume');
        item.description = `${usageBar(e.saveUsed, e.saveBlocks)} ${e.saveUsed}/${e.saveBlocks} blocks used`;
        item.tooltip = `${e.saveVolume}: ${e.saveUsed} of its ${e.saveBlocks} blocks hold old versions (step 514 takes the next free one)`;
        item.iconPath = new vscode.ThemeIcon('server');
        return item;
      }
      case 'readStep': {
        const st = n.step;
        const where = st.at === 'clone' ? 'the clone' : `snapshot ${st.at}`;
        const item = new vscode.TreeItem(n.onEntry ? `last read, step ${st.index} of ${n.count}` : `${st.index}. ${where}`);
        item.description = st.did;
        item.tooltip = `FIG. 11, step ${st.index} of the last read: ${where}: ${st.did}`;
        item.iconPath = new vscode.ThemeIcon('arrow-right', new vscode.ThemeColor('charts.blue'));
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(n.text);
        item.iconPath = new vscode.ThemeIcon('warning');
        return item;
      }
    }
  }

  protected children(n?: SnapshotNode): SnapshotNode[] {
    const v = this.data;
    if (!v || !v.present) return [];
    if (!n) {
      const out: SnapshotNode[] = [{ kind: 'summary', view: v }];
      if (v.lastRead) out.push({ kind: 'lastRead', view: v });
      if (v.lastCopyOnFirstWrite) out.push({ kind: 'lastCofw', view: v });
      v.entries.forEach((entry, i) => {
        const pos = [i === 0 ? 'head' : '', i === v.entries.length - 1 ? 'tail' : ''].filter(Boolean).join(', ') as 'head' | 'tail' | 'head, tail' | '';
        out.push({ kind: 'entry', entry, view: v, position: pos });
      });
      if (v.problem) out.push({ kind: 'problem', text: v.problem });
      return out;
    }
    if (n.kind === 'lastRead') { const steps = readSteps(n.view); return steps.map((step) => ({ kind: 'readStep', step, count: steps.length, onEntry: false })); }
    if (n.kind === 'entry') {
      const steps = readSteps(n.view);
      const visited = steps.filter((st) => st.at === n.entry.id).map((step): SnapshotNode => ({ kind: 'readStep', step, count: steps.length, onEntry: true }));
      return [{ kind: 'bitmap', entry: n.entry }, { kind: 'blockmap', entry: n.entry }, { kind: 'usage', entry: n.entry }, ...visited];
    }
    return [];
  }
}
