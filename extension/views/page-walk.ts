// The "Page Walk" view: CR3 -> PDPTE -> PDE -> PTE -> PA for the address under the editor cursor, the
// last memory access, or an address typed in; each level with entry address, raw value and flags, the
// chunk and the TLB state. Clicking a level opens the memory holding that entry.

import * as vscode from 'vscode';
import type { WalkView } from '../../debug-adapter/protocol';
import { StopRefreshedTree } from './stop-refreshed-tree';
import { markAddress } from '../address-target';

export type WalkSource = { readonly kind: 'last-access'; readonly cpu: number } | { readonly kind: 'address'; readonly va: string; readonly space?: string; readonly cpu?: number };

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

export class PageWalkProvider extends StopRefreshedTree<WalkNode> {
  private nodes: WalkNode[] = [];
  private source: WalkSource = { kind: 'last-access', cpu: 0 };
  /** The walk shown, for tests and commands. */
  current: WalkView | null = null;

  /** Shows the walk of `source` (the last access of a processor, or an address). */
  async show(source: WalkSource): Promise<WalkView | null> {
    this.source = source;
    await this.refresh();
    return this.current;
  }

  protected async load(): Promise<void> {
    const s = this.source;
    this.current = (s.kind === 'last-access'
      ? await this.fetch('mover/lastWalk', { cpu: s.cpu })
      : await this.fetch('mover/walk', { va: s.va, ...(s.space ? { space: s.space } : {}), ...(s.cpu !== undefined ? { cpu: s.cpu } : {}) })) ?? null;
    this.nodes = this.current ? walkNodes(this.current) : [];
  }

  getTreeItem(n: WalkNode): vscode.TreeItem {
    const item = new vscode.TreeItem(n.label);
    item.description = n.description;
    item.tooltip = n.tooltip ?? `${n.label} ${n.description}`;
    if (n.icon) item.iconPath = new vscode.ThemeIcon(n.icon);
    if (n.memoryReference) item.command = { command: 'mover.showMemory', title: 'Show memory', arguments: [n.memoryReference] };
    return markAddress(item, n, n.memoryReference);
  }

  getChildren(n?: WalkNode): WalkNode[] {
    return n ? [] : this.nodes;
  }
}
