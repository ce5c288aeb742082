// The context-menu commands on anything with an address (tree items of the Mover views, variables
// with a memory reference): Open Memory, Copy Address, Walk This Address, Whereis (a PA), Add Data
// Breakpoint. Which entries a menu shows is package.json's business (contextValue, canViewMemory,
// mover.stopped); here each command does its work on the target the menu hands it.

import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { MoverSessions } from './session-state';
import type { PageWalkProvider } from './views/page-walk';
import type { CompareProvider } from './views/compare';
import { targetOf, type AddressTarget } from './address-target';
import { watchSpec } from '../debug-adapter/breakpoints';

/** Bytes a data breakpoint from a context menu watches. */
const WATCH_BYTES = 4;

/**
 * Adds a data breakpoint as a function breakpoint named `watch REF [+ BYTES]`, which the adapter arms as
 * a data breakpoint (debug-adapter/breakpoints.ts, watchSpec). The stable API cannot add a data
 * breakpoint (@types/vscode 1.90 has no vscode.DataBreakpoint; addBreakpoints takes source and function
 * breakpoints), and VS Code's own "Add Data Breakpoint at Address" box takes plain numbers only: it
 * hands `pa:0x1_0000_0000` to BigInt. This way the Breakpoints view lists, ticks and removes it.
 */
function addWatch(spec: string): vscode.FunctionBreakpoint {
  const bp = new vscode.FunctionBreakpoint(`watch ${spec}`);
  vscode.debug.addBreakpoints([bp]);
  return bp;
}

/** What is wrong with `watch TEXT` as a data breakpoint, asked of the adapter when a session is stopped. */
async function watchProblem(sessions: MoverSessions, text: string): Promise<string | undefined> {
  const spec = watchSpec(`watch ${text}`);
  if (spec === undefined || typeof spec === 'string') return spec ?? 'write an address';
  const session = sessions.stoppedSession;
  if (!session) return undefined;
  try {
    const info = await session.customRequest('dataBreakpointInfo', { name: spec.ref, bytes: spec.bytes } satisfies DebugProtocol.DataBreakpointInfoArguments) as DebugProtocol.DataBreakpointInfoResponse['body'];
    return info.dataId ? undefined : info.description;
  } catch (err) {
    return (err as Error).message;
  }
}

function needTarget(arg: unknown): AddressTarget | undefined {
  const t = targetOf(arg);
  if (!t) void vscode.window.showInformationMessage('This item has no address.');
  return t;
}

export function registerAddressCommands(context: vscode.ExtensionContext, sessions: MoverSessions, walk: PageWalkProvider, compare: CompareProvider): void {
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
    vscode.commands.registerCommand('mover.compareAcrossSpaces', async (arg?: unknown) => {
      // A VA typed or handed over ("0x2000_0000", "vs1:0x2000_0000"), or an item or variable with one.
      let va: string | undefined;
      if (typeof arg === 'string') va = arg.replace(/^vs\d+:/i, '');
      else if (arg !== undefined) {
        const t = needTarget(arg);
        if (!t) return undefined;
        if (!t.va) { void vscode.window.showInformationMessage(`${t.ref} is physical: compare a virtual address (Whereis lists the VAs that reach it).`); return undefined; }
        va = t.va.va;
      } else {
        va = await vscode.window.showInputBox({ title: 'Compare Across Spaces', prompt: 'A virtual address: its translation, chunk and bytes in every space', placeHolder: '0x2000_0000' });
      }
      if (!va) return undefined;
      const shown = await compare.show(va.trim());
      await vscode.commands.executeCommand('mover.compare.focus');
      return shown;
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
      if (!t) return undefined;
      const spec = `${t.ref} + ${WATCH_BYTES}`;
      const problem = await watchProblem(sessions, spec);
      if (problem) { void vscode.window.showErrorMessage(`Cannot watch ${t.ref}: ${problem}`); return undefined; }
      return addWatch(spec).functionName;
    }),
    vscode.commands.registerCommand('mover.addDataBreakpointAtAddress', async (initial?: unknown) => {
      const spec = typeof initial === 'string' ? initial : await vscode.window.showInputBox({
        title: 'Add Data Breakpoint at Address',
        prompt: 'A memory reference and a byte count: pa:0x1_0000_0000 + 8 watches physical bytes in every space; vs1:0x2000_0000 follows VS1\'s page tables. Start with read or access to stop on reads too.',
        placeHolder: 'pa:0x1_0000_0000 + 8',
        validateInput: (text) => watchProblem(sessions, text),
      });
      if (!spec) return undefined;
      const problem = await watchProblem(sessions, spec);
      if (problem) { void vscode.window.showErrorMessage(`Cannot watch ${spec}: ${problem}`); return undefined; }
      return addWatch(spec.trim()).functionName;
    }),
  );
}
