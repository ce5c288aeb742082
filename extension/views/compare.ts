// The "Compare Across Spaces" view: one virtual address in every space side by side, the patent's
// common and separate chunks made visible ([00006]-[00008]). Per space: the PA and chunk the VA reaches,
// which other spaces share those bytes (common) or none (separate), and the bytes, the ones that differ
// between spaces bracketed. Opened by "Mover: Compare Across Spaces" (a VA typed, or from a view item,
// a variable, the hover or a walk); it follows the machine at every stop.

import * as vscode from 'vscode';
import type { CompareView, SpaceCompareView } from '../../debug-adapter/protocol';
import type { MoverSessions } from '../session-state';
import { StopRefreshedTree } from './stop-refreshed-tree';
import { markAddress } from '../address-target';

export type CompareNode =
  | { readonly kind: 'space'; readonly view: SpaceCompareView; readonly differAt: readonly number[] }
  | { readonly kind: 'summary'; readonly view: CompareView };

/** The bytes with the offsets that differ between spaces bracketed: `43 [32] 3a 20`. */
export function markDifferences(bytes: string, differAt: readonly number[]): string {
  const marked = new Set(differAt);
  return bytes.split(' ').map((b, k) => (marked.has(k) ? `[${b}]` : b)).join(' ');
}

export class CompareProvider extends StopRefreshedTree<CompareNode, CompareView | undefined> {
  private target: { va: string; length: number } | undefined;

  constructor(sessions: MoverSessions) {
    super(sessions, undefined);
  }

  /** Compares `va` (LENGTH bytes) from now on, at every stop; returns what the view then shows. */
  async show(va: string, length = 16): Promise<CompareView | undefined> {
    this.target = { va, length };
    await this.refresh();
    return this.data;
  }

  /** What the view shows now. */
  get current(): CompareView | undefined {
    return this.data;
  }

  protected async load(): Promise<CompareView | undefined> {
    return this.target ? this.fetch('mover/compare', this.target) : undefined;
  }

  protected override describe(): string {
    return this.data ? `${this.data.va} in every space, ${this.data.length} bytes` : 'one VA in every space: common and separate chunks';
  }

  protected override emptyMessage(): string {
    return this.target ? 'Stop the program to compare.' : 'Run "Mover: Compare Across Spaces" (or use it on an address in a view or a variable) to see one VA in every space.';
  }

  getTreeItem(n: CompareNode): vscode.TreeItem {
    if (n.kind === 'summary') {
      const item = new vscode.TreeItem(n.view.differAt.length ? `differ at ${n.view.differAt.length} of ${n.view.length} bytes` : 'the same bytes in every space that maps it');
      item.description = n.view.differAt.length ? `offsets ${n.view.differAt.slice(0, 16).map((k) => `+${k}`).join(' ')}${n.view.differAt.length > 16 ? ' …' : ''}` : undefined;
      item.iconPath = new vscode.ThemeIcon(n.view.differAt.length ? 'diff' : 'check');
      item.tooltip = n.view.text;
      return item;
    }
    const v = n.view;
    const item = new vscode.TreeItem(v.space);
    item.description = `${v.description} · ${markDifferences(v.bytes, n.differAt)}`;
    item.tooltip = `${v.space}: ${v.description}\n${markDifferences(v.bytes, n.differAt)}${n.differAt.length ? '\n[..] differs from another space' : ''}`;
    item.iconPath = new vscode.ThemeIcon(!v.ok ? 'error' : v.sameAs.length ? 'link' : 'circle-large-outline');
    if (v.memoryReference) {
      item.command = { command: 'mover.showMemory', title: 'Show memory', arguments: [v.memoryReference] };
      markAddress(item, n, { ref: v.memoryReference, ...(v.pa ? { pa: v.pa } : {}), va: { va: this.data!.va, space: v.space } });
    }
    return item;
  }

  protected children(n?: CompareNode): CompareNode[] {
    if (n || !this.data) return [];
    const d = this.data;
    return [{ kind: 'summary', view: d }, ...d.spaces.map((view) => ({ kind: 'space' as const, view, differAt: d.differAt }))];
  }
}
