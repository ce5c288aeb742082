// Starts the mover language server (dist/languageServer.js) with vscode-languageclient.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { layoutSetting } from './layout-setting';

export async function startLanguageClient(context: vscode.ExtensionContext, output: vscode.OutputChannel): Promise<LanguageClient | undefined> {
  const module = context.asAbsolutePath(path.join('dist', 'languageServer.js'));
  if (!existsSync(module)) {
    output.appendLine(`language server not found at ${module}: editing features are off`);
    return undefined;
  }
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'mover' }],
    // The server re-reads .mover files that change on disk (included files, other programs of the workspace).
    // The layout setting is sent below rather than synchronised, so an untrusted workspace's value never reaches it.
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.mover') },
    outputChannel: output,
    initializationOptions: { layout: layoutSetting() || undefined },
  };
  const client = new LanguageClient('mover', 'Mover language server', serverOptions, clientOptions);
  await client.start();
  const sendLayout = () => void client.sendNotification('workspace/didChangeConfiguration', { settings: { mover: { layout: layoutSetting() } } });
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('mover.layout')) sendLayout(); }),
    // Trust granted: the workspace's own layout setting now counts.
    vscode.workspace.onDidGrantWorkspaceTrust(sendLayout),
  );
  return client;
}
