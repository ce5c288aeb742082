// What an item with an address stands for, so the context menus on tree items and on variables can
// open, copy, walk, look up and watch it. A tree item's node is registered here when its TreeItem is
// made (the menu's command gets the node back), and its contextValue says which entries apply:
// "moverAddress" always, "moverPa" when there is a physical address (Whereis), "moverVa" when there
// is a virtual address to walk.

import type * as vscode from 'vscode';
import { parseRefText } from '../debug-adapter/memory-ref';
import { hex } from '../emulator/hex';

export interface AddressTarget {
  /** The memory reference to open and copy: "pa:0x1_0000_0000" or "vs1:0x2000_0000". */
  readonly ref: string;
  /** The physical address, when the item has one. */
  readonly pa?: string;
  /** The virtual address to walk: in a named space, or in the space a processor is in. */
  readonly va?: { readonly va: string; readonly space?: string; readonly cpu?: number };
}

export const CONTEXT_ADDRESS = 'moverAddress';
export const CONTEXT_PA = 'moverPa';
export const CONTEXT_VA = 'moverVa';

/** A target from a memory reference alone: physical refs have a PA, space refs a VA to walk. */
export function targetOfRef(ref: string): AddressTarget | undefined {
  const r = parseRefText(ref);
  if (typeof r === 'string') return undefined;
  return r.space === 'PA' ? { ref, pa: hex(r.address) } : { ref, va: { va: hex(r.address), space: r.space } };
}

const targets = new WeakMap<object, AddressTarget>();

/** Gives `item` the address of `node`: its context menu then offers the address commands. */
export function markAddress<N extends object>(item: vscode.TreeItem, node: N, target: AddressTarget | string | undefined): vscode.TreeItem {
  const t = typeof target === 'string' ? targetOfRef(target) : target;
  if (!t) return item;
  targets.set(node, t);
  const keys = [CONTEXT_ADDRESS, ...(t.pa ? [CONTEXT_PA] : []), ...(t.va ? [CONTEXT_VA] : [])];
  item.contextValue = [item.contextValue, ...keys].filter(Boolean).join(' ');
  return item;
}

/** The variables view's context-menu argument (debug/variables/context). */
interface VariableMenuArgument {
  readonly variable: { readonly memoryReference?: string };
}

function isVariableArgument(a: unknown): a is VariableMenuArgument {
  return typeof a === 'object' && a !== null && 'variable' in a && typeof a.variable === 'object' && a.variable !== null;
}

/** The target a menu command was invoked on: a registered tree node, a variable, or a reference string. */
export function targetOf(arg: unknown): AddressTarget | undefined {
  if (typeof arg === 'string') return targetOfRef(arg);
  if (typeof arg !== 'object' || arg === null) return undefined;
  const t = targets.get(arg);
  if (t) return t;
  if (isVariableArgument(arg) && typeof arg.variable.memoryReference === 'string') return targetOfRef(arg.variable.memoryReference);
  return undefined;
}
