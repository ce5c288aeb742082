// The Mover extension: activation wires the debugger (inline adapter, configuration provider) and
// the language client. Every disposable goes into context.subscriptions; a failure to activate is
// shown to the user and logged to the "Mover" output channel.

import * as vscode from 'vscode';
import { ConfigurationProvider, InlineAdapterFactory } from './debug';
import { startLanguageClient } from './language-client';
import type { LanguageClient } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<{ output: vscode.OutputChannel }> {
  const output = vscode.window.createOutputChannel('Mover');
  context.subscriptions.push(output);
  output.appendLine(`Mover ${context.extension.packageJSON.version} activating`);
  try {
    const provider = new ConfigurationProvider();
    context.subscriptions.push(
      vscode.debug.registerDebugAdapterDescriptorFactory('mover', new InlineAdapterFactory()),
      vscode.debug.registerDebugConfigurationProvider('mover', provider),
      vscode.debug.registerDebugConfigurationProvider('mover', provider, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    );
    client = await startLanguageClient(context, output);
    if (client) context.subscriptions.push({ dispose: () => void client?.stop() });
    output.appendLine('Mover ready');
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    output.appendLine(`activation failed: ${e instanceof Error ? e.stack : message}`);
    void vscode.window.showErrorMessage(`Mover could not start: ${message}`, 'Show log').then((choice) => { if (choice) output.show(); });
  }
  return { output };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
