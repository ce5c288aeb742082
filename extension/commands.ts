// Commands: translate an address (shows the walk), show memory at a VA in a chosen space or at a PA,
// and break on VS switches into a chosen space.

import * as vscode from 'vscode';
import type { MoverSessions } from './session-state';
import type { PageWalkProvider } from './views/page-walk';
import { MemoryPanel } from './memory-panel';

async function pickSpace(sessions: MoverSessions, placeHolder: string, extra: vscode.QuickPickItem[] = []): Promise<string | undefined> {
  const layout = await sessions.request('mover/layout', {});
  const items: vscode.QuickPickItem[] = [...extra, ...(layout?.spaces ?? [{ name: 'VS0', purpose: '' }, { name: 'VS1', purpose: '' }, { name: 'VS2', purpose: '' }]).map((s) => ({ label: s.name, description: s.purpose }))];
  return (await vscode.window.showQuickPick(items, { placeHolder }))?.label;
}

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
        const space = await pickSpace(sessions, 'Memory of which space (or physical)?', [{ label: 'PA', description: 'physical address (36-bit)' }]);
        if (!space) return undefined;
        const addr = await vscode.window.showInputBox({ prompt: `Address in ${space}`, placeHolder: space === 'PA' ? '0x1_0000_0000' : '0x2000_0000' });
        if (!addr) return undefined;
        ref = `${space.toLowerCase()}:${addr.trim()}`;
      }
      return MemoryPanel.open(context.extensionUri, sessions, ref);
    }),
    vscode.commands.registerCommand('mover.breakOnVsSwitch', async (target?: string) => {
      const session = sessions.session;
      if (!session) { void vscode.window.showInformationMessage('Break on VS Switch needs a Mover debug session.'); return; }
      target ??= await pickSpace(sessions, 'Stop when a processor enters which space?', [{ label: 'any', description: 'every CR3 load or paging on/off that changes the space' }]);
      if (!target) return;
      await session.customRequest('mover/breakOnVsSwitch', { targets: target === 'any' ? [] : [target] });
      void vscode.window.showInformationMessage(`Mover will stop when a processor switches ${target === 'any' ? 'spaces' : `into ${target}`}.`);
    }),
    vscode.commands.registerCommand('mover.walkLastAccess', async (cpu?: number) => {
      await walk.show({ kind: 'last-access', cpu: cpu ?? 0 });
    }),
  );
}
