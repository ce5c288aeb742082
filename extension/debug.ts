// The debugger's wiring in VS Code: the inline adapter factory (the adapter runs in the extension
// host) and the configuration provider that makes F5 on a .mover file work without a launch.json.

import * as vscode from 'vscode';
import { MoverDebugSession } from '../debug-adapter/session';
import { LAUNCH_DEFAULTS } from '../debug-adapter/launch';
import type { MoverLaunchArguments } from '../debug-adapter/launch-args';
import { layoutSetting } from './layout-setting';

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
