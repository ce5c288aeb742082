// The context-menu commands on anything with an address (tree items of the Mover views, variables
// with a memory reference): Open Memory, Copy Address, Walk This Address, Whereis (a PA), Add Data
// Breakpoint. Which entries a menu shows is package.json's business (contextValue, canViewMemory,
// mover.stopped); here each command does its work on the target the menu hands it.

import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { MoverSessions } from './session-state';
import type { PageWalkProvider } from './views/page-walk';
import { targetOf, type AddressTarget } from './address-target';

/**
 * VS Code's own "Add Data Breakpoint at Address" (breakpoints view). The stable extension API cannot add
 * a data breakpoint: @types/vscode 1.90 has no vscode.DataBreakpoint, and vscode.debug.addBreakpoints
 * passes on only source and function breakpoints. The built-in command asks for "ADDRESS + BYTES"
 * (no way to fill it in from here) and sends dataBreakpointInfo with the bare address, which the
 * adapter reads as physical.
 */
const ADD_DATA_BREAKPOINT_AT_ADDRESS = 'workbench.debug.viewlet.action.addDataBreakpointOnAddress';
const WATCH_BYTES = 4;

function needTarget(arg: unknown): AddressTarget | undefined {
  const t = targetOf(arg);
  if (!t) void vscode.window.showInformationMessage('This item has no address.');
  return t;
}

export function registerAddressCommands(context: vscode.ExtensionContext, sessions: MoverSessions, walk: PageWalkProvider): void {
  /** The target's physical address: its own, or its VA's translation now. */
  const physicalOf = async (t: AddressTarget): Promise<string | undefined> => {
    if (t.pa) return t.pa;
    if (!t.va) return undefined;
    const w = await sessions.request('mover/walk', t.va);
    if (w?.ok && w.pa) return w.pa;
    void vscode.window.showInformationMessage(`${t.ref} is not mapped: ${w?.fault ?? 'no stopped Mover session'}`);
    return undefined;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('mover.openMemoryAt', (arg: unknown) => {
      const t = needTarget(arg);
      return t ? vscode.commands.executeCommand('mover.showMemory', t.ref) : undefined;
    }),
    vscode.commands.registerCommand('mover.copyAddress', async (arg: unknown) => {
      const t = needTarget(arg);
      if (!t) return undefined;
      await vscode.env.clipboard.writeText(t.ref);
      vscode.window.setStatusBarMessage(`Copied ${t.ref}`, 3000);
      return t.ref;
    }),
    vscode.commands.registerCommand('mover.walkAddress', async (arg: unknown) => {
      const t = needTarget(arg);
      if (!t) return undefined;
      // The variables menu cannot tell a physical reference from a virtual one (no menu context from the adapter).
      if (!t.va) { void vscode.window.showInformationMessage(`${t.ref} is physical: there is no walk to show (Whereis lists the VAs that map it).`); return undefined; }
      const w = await walk.show({ kind: 'address', ...t.va });
      await vscode.commands.executeCommand('mover.pageWalk.focus');
      return w;
    }),
    vscode.commands.registerCommand('mover.whereis', async (arg: unknown) => {
      const t = needTarget(arg);
      if (!t) return undefined;
      const pa = await physicalOf(t);
      if (!pa) return undefined;
      const r = await sessions.request('mover/whereis', { pa });
      if (!r) return undefined;
      if (r.mappings.length === 0) { void vscode.window.showInformationMessage(`No space maps ${pa}.`); return r; }
      const pick = await vscode.window.showQuickPick(r.mappings.map((m) => ({ label: m.space, description: m.va, ref: `${m.space.toLowerCase()}:${m.va}` })), { placeHolder: `${pa} is mapped at these VAs: open memory at one` });
      if (pick) await vscode.commands.executeCommand('mover.showMemory', pick.ref);
      return r;
    }),
    vscode.commands.registerCommand('mover.addDataBreakpoint', async (arg: unknown) => {
      const t = needTarget(arg);
      const session = sessions.stoppedSession;
      if (!t || !session) return undefined;
      // Ask the adapter first, so an address it cannot watch is said plainly here.
      const info = await session.customRequest('dataBreakpointInfo', { name: t.ref, bytes: WATCH_BYTES } satisfies DebugProtocol.DataBreakpointInfoArguments) as DebugProtocol.DataBreakpointInfoResponse['body'];
      if (!info.dataId) { void vscode.window.showErrorMessage(`Cannot watch ${t.ref}: ${info.description}`); return undefined; }
      const pa = await physicalOf(t);
      if (!pa) return undefined;
      const range = `${pa.replace(/_/g, '')} + ${WATCH_BYTES}`;
      await vscode.env.clipboard.writeText(range);
      void vscode.window.showInformationMessage(`Paste ${range} (on the clipboard) into the box: ${t.va ? `the data breakpoint watches ${t.ref}'s physical bytes, in every space` : info.description}.`);
      await vscode.commands.executeCommand(ADD_DATA_BREAKPOINT_AT_ADDRESS);
      return range;
    }),
  );
}
