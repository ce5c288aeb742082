// The language status item of .mover files ({} in the status bar): the layout the debugger and the
// hovers use (the mover.layout setting, read as the debugger reads it: relative to the program's folder),
// or the patent's FIG. 5 layout by default. A layout file that does not load shows as an error; the
// item's link opens the file with its problems, or the setting when there is none.

import * as vscode from 'vscode';
import * as path from 'node:path';
import { describeLayoutFileFailure, loadLayoutFile } from '../emulator/index';
import { layoutSetting } from './layout-setting';

export const OPEN_LAYOUT_COMMAND = 'mover.openLayoutFile';

/** The layout file a document runs on (absolute), or undefined for the patent layout. */
export function layoutFileFor(doc: vscode.Uri): string | undefined {
  const layout = layoutSetting(doc);
  return layout ? path.resolve(path.dirname(doc.fsPath), layout) : undefined;
}

export class LayoutStatus implements vscode.Disposable {
  readonly item = vscode.languages.createLanguageStatusItem('mover.layout', { language: 'mover' });
  private readonly disposables: vscode.Disposable[] = [this.item];
  /** The layout file shown (undefined: the patent layout). */
  file: string | undefined;

  constructor() {
    this.item.name = 'Mover layout';
    this.disposables.push(
      vscode.commands.registerCommand(OPEN_LAYOUT_COMMAND, (file?: string) => this.open(file)),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('mover.layout')) this.update(); }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.update()),
      vscode.workspace.onDidSaveTextDocument((d) => { if (d.uri.fsPath === this.file) this.update(); }),
    );
    this.update();
  }

  update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const file = doc?.languageId === 'mover' && doc.uri.scheme === 'file' ? layoutFileFor(doc.uri) : undefined;
    this.file = file;
    const item = this.item;
    if (!file) {
      item.text = 'patent layout (default)';
      item.detail = 'FIG. 5: C1..C5, VS0..VS2';
      item.severity = vscode.LanguageStatusSeverity.Information;
      item.command = { title: 'Choose a layout', command: 'workbench.action.openSettings', arguments: ['mover.layout'] };
      return;
    }
    const r = loadLayoutFile(file);
    item.text = `layout ${path.basename(file)}`;
    if (r.ok) {
      item.detail = `${r.layout.name} · ${r.layout.chunks.length} chunks, ${r.layout.spaces.length} spaces`.trim();
      item.severity = vscode.LanguageStatusSeverity.Information;
      item.command = { title: 'Open layout', command: OPEN_LAYOUT_COMMAND, arguments: [file] };
    } else {
      item.detail = describeLayoutFileFailure(r, '; ');
      item.severity = vscode.LanguageStatusSeverity.Error;
      item.command = { title: 'Show problems', command: OPEN_LAYOUT_COMMAND, arguments: [file] };
    }
  }

  /** Opens the layout file; when it does not load, the Problems view too (the layout schema's findings). */
  private async open(file = this.file): Promise<void> {
    if (!file) { await vscode.commands.executeCommand('workbench.action.openSettings', 'mover.layout'); return; }
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    if (!loadLayoutFile(file).ok) await vscode.commands.executeCommand('workbench.actions.view.problems');
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
