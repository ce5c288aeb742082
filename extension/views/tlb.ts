// The "TLB" view: per processor, its entries by set and way with VPN, frame, flags, global mark and
// LRU order; stale entries (no longer what the page tables say) and entries new since the last stop
// are marked; the hit rate, hit, miss and flush counters, and what was flushed or evicted since the
// last stop. Clicking an entry opens the frame's memory.

import * as vscode from 'vscode';
import type { TlbEntryView, TlbProcessorView } from '../../debug-adapter/protocol';
import type { MoverSessions } from '../session-state';
import { StopRefreshedTree } from './stop-refreshed-tree';
import { markAddress } from '../address-target';

export type TlbNode =
  | { readonly kind: 'cpu'; readonly view: TlbProcessorView }
  | { readonly kind: 'counters'; readonly view: TlbProcessorView }
  | { readonly kind: 'flushed'; readonly view: TlbProcessorView }
  | { readonly kind: 'evicted'; readonly view: TlbProcessorView }
  | { readonly kind: 'entry'; readonly cpu: number; readonly entry: TlbEntryView };

export function entryLabel(e: TlbEntryView): { label: string; description: string } {
  return {
    label: `${e.va} → ${e.frame}`,
    description: `${e.flags.join(' ')} · set ${e.set} way ${e.way} · lru ${e.lruRank}${e.stale ? ' · STALE' : ''}${e.fresh ? ' · new' : ''}`,
  };
}

/** "80% hits" (of hits + misses), or "no lookups yet". */
export function hitRate(v: TlbProcessorView): string {
  return v.hitRate === null ? 'no lookups yet' : `${Math.round(100 * v.hitRate)}% hits`;
}

export class TlbProvider extends StopRefreshedTree<TlbNode, readonly TlbProcessorView[]> {
  constructor(sessions: MoverSessions) {
    super(sessions, []);
  }

  protected async load(): Promise<readonly TlbProcessorView[]> {
    const r = await this.fetch('mover/tlb', {});
    return r ? r.processors : [];
  }

  protected override describe(): string {
    const policy = this.data[0]?.policy;
    return `entries by set and way, hit rate, evictions, per processor${policy ? ` · ${policy}` : ''}`;
  }

  protected override emptyMessage(): string {
    return 'Start a Mover debug session: each processor\'s TLB entries, hit rate and evictions show here at every stop.';
  }

  getTreeItem(n: TlbNode): vscode.TreeItem {
    switch (n.kind) {
      case 'cpu': {
        const item = new vscode.TreeItem(`cpu${n.view.cpu}`, vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${n.view.space} · ${n.view.entries.length}/${n.view.sets * n.view.ways} valid · ${hitRate(n.view)} · ${n.view.sets} sets × ${n.view.ways} ways`;
        return item;
      }
      case 'counters': {
        const c = n.view.counters;
        const item = new vscode.TreeItem('counters');
        item.description = `hits ${c.hits} · misses ${c.misses} · walks ${c.walks} · flushes ${c.flushes} (${c.invalidated} dropped)`;
        return item;
      }
      case 'flushed': {
        const item = new vscode.TreeItem('flushed since last stop');
        item.description = n.view.flushed.slice(0, 12).join(' ') + (n.view.flushed.length > 12 ? ` … (${n.view.flushed.length})` : '');
        item.iconPath = new vscode.ThemeIcon('trash');
        return item;
      }
      case 'evicted': {
        const item = new vscode.TreeItem('evicted since last stop');
        item.description = n.view.evicted.slice(0, 8).map((e) => `${e.va} → ${e.frame}`).join(' · ') + (n.view.evicted.length > 8 ? ` … (${n.view.evicted.length})` : '');
        item.tooltip = `replaced by the LRU policy since the previous stop (not flushed):\n${n.view.evicted.map((e) => `${e.va} → ${e.frame}`).join('\n')}`;
        item.iconPath = new vscode.ThemeIcon('arrow-swap');
        return item;
      }
      case 'entry': {
        const { label, description } = entryLabel(n.entry);
        const item = new vscode.TreeItem(label);
        item.description = description;
        item.tooltip = n.entry.stale ? `STALE: ${n.entry.staleReason}` : `${n.entry.va} maps ${n.entry.frame}${n.entry.global ? ' (global: survives CR3 loads)' : ''}`;
        item.iconPath = new vscode.ThemeIcon(n.entry.stale ? 'warning' : n.entry.fresh ? 'diff-added' : n.entry.global ? 'globe' : 'circle-small-filled',
          n.entry.stale ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
        item.contextValue = n.entry.stale ? 'tlbEntryStale' : 'tlbEntry';
        item.command = { command: 'mover.showMemory', title: 'Show frame memory', arguments: [`pa:${n.entry.frame}`] };
        // The frame is the PA; the VA is walked in the space the processor is in (the entry's space).
        return markAddress(item, n, { ref: `pa:${n.entry.frame}`, pa: n.entry.frame, va: { va: n.entry.va, cpu: n.cpu } });
      }
    }
  }

  protected children(n?: TlbNode): TlbNode[] {
    if (!n) return this.data.map((view) => ({ kind: 'cpu' as const, view }));
    if (n.kind !== 'cpu') return [];
    const out: TlbNode[] = [{ kind: 'counters', view: n.view }];
    if (n.view.flushed.length) out.push({ kind: 'flushed', view: n.view });
    if (n.view.evicted.length) out.push({ kind: 'evicted', view: n.view });
    for (const entry of [...n.view.entries].sort((a, b) => a.set - b.set || a.lruRank - b.lruRank)) out.push({ kind: 'entry', cpu: n.view.cpu, entry });
    return out;
  }
}
