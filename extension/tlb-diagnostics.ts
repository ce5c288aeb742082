// The TLB sanitizer's findings in the Problems view: the adapter's mover/tlbFindings events become
// diagnostics of the collection "mover-tlb" at the stale access's line (a missing shootdown: at the
// write), with related information at the write that made the entry stale. Uses marked .expect_stale are
// Information, missing shootdowns Warnings, other stale uses Errors. A new Mover session starts afresh.

import * as vscode from 'vscode';
import { TLB_FINDINGS_EVENT, type TlbFindingView, type TlbFindingsBody } from '../debug-adapter/protocol';

/** Columns a diagnostic spans from the access (VS Code clips it to the line). */
const SPAN = 10_000;

type Position = NonNullable<TlbFindingView['source']>;

function range(p: Position): vscode.Range {
  const line = Math.max(0, p.line - 1), col = Math.max(0, p.column - 1);
  return new vscode.Range(line, col, line, col + SPAN);
}

export function findingDiagnostic(f: TlbFindingView): { uri: vscode.Uri; diagnostic: vscode.Diagnostic } | null {
  if (!f.source) return null;
  const severity = f.expected ? vscode.DiagnosticSeverity.Information : f.kind === 'shootdown' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error;
  const d = new vscode.Diagnostic(range(f.source), f.message, severity);
  d.source = 'mover-tlb';
  d.code = f.kind;
  const w = f.write;
  if (w?.source) {
    const what = w.kind === 'store' ? `cpu${w.cpu}'s write of the ${w.level ?? 'paging-structure entry'} at ${w.pa} made the entry stale` : `cpu${w.cpu}'s CR3 load kept the entry`;
    d.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(w.source.path), range(w.source)), what)];
  }
  return { uri: vscode.Uri.file(f.source.path), diagnostic: d };
}

export class TlbDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('mover-tlb');
  private readonly byUri = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor() {
    this.disposables.push(
      vscode.debug.onDidStartDebugSession((s) => { if (s.type === 'mover') this.clear(); }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type !== 'mover' || e.event !== TLB_FINDINGS_EVENT) return;
        this.add((e.body as TlbFindingsBody).findings);
      }),
    );
  }

  add(findings: readonly TlbFindingView[]): void {
    const touched = new Set<string>();
    for (const f of findings) {
      const made = findingDiagnostic(f);
      if (!made) continue;
      const key = made.uri.toString();
      let entry = this.byUri.get(key);
      if (!entry) this.byUri.set(key, (entry = { uri: made.uri, list: [] }));
      entry.list.push(made.diagnostic);
      touched.add(key);
    }
    for (const key of touched) { const e = this.byUri.get(key)!; this.collection.set(e.uri, e.list); }
  }

  clear(): void {
    this.byUri.clear();
    this.collection.clear();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
