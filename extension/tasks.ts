// Tasks of type `mover`: `mover run FILE` and `mover test FILE` with the bundled CLI, offered for each
// .mover file of the workspace (test only for files that declare a `.test`). The `$mover` problem
// matcher (package.json) turns the assembler's `file:line:col: error: message` lines into problems.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { cliProcess, layoutArgs } from './cli';
import { MAY_HOLD_TEST } from './testing';

export const TASK_TYPE = 'mover';

/** contributes.taskDefinitions' `mover` type. */
export interface MoverTaskDefinition extends vscode.TaskDefinition {
  readonly type: typeof TASK_TYPE;
  readonly command: 'run' | 'test';
  /** The .mover file, relative to the workspace folder (or absolute). */
  readonly file: string;
  /** A layout file (default: the mover.layout setting, else the patent layout). */
  readonly layout?: string;
  /** Processors (`mover run --cpus`). */
  readonly cpus?: number;
  /** More arguments for the CLI, e.g. ["--trace"] or ["--reporter", "tap"]. */
  readonly args?: readonly string[];
}

export class MoverTaskProvider implements vscode.TaskProvider {
  constructor(private readonly context: vscode.ExtensionContext) {}

  async provideTasks(): Promise<vscode.Task[]> {
    const tasks: vscode.Task[] = [];
    const uris = await vscode.workspace.findFiles('**/*.mover', '**/node_modules/**');
    uris.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
    for (const uri of uris) {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      if (!folder) continue;
      const file = path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
      tasks.push(this.task({ type: TASK_TYPE, command: 'run', file }, folder));
      let text: string;
      try { text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)); } catch { continue; }
      if (MAY_HOLD_TEST.test(text)) tasks.push(this.task({ type: TASK_TYPE, command: 'test', file }, folder));
    }
    return tasks;
  }

  /** A task from tasks.json: its definition filled in with how to run it. */
  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const d = task.definition as Partial<MoverTaskDefinition>;
    if (d.type !== TASK_TYPE || (d.command !== 'run' && d.command !== 'test') || typeof d.file !== 'string') return undefined;
    const folder = typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    if (!folder) return undefined;
    return this.task(d as MoverTaskDefinition, folder, task.name);
  }

  private task(d: MoverTaskDefinition, folder: vscode.WorkspaceFolder, name = `${d.command} ${d.file}`): vscode.Task {
    const program = vscode.Uri.file(path.resolve(folder.uri.fsPath, d.file));
    const args: string[] = [d.command, program.fsPath];
    if (d.layout) args.push('--layout', path.resolve(folder.uri.fsPath, d.layout));
    else args.push(...layoutArgs(program));
    if (d.cpus !== undefined && d.command === 'run') args.push('--cpus', String(d.cpus));
    args.push(...(d.args ?? []));
    const task = new vscode.Task(d, folder, name, TASK_TYPE, cliProcess(this.context, args, folder.uri.fsPath), ['$mover']);
    task.group = d.command === 'test' ? vscode.TaskGroup.Test : vscode.TaskGroup.Build;
    task.detail = `${d.command === 'run' ? 'assemble and run' : 'run the .test\'s of'} ${d.file} with the bundled mover CLI`;
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true };
    return task;
  }
}
