// The "Control Registers" view: per processor CR0 (PE, WP, PG), CR2, CR3 (and whose PDPT it holds),
// CR4 (PAE, PGE), the preemption count and the current space.

import * as vscode from 'vscode';
import type { ControlRegistersView } from '../../debug-adapter/protocol';
import { StopRefreshedTree } from './stop-refreshed-tree';
import { markAddress } from '../address-target';

export interface RegisterNode {
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: string;
  readonly children?: readonly RegisterNode[];
  readonly memoryReference?: string;
}

export function registerNodes(p: ControlRegistersView): RegisterNode {
  return {
    label: `cpu${p.cpu}`, description: `${p.space}${p.thread ? ` · ${p.thread}` : ''}`,
    children: [
      { label: 'CR0', description: `${p.cr0}  ${[p.pg ? 'PG' : '', p.wp ? 'WP' : '', p.pe ? 'PE' : ''].filter(Boolean).join(' ')}`, children: [
        { label: 'PE', description: p.pe ? '1  protected mode' : '0' },
        { label: 'WP', description: p.wp ? '1  supervisor writes honour R/W' : '0' },
        { label: 'PG', description: p.pg ? '1  paging on' : '0  paging off: VS0, linear = physical' },
      ] },
      { label: 'CR2', description: p.cr2, tooltip: 'the last page-fault address' },
      { label: 'CR3', description: `${p.cr3}${p.cr3Space ? `  (${p.cr3Space} PDPT)` : ''}`, memoryReference: `pa:${p.cr3}` },
      { label: 'CR4', description: `${p.cr4}  ${[p.pge ? 'PGE' : '', p.pae ? 'PAE' : ''].filter(Boolean).join(' ')}`, children: [
        { label: 'PAE', description: p.pae ? '1  36-bit physical addresses' : '0' },
        { label: 'PGE', description: p.pge ? '1  global pages survive CR3 loads' : '0' },
      ] },
      { label: 'preemption', description: `${p.preemptCount}${p.preemptCount ? '  (timer will not switch threads)' : ''}` },
      { label: 'space', description: p.space },
      ...(p.lastAccess ? [{ label: 'last access', description: p.lastAccess }] : []),
    ],
  };
}

export class ControlRegistersProvider extends StopRefreshedTree<RegisterNode> {
  private roots: RegisterNode[] = [];

  protected async load(): Promise<void> {
    const r = await this.fetch('mover/controlRegisters', {});
    this.roots = r ? r.processors.map(registerNodes) : [];
  }

  getTreeItem(n: RegisterNode): vscode.TreeItem {
    const item = new vscode.TreeItem(n.label, n.children ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.description = n.description;
    item.tooltip = n.tooltip ?? `${n.label} ${n.description ?? ''}`;
    if (n.memoryReference) item.command = { command: 'mover.showMemory', title: 'Show memory', arguments: [n.memoryReference] };
    return markAddress(item, n, n.memoryReference);
  }

  getChildren(n?: RegisterNode): RegisterNode[] {
    return n ? [...(n.children ?? [])] : this.roots;
  }
}
