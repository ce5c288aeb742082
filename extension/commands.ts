// Commands: translate an address (shows the walk), show memory at a VA in a chosen space or at a PA,
// break on VS switches into a chosen space, and open one of the examples shipped with the extension.

import * as vscode from 'vscode';
import type { MoverSessions } from './session-state';
import type { PageWalkProvider } from './views/page-walk';
import { MemoryPanel } from './memory-panel';

async function pickSpace(sessions: MoverSessions, placeHolder: string, extra: vscode.QuickPickItem[] = []): Promise<string | undefined> {
  const layout = await sessions.request('mover/layout', {});
  const items: vscode.QuickPickItem[] = [...extra, ...(layout?.spaces ?? [{ name: 'VS0', purpose: '' }, { name: 'VS1', purpose: '' }, { name: 'VS2', purpose: '' }]).map((s) => ({ label: s.name, description: s.purpose }))];
  return (await vscode.window.showQuickPick(items, { placeHolder }))?.label;
}

/** What the Show Memory box takes: an optional space (or pa) and a number. */
const MEMORY_INPUT = /^([A-Za-z_][\w]*:)?(0[xX][0-9A-Fa-f_]+|\d[\d_]*)$/;

export function registerCommands(context: vscode.ExtensionContext, sessions: MoverSessions, walk: PageWalkProvider): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('mover.translateAddress', async (va?: string, space?: string) => {
      if (!sessions.stoppedSession) { void vscode.window.showInformationMessage('Translate needs a stopped Mover debug session.'); return undefined; }
      va ??= await vscode.window.showInputBox({ prompt: 'Virtual address to translate', placeHolder: '0x2000_1000', validateInput: (v) => (/^(0[xX][0-9A-Fa-f_]+|\d+)$/.test(v.trim()) ? undefined : 'a number, e.g. 0x2000_1000') });
      if (!va) return undefined;
      space ??= await pickSpace(sessions, 'In which space?');
      if (!space) return undefined;
      const w = await walk.show({ kind: 'address', va: va.trim(), space });
      await vscode.commands.executeCommand('mover.pageWalk.focus');
      return w;
    }),
    vscode.commands.registerCommand('mover.showMemory', async (ref?: string) => {
      if (!sessions.session) { void vscode.window.showInformationMessage('Show Memory needs a Mover debug session.'); return undefined; }
      if (!ref) {
        // A whole reference (vs1:0x2000_0000, pa:0x1_0000_0000) opens at once; a bare address asks for the space.
        const typed = await vscode.window.showInputBox({
          prompt: 'Memory to show: vs1:0x2000_0000 (a VA of a space), pa:0x1_0000_0000 (physical), or an address and then the space',
          placeHolder: 'vs1:0x2000_0000',
          validateInput: (v) => (MEMORY_INPUT.test(v.trim()) ? undefined : 'space:address or an address, e.g. vs1:0x2000_0000, pa:0x1_0000_0000, 0x2000_0000'),
        });
        if (!typed) return undefined;
        ref = typed.trim();
        if (!ref.includes(':')) {
          const space = await pickSpace(sessions, `${ref} in which space (or physical)?`, [{ label: 'PA', description: 'physical address (36-bit)' }]);
          if (!space) return undefined;
          ref = `${space.toLowerCase()}:${ref}`;
        }
      }
      return MemoryPanel.open(context.extensionUri, sessions, ref);
    }),
    vscode.commands.registerCommand('mover.breakOnVsSwitch', async (target?: string) => {
      const session = sessions.session;
      if (!session) { void vscode.window.showInformationMessage('Break on VS Switch needs a Mover debug session.'); return; }
      target ??= await pickSpace(sessions, 'Stop when a processor enters which space?', [{ label: 'any', description: 'every CR3 load or paging on/off that changes the space' }]);
      if (!target) return;
      // A function breakpoint the adapter reads as a VS-switch break: the Breakpoints view lists it,
      // ticked while it is active, and unticking or removing it turns the break off.
      const name = target === 'any' ? 'VS switch' : `VS switch → ${target}`;
      const known = vscode.debug.breakpoints.some((b) => b instanceof vscode.FunctionBreakpoint && b.functionName === name && b.enabled);
      if (!known) vscode.debug.addBreakpoints([new vscode.FunctionBreakpoint(name)]);
      void vscode.window.showInformationMessage(`Mover will stop when a processor switches ${target === 'any' ? 'spaces' : `into ${target}`} (the breakpoint "${name}").`);
    }),
    vscode.commands.registerCommand('mover.openExample', async (name?: string) => {
      const dir = vscode.Uri.joinPath(context.extensionUri, 'examples');
      if (!name) {
        const files = (await vscode.workspace.fs.readDirectory(dir)).filter(([n]) => n.endsWith('.mover')).map(([n]) => n).sort();
        const items = await Promise.all(files.map(async (n) => {
          const first = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, n))).split('\n', 1)[0];
          return { label: n, detail: first.replace(/^;\s*/, '') };
        }));
        name = (await vscode.window.showQuickPick(items, { placeHolder: 'Open which example? (F5 debugs it)', matchOnDetail: true }))?.label;
        if (!name) return undefined;
      }
      if (!/^[\w.-]+\.mover$/.test(name)) throw new Error(`not an example name: ${name}`);
      return vscode.window.showTextDocument(vscode.Uri.joinPath(dir, name));
    }),
    vscode.commands.registerCommand('mover.walkLastAccess', async (cpu?: number) => {
      await walk.show(cpu === undefined ? { kind: 'last-access' } : { kind: 'last-access', cpu });
    }),
    vscode.commands.registerCommand('mover.pageWalk.pin', () => walk.setPinned(true)),
    vscode.commands.registerCommand('mover.pageWalk.unpin', () => walk.setPinned(false)),
  );
}
