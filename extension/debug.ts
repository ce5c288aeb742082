// The debugger's wiring in VS Code: the inline adapter factory (the adapter runs in the extension
// host) and the configuration provider that makes F5 on a .mover file work without a launch.json.

import * as vscode from 'vscode';
import { MoverDebugSession } from '../debug-adapter/session';
import { LAUNCH_DEFAULTS } from '../debug-adapter/launch';
import type { MoverLaunchArguments } from '../debug-adapter/launch-args';
import { layoutSetting } from './layout-setting';
import { declarations } from './program-outline';

export class InlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    return new vscode.DebugAdapterInlineImplementation(new MoverDebugSession());
  }
}

/** Settings fill what a configuration leaves out: layout file, processors, TLB geometry. */
function withSettings(config: vscode.DebugConfiguration, folder: vscode.WorkspaceFolder | undefined): vscode.DebugConfiguration {
  const s = vscode.workspace.getConfiguration('mover', folder?.uri);
  const out: vscode.DebugConfiguration & Partial<MoverLaunchArguments> = { ...config };
  const layout = layoutSetting(folder?.uri);
  if (out.layout === undefined && layout) out.layout = layout;
  if (out.cpus === undefined) out.cpus = s.get<number>('cpus', LAUNCH_DEFAULTS.cpus);
  if (out.tlb === undefined) out.tlb = { entries: s.get<number>('tlb.entries', LAUNCH_DEFAULTS.tlb.entries), ways: s.get<number>('tlb.ways', LAUNCH_DEFAULTS.tlb.ways) };
  if (out.timerQuantum === undefined) out.timerQuantum = s.get<number>('timerQuantum', LAUNCH_DEFAULTS.timerQuantum);
  return out;
}

export class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.ProviderResult<vscode.DebugConfiguration[]> {
    return [{ type: 'mover', request: 'launch', name: 'Debug mover script', program: '${file}', stopOnEntry: true }];
  }

  resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.ProviderResult<vscode.DebugConfiguration> {
    if (!config.type && !config.request && !config.name) {
      // F5 with no launch.json: debug the mover file in the editor.
      const editor = vscode.window.activeTextEditor;
      if (editor?.document.languageId !== 'mover') {
        void vscode.window.showInformationMessage('Open a .mover file to debug it (or add a "mover" configuration to launch.json).');
        return undefined;
      }
      config = { type: 'mover', request: 'launch', name: 'Debug mover script', program: editor.document.uri.fsPath, stopOnEntry: true };
    }
    if (!config.program) {
      void vscode.window.showErrorMessage('This mover configuration has no "program": name the .mover file to run.');
      return undefined;
    }
    return withSettings(config, folder);
  }
}

/**
 * Run and Debug's dynamic list ("Mover..." in the configuration picker): one entry per program of the
 * workspace (a .mover file that declares `.thread`s, named with its threads and their processors), and
 * one per `.test` of a file, each a thread layout of its own (its k-th entry on processor k), launched
 * with the `test` attribute. A workspace with no declarations gets one entry per .mover file.
 */
export class DynamicConfigurationProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const pattern = folder ? new vscode.RelativePattern(folder, '**/*.mover') : '**/*.mover';
    const uris = (await vscode.workspace.findFiles(pattern, '**/node_modules/**')).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
    const out: vscode.DebugConfiguration[] = [];
    const plain: vscode.DebugConfiguration[] = [];
    for (const uri of uris) {
      let text: string;
      try { text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)); } catch { continue; }
      const rel = vscode.workspace.asRelativePath(uri, false);
      const program = uri.fsPath;
      const { threads, tests } = declarations(text);
      const base = { type: 'mover', request: 'launch', program, stopOnEntry: true };
      if (threads.length) {
        const cpus = Math.max(...threads.map((t) => t.cpu)) + 1;
        const where = threads.map((t) => `${t.name} on cpu${t.cpu}`).join(', ');
        out.push({ ...base, name: `${rel}: ${threads.length === 1 ? 'thread' : 'threads'} ${where}`, ...(cpus > LAUNCH_DEFAULTS.cpus ? { cpus } : {}) });
      }
      for (const t of tests) {
        const where = t.entries.map((e, k) => `${e} on cpu${k}`).join(', ');
        out.push({ ...base, name: `${rel}: test ${t.name} (${where})`, test: t.name });
      }
      if (!threads.length && !tests.length) plain.push({ ...base, name: rel });
    }
    return out.length ? out : plain;
  }
}

/** The editor title's Run and Debug buttons: the .mover file in the editor, with or without the debugger. */
export function registerEditorRunCommands(context: vscode.ExtensionContext): void {
  const start = async (resource: vscode.Uri | undefined, noDebug: boolean): Promise<boolean> => {
    // From the walkthrough (not a text editor) too: the .mover file shown beside it.
    const shown = [vscode.window.activeTextEditor, ...vscode.window.visibleTextEditors].find((e) => e?.document.languageId === 'mover');
    const uri = resource ?? shown?.document.uri;
    if (!uri) { void vscode.window.showInformationMessage('Open a .mover file to run or debug it.'); return false; }
    const name = `${noDebug ? 'Run' : 'Debug'} ${uri.path.split('/').pop()}`;
    return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(uri), { type: 'mover', request: 'launch', name, program: uri.fsPath, stopOnEntry: !noDebug }, { noDebug });
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('mover.runEditorContents', (uri?: vscode.Uri) => start(uri, true)),
    vscode.commands.registerCommand('mover.debugEditorContents', (uri?: vscode.Uri) => start(uri, false)),
  );
}
