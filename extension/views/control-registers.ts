// The "Control Registers" view: per processor CR0 (PE, WP, PG), CR2, CR3 (and whose PDPT it holds),
// CR4 (PAE, PGE), the preemption count and the current space.

import * as vscode from 'vscode';
import type { ControlRegistersView } from '../../debug-adapter/protocol';
import type { MoverSessions } from '../session-state';
import { StopRefreshedTree } from './stop-refreshed-tree';
import { markAddress } from '../address-target';

export interface RegisterNode {
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: string;
  readonly children?: readonly RegisterNode[];
  readonly memoryReference?: string;
}

/** The PDPTE registers: the processor walks with these, not with the PDPT in memory, until the next MOV CR3. */
function pdpteNode(p: ControlRegistersView): RegisterNode {
  const differing = p.pdptes.filter((e) => e.differs).length;
  return {
    label: 'PDPTE registers',
    description: differing ? `${differing} differ from the PDPT in memory (reloaded at the next MOV CR3)` : 'as loaded at the last MOV CR3 · match memory',
    children: p.pdptes.map((e) => ({
      label: `PDPTE[${e.index}]`,
      description: `${e.loaded}  ${e.flags.join(' ')}${e.differs ? `  · memory now ${e.memory}` : ''}`,
      tooltip: e.differs ? `register ${e.loaded}, the PDPT in memory now holds ${e.memory}: walks use the register until CR3 is loaded again` : `register ${e.loaded} (same as memory)`,
      memoryReference: e.memoryReference,
    })),
  };
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
      p.lastFault
        ? { label: 'CR2', description: `${p.cr2}  error code ${p.lastFault.errorCode} · ${p.lastFault.reason}`, tooltip: `the last page fault: ${p.lastFault.reason} of ${p.lastFault.va}, error code ${p.lastFault.errorCode} (P: protection, not absence; W: a write; U: from user mode; RSVD: a reserved bit)` }
        : { label: 'CR2', description: `${p.cr2}  no page fault yet`, tooltip: 'the last page-fault address' },
      { label: 'CR3', description: `${p.cr3}${p.cr3Space ? `  (${p.cr3Space} PDPT)` : ''}`, memoryReference: `pa:${p.cr3}` },
      { label: 'CR4', description: `${p.cr4}  ${[p.pge ? 'PGE' : '', p.pae ? 'PAE' : ''].filter(Boolean).join(' ')}`, children: [
        { label: 'PAE', description: p.pae ? '1  36-bit physical addresses' : '0' },
        { label: 'PGE', description: p.pge ? '1  global pages survive CR3 loads' : '0' },
      ] },
      pdpteNode(p),
      { label: 'preemption', description: `${p.preemptCount}${p.preemptCount ? '  (timer will not switch threads)' : ''}` },
      { label: 'space', description: p.space },
      ...(p.lastAccess ? [{ label: 'last access', description: p.lastAccess }] : []),
    ],
  };
}

export class ControlRegistersProvider extends StopRefreshedTree<RegisterNode, RegisterNode[]> {
  constructor(sessions: MoverSessions) {
    super(sessions, []);
  }

  protected async load(): Promise<RegisterNode[]> {
    const r = await this.fetch('mover/controlRegisters', {});
    return r ? r.processors.map(registerNodes) : [];
  }

  protected override describe(): string {
    return 'CR0–CR4, PDPTE registers, space, per processor';
  }

  protected override emptyMessage(): string {
    return 'Start a Mover debug session: each processor\'s CR0, CR2, CR3, CR4 and PDPTE registers show here at every stop.';
  }

  getTreeItem(n: RegisterNode): vscode.TreeItem {
    const item = new vscode.TreeItem(n.label, n.children ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.description = n.description;
    item.tooltip = n.tooltip ?? `${n.label} ${n.description ?? ''}`;
    if (n.memoryReference) item.command = { command: 'mover.showMemory', title: 'Show memory', arguments: [n.memoryReference] };
    return markAddress(item, n, n.memoryReference);
  }

  protected children(n?: RegisterNode): RegisterNode[] {
    return n ? [...(n.children ?? [])] : this.data;
  }
}
