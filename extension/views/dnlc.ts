// The "DNLC" view: the directory name lookup cache of [00026] in VS1: its counters (entries, hits,
// misses, enters, removes) a row per group, its hash-chain lengths (longest, average) and its
// non-empty hash buckets with their entries (parent/name -> inode). Clicking an entry opens its memory.

import * as vscode from 'vscode';
import type { DnlcEntryView, DnlcView } from '../../debug-adapter/protocol';
import type { MoverSessions } from '../session-state';
import { ModuleTree } from './stop-refreshed-tree';
import { markAddress } from '../address-target';

export type DnlcNode =
  | { readonly kind: 'counter'; readonly label: string; readonly description: string; readonly icon: string; readonly memoryReference?: string }
  | { readonly kind: 'bucket'; readonly bucket: number; readonly entries: readonly DnlcEntryView[] }
  | { readonly kind: 'entry'; readonly entry: DnlcEntryView }
  | { readonly kind: 'problem'; readonly text: string };

/** The table's counters, one row each group, so none is cut off at the view's width. */
export function counterNodes(v: DnlcView): DnlcNode[] {
  const lookups = v.hits + v.misses;
  return [
    { kind: 'counter', label: `${v.entries} entr${v.entries === 1 ? 'y' : 'ies'} in ${v.chains.length}/${v.buckets} buckets`, description: `capacity ${v.capacity}`, icon: 'dashboard', ...(v.memoryReference ? { memoryReference: v.memoryReference } : {}) },
    { kind: 'counter', label: 'lookups', description: `hits ${v.hits} · misses ${v.misses}${lookups ? ` · ${Math.round((100 * v.hits) / lookups)}% hit` : ''}`, icon: 'search' },
    { kind: 'counter', label: 'changes', description: `enters ${v.enters} · removes ${v.removes}`, icon: 'edit' },
    { kind: 'counter', label: 'hash chains', description: v.averageChain === null ? 'all empty' : `longest ${v.longestChain} · average ${v.averageChain.toFixed(2)} (non-empty buckets)`, icon: 'list-tree' },
  ];
}

export class DnlcProvider extends ModuleTree<DnlcNode, 'mover/dnlc'> {
  constructor(sessions: MoverSessions) {
    super(sessions, 'mover/dnlc', 'mover.hasDnlc', 'hash buckets, chains and counters of [00026]');
  }

  getTreeItem(n: DnlcNode): vscode.TreeItem {
    switch (n.kind) {
      case 'counter': {
        const item = new vscode.TreeItem(n.label);
        item.description = n.description;
        item.tooltip = `${n.label}: ${n.description}`;
        item.iconPath = new vscode.ThemeIcon(n.icon);
        if (n.memoryReference) item.command = { command: 'mover.showMemory', title: 'Show the table', arguments: [n.memoryReference] };
        return markAddress(item, n, n.memoryReference);
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

  protected children(n?: DnlcNode): DnlcNode[] {
    const v = this.data;
    if (!v || !v.present) return [];
    if (!n) {
      const out: DnlcNode[] = [...counterNodes(v), ...v.chains.map((c) => ({ kind: 'bucket' as const, bucket: c.bucket, entries: c.entries }))];
      if (v.problem) out.push({ kind: 'problem', text: v.problem });
      return out;
    }
    if (n.kind === 'bucket') return n.entries.map((entry) => ({ kind: 'entry' as const, entry }));
    return [];
  }
}
