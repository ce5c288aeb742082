// VS Code's Test Explorer for `.test`s: tests are discovered from the language server's document
// symbols (a test is a Method symbol, language-server/outline.ts), run by the bundled CLI
// (`mover test FILE --reporter json` in a child process, so a long test never blocks the extension
// host), and shown with failures at the assert's line with both values. The Coverage profile shows
// line coverage in the editor and the address-space coverage in each test's output. Debug starts a
// Mover session stopped at the test's entry.

import * as vscode from 'vscode';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestResult } from '../emulator/index';
import { addressSpaceReport } from '../cli/test-report';
import { bundledCli, layoutArgs } from './cli';

/** A quick text check: only documents that may declare a test are asked for their symbols. */
export const MAY_HOLD_TEST = /^[^;\n"]*\.test\b/im;

const SYMBOL_ATTEMPTS = 5;
const SYMBOL_RETRY_MS = 1000;

interface JsonReport {
  readonly results: readonly TestResult[];
  readonly brokenFiles: number;
}

export class MoverTesting implements vscode.Disposable {
  private readonly controller = vscode.tests.createTestController('mover', 'Mover');
  private readonly disposables: vscode.Disposable[] = [this.controller];
  /** Line coverage of the last coverage run, by file item, for loadDetailedCoverage. */
  private readonly details = new WeakMap<vscode.FileCoverage, vscode.StatementCoverage[]>();

  constructor(private readonly context: vscode.ExtensionContext, private readonly output: vscode.OutputChannel) {
    const c = this.controller;
    c.resolveHandler = async (item) => { if (!item) await this.discoverAll(); else if (item.uri) await this.refresh(item.uri); };
    c.refreshHandler = () => this.discoverAll();
    c.createRunProfile('Run', vscode.TestRunProfileKind.Run, (req, token) => this.run(req, token, false), true);
    const coverage = c.createRunProfile('Run with Coverage', vscode.TestRunProfileKind.Coverage, (req, token) => this.run(req, token, true), true);
    coverage.loadDetailedCoverage = async (_run, fc) => this.details.get(fc) ?? [];
    c.createRunProfile('Debug', vscode.TestRunProfileKind.Debug, (req) => this.debug(req), true);
    const changed = (doc: vscode.TextDocument) => { if (doc.languageId === 'mover' && doc.uri.scheme === 'file') void this.refresh(doc.uri); };
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument(changed),
      vscode.workspace.onDidSaveTextDocument(changed),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /** Every .mover file of the workspace that declares a test. */
  async discoverAll(): Promise<void> {
    const uris = await vscode.workspace.findFiles('**/*.mover', '**/node_modules/**');
    await Promise.all(uris.map((u) => this.refresh(u)));
  }

  /** Re-reads one file's tests from the language server's symbols. */
  async refresh(uri: vscode.Uri): Promise<void> {
    const id = uri.toString();
    let text: string;
    try { text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)); } catch { this.controller.items.delete(id); return; }
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === id);
    if (!MAY_HOLD_TEST.test(open?.getText() ?? text)) { this.controller.items.delete(id); return; }
    let tests: vscode.DocumentSymbol[] = [];
    // The language server may still be analysing the workspace: a file that names .test but has no
    // test symbol yet is asked again a few times.
    for (let attempt = 0; attempt < SYMBOL_ATTEMPTS && tests.length === 0; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, SYMBOL_RETRY_MS));
      const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[] | undefined>('vscode.executeDocumentSymbolProvider', uri) ?? [];
      tests = symbols.filter((s) => s.kind === vscode.SymbolKind.Method);
    }
    if (tests.length === 0) { this.controller.items.delete(id); return; }
    const file = this.controller.items.get(id) ?? this.controller.createTestItem(id, path.basename(uri.fsPath), uri);
    file.children.replace(tests.map((s) => {
      const t = this.controller.createTestItem(`${id}#${s.name}`, s.name, uri);
      t.range = s.selectionRange;
      t.description = s.detail.replace(/^test [^:]*: /, '');
      return t;
    }));
    this.controller.items.add(file);
  }

  /** The test items a request covers, grouped by file item. */
  private chosen(req: vscode.TestRunRequest): Map<vscode.TestItem, vscode.TestItem[]> {
    const out = new Map<vscode.TestItem, vscode.TestItem[]>();
    const excluded = new Set(req.exclude ?? []);
    const add = (item: vscode.TestItem) => {
      if (excluded.has(item)) return;
      if (item.children.size) { item.children.forEach(add); return; }
      const file = item.parent;
      if (!file) return;
      out.set(file, [...(out.get(file) ?? []), item]);
    };
    if (req.include) req.include.forEach(add); else this.controller.items.forEach(add);
    return out;
  }

  private async run(req: vscode.TestRunRequest, token: vscode.CancellationToken, coverage: boolean): Promise<void> {
    const run = this.controller.createTestRun(req);
    const lines = new Map<string, Map<number, number>>();
    try {
      for (const [file, items] of this.chosen(req)) {
        if (token.isCancellationRequested) break;
        for (const i of items) run.started(i);
        const byName = new Map(items.map((i) => [i.label, i]));
        const grep = `^(${items.map((i) => i.label.replace(/[.$]/g, '\\$&')).join('|')})$`;
        const report = await this.cli(file.uri!, grep, coverage, token);
        if (!report) { for (const i of items) run.errored(i, new vscode.TestMessage('mover test did not report: see the Mover output')); continue; }
        for (const r of report.results) {
          const item = byName.get(r.name);
          if (!item) continue;
          byName.delete(r.name);
          if (r.console.length) run.appendOutput(r.console.join('\r\n') + '\r\n', undefined, item);
          if (r.coverage) {
            run.appendOutput(addressSpaceReport([r]).replace(/\n/g, '\r\n'), undefined, item);
            for (const f of r.coverage.files) {
              const m = lines.get(f.file) ?? new Map<number, number>();
              for (const [line, hits] of f.lines) m.set(line, (m.get(line) ?? 0) + hits);
              lines.set(f.file, m);
            }
          }
          if (r.passed) { run.passed(item, r.ms); continue; }
          const f = r.failure!;
          const message = new vscode.TestMessage(f.message);
          if (f.actual !== undefined && f.expected !== undefined) { message.actualOutput = f.actual; message.expectedOutput = f.expected; }
          message.location = new vscode.Location(vscode.Uri.file(f.file), new vscode.Position(f.line - 1, f.column - 1));
          run.failed(item, message, r.ms);
        }
        for (const i of byName.values()) run.errored(i, new vscode.TestMessage(report.brokenFiles ? 'the file does not assemble: see the Problems view' : 'the test was not run'));
      }
      for (const [file, hits] of lines) {
        const statements = [...hits].map(([line, n]) => new vscode.StatementCoverage(n, new vscode.Position(line - 1, 0)));
        const fc = new vscode.FileCoverage(vscode.Uri.file(file), new vscode.TestCoverageCount(statements.filter((s) => Number(s.executed) > 0).length, statements.length));
        this.details.set(fc, statements);
        run.addCoverage(fc);
      }
    } finally {
      run.end();
    }
  }

  /** `mover test FILE --grep ... --reporter json` with the bundled CLI; undefined when it fails. */
  private cli(file: vscode.Uri, grep: string, coverage: boolean, token: vscode.CancellationToken): Promise<JsonReport | undefined> {
    const covDir = coverage ? mkdtempSync(path.join(os.tmpdir(), 'mover-coverage-')) : undefined;
    const args = ['test', file.fsPath, '--reporter', 'json', '--grep', grep, ...(covDir ? ['--coverage', '--coverage-dir', covDir] : []), ...layoutArgs(file)];
    return new Promise((resolve) => {
      const child = fork(bundledCli(this.context), args, { silent: true, cwd: path.dirname(file.fsPath) });
      let out = '', err = '';
      child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
      const cancel = token.onCancellationRequested(() => child.kill());
      child.on('exit', () => {
        cancel.dispose();
        if (covDir) rmSync(covDir, { recursive: true, force: true });
        if (err.trim()) this.output.appendLine(err.trimEnd());
        try { resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as JsonReport); } catch { resolve(undefined); }
      });
    });
  }

  /**
   * Debug: a session stopped at the test's entry; the adapter runs the test's threads (launch argument
   * `test`) and reports a file that does not assemble.
   */
  private async debug(req: vscode.TestRunRequest): Promise<void> {
    const [first] = [...this.chosen(req).values()].flat();
    if (!first?.uri) return;
    const folder = vscode.workspace.getWorkspaceFolder(first.uri);
    await vscode.debug.startDebugging(folder, {
      type: 'mover', request: 'launch', name: `Debug test ${first.label}`, program: first.uri.fsPath, test: first.label, stopOnEntry: true,
    });
  }
}
