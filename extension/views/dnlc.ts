// The "DNLC" view: the directory name lookup cache of [00026] in VS1: its counters (entries, hits,
// misses, enters, removes) and its non-empty hash buckets with their entries (parent/name -> inode).
// Clicking an entry opens its memory.

import * as vscode from 'vscode';
import type { DnlcEntryView, DnlcView } from '../../debug-adapter/protocol';
import { StopRefreshedTree } from './stop-refreshed-tree';
import { markAddress } from '../address-target';

export type DnlcNode =
  | { readonly kind: 'counters'; readonly view: DnlcView }
  | { readonly kind: 'bucket'; readonly bucket: number; readonly entries: readonly DnlcEntryView[] }
  | { readonly kind: 'entry'; readonly entry: DnlcEntryView }
  | { readonly kind: 'problem'; readonly text: string };

export class DnlcProvider extends StopRefreshedTree<DnlcNode> {
  private view: DnlcView | undefined;

  protected async load(): Promise<void> {
    this.view = await this.fetch('mover/dnlc', {});
  }

  getTreeItem(n: DnlcNode): vscode.TreeItem {
    switch (n.kind) {
      case 'counters': {
        const v = n.view;
        const item = new vscode.TreeItem(`${v.entries} entr${v.entries === 1 ? 'y' : 'ies'} in ${v.chains.length}/${v.buckets} buckets`);
        const lookups = v.hits + v.misses;
        item.description = `hits ${v.hits} · misses ${v.misses}${lookups ? ` (${Math.round((100 * v.hits) / lookups)}% hit)` : ''} · enters ${v.enters} · removes ${v.removes} · capacity ${v.capacity}`;
        item.iconPath = new vscode.ThemeIcon('dashboard');
        if (v.memoryReference) item.command = { command: 'mover.showMemory', title: 'Show the table', arguments: [v.memoryReference] };
        return markAddress(item, n, v.memoryReference ?? undefined);
      }
      case 'bucket': {
        const item = new vscode.TreeItem(`bucket ${n.bucket}`, vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${n.entries.length} entr${n.entries.length === 1 ? 'y' : 'ies'}`;
        return item;
      }
      case 'entry': {
        const item = new vscode.TreeItem(`${n.entry.parent}/${n.entry.name}`);
        item.description = `→ inode ${n.entry.inode}`;
        item.tooltip = `directory ${n.entry.parent}, name "${n.entry.name}" -> inode ${n.entry.inode} (${n.entry.memoryReference})`;
        item.iconPath = new vscode.ThemeIcon('file');
        item.command = { command: 'mover.showMemory', title: 'Show the entry', arguments: [n.entry.memoryReference] };
        return markAddress(item, n, n.entry.memoryReference);
      }
      case 'problem': {
        const item = new vscode.TreeItem(n.text);
        item.iconPath = new vscode.ThemeIcon('warning');
        return item;
      }
    }
  }

  getChildren(n?: DnlcNode): DnlcNode[] {
    const v = this.view;
    if (!v || !v.present) return [];
    if (!n) {
      const out: DnlcNode[] = [{ kind: 'counters', view: v }, ...v.chains.map((c) => ({ kind: 'bucket' as const, bucket: c.bucket, entries: c.entries }))];
      if (v.problem) out.push({ kind: 'problem', text: v.problem });
      return out;
    }
    if (n.kind === 'bucket') return n.entries.map((entry) => ({ kind: 'entry' as const, entry }));
    return [];
  }
}
