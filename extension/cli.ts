// The bundled CLI (dist/cli.js), the one home of how the extension runs it: the Test Explorer forks it,
// the `mover` tasks run it in a terminal with the same Node as the extension host.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { layoutSetting } from './layout-setting';

/** The absolute path of the packaged CLI bundle. */
export function bundledCli(context: vscode.ExtensionContext): string {
  return context.asAbsolutePath(path.join('dist', 'cli.js'));
}

/**
 * `--layout FILE` for a program's mover.layout setting (an untrusted workspace's own setting is ignored),
 * a relative path taken from the program's folder as the debugger takes it; none for the patent layout.
 */
export function layoutArgs(program: vscode.Uri): string[] {
  const layout = layoutSetting(program);
  return layout ? ['--layout', path.resolve(path.dirname(program.fsPath), layout)] : [];
}

/**
 * How to run the CLI as a process outside the extension host (a task's terminal): the extension host's
 * own executable. In desktop VS Code that is Electron, which runs as plain Node with ELECTRON_RUN_AS_NODE.
 */
export function cliProcess(context: vscode.ExtensionContext, args: readonly string[], cwd: string): vscode.ProcessExecution {
  return new vscode.ProcessExecution(process.execPath, [bundledCli(context), ...args], { cwd, env: { ELECTRON_RUN_AS_NODE: '1' } });
}
