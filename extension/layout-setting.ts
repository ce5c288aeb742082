// mover.layout as an untrusted workspace may set it: not at all. package.json lists the setting in
// `restrictedConfigurations`; this is where the extension honours that, for the language server and
// the debugger alike, so a folder's .vscode/settings.json cannot point either at an arbitrary file.

import * as vscode from 'vscode';

/** The layout file setting (empty: the patent layout). Untrusted workspace: only the user's own setting. */
export function layoutSetting(scope?: vscode.Uri): string {
  const config = vscode.workspace.getConfiguration('mover', scope);
  if (vscode.workspace.isTrusted) return config.get<string>('layout') ?? '';
  return config.inspect<string>('layout')?.globalValue ?? '';
}
