// Starts the mover language server (dist/languageServer.js) with vscode-languageclient.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

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
    synchronize: { configurationSection: 'mover', fileEvents: vscode.workspace.createFileSystemWatcher('**/*.mover') },
    outputChannel: output,
    initializationOptions: { layout: vscode.workspace.getConfiguration('mover').get<string>('layout') || undefined },
  };
  const client = new LanguageClient('mover', 'Mover language server', serverOptions, clientOptions);
  await client.start();
  return client;
}
