// The "Snapshot Queue" view: the snapshot facility's queue from head (oldest) to tail (youngest); per
// snapshot its save volume's use, its bit map as a picture (█ saved, · not) and its block map; the last
// read's path N -> N+1 -> ... -> clone and the last copy on first write, highlighted. Clicking an entry,
// a bit map or a block map opens its memory.

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
  | { readonly kind: 'problem'; readonly text: string };

/** "1 → 2 → 3 → clone" for the last read. */
export function readPath(r: NonNullable<SnapshotQueueView['lastRead']>): string {
  const end = r.foundIn === null ? '…' : r.foundIn === 'clone' ? 'clone' : `found in ${r.foundIn} (S${r.savedBlock})`;
  return `${[...r.path].join(' → ')} → ${end}`;
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
        const item = new vscode.TreeItem(`last read: snapshot ${r.snapshot}, block ${r.block}`);
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
    if (n.kind === 'entry') return [{ kind: 'bitmap', entry: n.entry }, { kind: 'blockmap', entry: n.entry }];
    return [];
  }
}
