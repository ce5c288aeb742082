// The mover-script language server: the assembler (the one source of truth) behind LSP. Wires the
// features to a connection; every handler runs through `safe`, which logs a failure and answers with a
// harmless result, so a bug in one feature never takes the server down.

import * as os from 'node:os';
import * as path from 'node:path';
import {
  CodeActionKind, DiagnosticSeverity, ErrorCodes, ResponseError, TextDocumentSyncKind, TextDocuments,
  type CodeAction, type Connection, type Diagnostic, type DiagnosticRelatedInformation, type InitializeResult, type SignatureHelp,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { INSTRUCTION_BY_MNEMONIC, type Diagnostic as AsmDiagnostic } from '../emulator/index';
import { complete } from './completion';
import { formatEdits } from './format';
import { hover } from './hover';
import { definition, highlights, prepareRename, references, rename, toRange } from './navigation';
import { documentLinks, documentSymbols, foldingRanges, workspaceSymbols } from './outline';
import { Project, pathToUri, uriToPath, type Analysis } from './project';
import { LEGEND, semanticTokens } from './semantic-tokens';
import { checkedDocumentConnection } from './notifications';
import { commentStart, splitLines, statementHead, tokens } from './text';
import { DIAGNOSTICS_DELAY_MS } from './timing';

export interface ServerOptions {
  readonly libraryDir: string;
}

export function startServer(connection: Connection, opts: ServerOptions): void {
  const documents = new TextDocuments(TextDocument);
  // Documents that are not files (untitled) get a stand-in path so that the assembler can name them.
  const virtualPaths = new Map<string, string>();
  const virtualRoot = path.join(os.tmpdir(), 'mover-untitled');
  const pathOf = (uri: string): string => {
    const p = uriToPath(uri);
    if (p) return p;
    let v = virtualPaths.get(uri);
    if (!v) { v = path.join(virtualRoot, `${virtualPaths.size}-${uri.replace(/[^\w.-]+/g, '_').slice(-60)}.mover`); virtualPaths.set(uri, v); }
    return v;
  };
  const uriOf = (file: string): string => {
    for (const [u, p] of virtualPaths) if (p === file) return u;
    return pathToUri(file);
  };
  const project = new Project({
    get: (uri) => {
      const d = documents.get(uri);
      if (d) return d;
      for (const [u, p] of virtualPaths) if (pathToUri(p) === uri) return documents.get(u);
      return undefined;
    },
    all: () => documents.all(),
  }, opts.libraryDir);

  const log = (m: string) => connection.console.log(m);

  // After shutdown the only message a server may act on is exit: requests get InvalidRequest.
  let shutDown = false;
  connection.onShutdown(() => { shutDown = true; });

  function safe<P, R>(name: string, fallback: R, fn: (p: P) => R | Promise<R>): (p: P) => Promise<R> {
    return async (p: P) => {
      if (shutDown) throw new ResponseError(ErrorCodes.InvalidRequest, `${name}: the server has been shut down`);
      try {
        return await fn(p);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        log(`${name} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        return fallback;
      }
    };
  }

  /** A notification has no answer to refuse: after shutdown it is dropped. */
  function safeNotification<P>(name: string, fn: (p: P) => void): (p: P) => Promise<void> {
    const run = safe(name, undefined, fn);
    return async (p: P) => { if (!shutDown) await run(p); };
  }

  /** The analysis of an open document and the document's index in it; undefined for unknown documents. */
  function context(params: { textDocument?: { uri?: unknown } }): { doc: TextDocument; a: Analysis; file: number; lines: string[] } | undefined {
    const uri = params?.textDocument?.uri;
    if (typeof uri !== 'string') return undefined;
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const p = pathOf(uri);
    const a = project.analysisFor(p);
    const file = a.fileIndex(p);
    if (file < 0) return undefined;
    return { doc, a, file, lines: splitLines(doc.getText()) };
  }

  /** The document's context and a position inside it (a column past the line's end is clamped to it). */
  function at(params: { textDocument?: { uri?: unknown }; position?: { line?: unknown; character?: unknown } }) {
    const c = context(params);
    const l = params?.position?.line;
    const ch = params?.position?.character;
    if (!c || typeof l !== 'number' || typeof ch !== 'number' || !Number.isInteger(l) || !Number.isInteger(ch) || l < 0 || ch < 0 || l >= c.lines.length) return undefined;
    return { ...c, pos: { line: l, character: Math.min(ch, c.lines[l].length) } };
  }

  // ---- diagnostics ---------------------------------------------------------------------------------

  const toLsp = (d: AsmDiagnostic): Diagnostic => ({
    range: toRange(d.span), message: d.message, source: 'mover', severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
  });

  function diagnosticsFor(uri: string): Diagnostic[] {
    const p = pathOf(uri);
    const a = project.analysisFor(p);
    const file = a.fileIndex(p);
    if (file < 0) return [];
    const out = a.result.diagnostics.filter((d) => d.span.file === file).map(toLsp);
    // Problems in included files show at the .include that brings them in (with links to each).
    for (const inc of a.result.includes.filter((i) => i.span.file === file)) {
      const reach = new Set<number>([inc.file]);
      for (let grew = true; grew;) {
        grew = false;
        for (const i of a.result.includes) if (reach.has(i.span.file) && !reach.has(i.file) && i.file !== file) { reach.add(i.file); grew = true; }
      }
      reach.delete(file);
      const inner = a.result.diagnostics.filter((d) => reach.has(d.span.file) && d.severity === 'error');
      if (!inner.length) continue;
      const first = inner[0];
      const related: DiagnosticRelatedInformation[] = inner.slice(0, 20).map((d) => ({ location: { uri: uriOf(a.result.files[d.span.file]), range: toRange(d.span) }, message: d.message }));
      out.push({
        range: toRange(inc.span), severity: DiagnosticSeverity.Error, source: 'mover', relatedInformation: related,
        message: `${path.basename(a.result.files[inc.file])} brings ${inner.length} error${inner.length > 1 ? 's' : ''}; first: ${path.basename(a.result.files[first.span.file])}:${first.span.line + 1}: ${first.message}`,
      });
    }
    return out;
  }

  let timer: NodeJS.Timeout | undefined;
  /** True while the pending timer is an immediate one (an open): nothing postpones it. */
  let immediate = false;
  /** The typing debounce; initializationOptions.diagnosticsDelayMs overrides it (tests use a long one). */
  let debounceMs = DIAGNOSTICS_DELAY_MS;
  /** Documents opened or edited since the last publish. */
  const touched = new Set<string>();
  /** Counts publishes: the rest of an older one stops when a newer one (which covers every document) starts. */
  let publishes = 0;
  /**
   * Publishes every document's diagnostics: first those just opened or edited, then the others (which
   * may include them) one per turn of the event loop. Each document is analysed on its own, so the one
   * being opened or typed in does not wait for every other open one, and an open or edit that comes
   * meanwhile gets in between.
   */
  function publishAll(): void {
    const round = ++publishes;
    const docs = documents.all();
    const rest = docs.filter((d) => !touched.has(d.uri));
    for (const d of docs) if (touched.has(d.uri)) publish(d);
    touched.clear();
    const next = (): void => {
      if (round !== publishes) return;
      const d = rest.shift();
      if (!d) return;
      if (documents.get(d.uri) === d) publish(d);
      setImmediate(next);
    };
    setImmediate(next);
  }
  function publish(d: TextDocument): void {
    try {
      void connection.sendDiagnostics({ uri: d.uri, version: d.version, diagnostics: diagnosticsFor(d.uri) });
    } catch (e) {
      log(`diagnostics for ${d.uri} failed: ${(e as Error).stack ?? e}`);
    }
  }
  /**
   * Publishes every document's diagnostics after `delay` (0: at once). A pending immediate publish is
   * never pushed back: TextDocuments fires a content change right after each open, and that change
   * must not turn the open's immediate diagnostics into a debounced one (the publish reads the
   * current text, so it covers the change too). Only typing is debounced.
   */
  function schedule(delay = debounceMs): void {
    if (timer) {
      if (immediate && delay > 0) return;
      clearTimeout(timer);
    }
    immediate = delay === 0;
    timer = setTimeout(() => { timer = undefined; immediate = false; publishAll(); }, delay);
  }

  documents.onDidOpen((e) => { touched.add(e.document.uri); project.invalidate(); schedule(0); });
  documents.onDidChangeContent((e) => { touched.add(e.document.uri); project.invalidate(); schedule(); });
  documents.onDidClose((e) => {
    project.invalidate();
    virtualPaths.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    project.prune();
    schedule();
  });

  // ---- lifecycle and configuration -----------------------------------------------------------------

  function applyLayout(layout: unknown): void {
    project.setLayout(typeof layout === 'string' && layout.trim() ? layout.trim() : undefined);
    if (project.layoutProblem) {
      log(project.layoutProblem);
      void connection.window.showWarningMessage(`Mover: ${project.layoutProblem}. Using the patent's FIG. 5 layout.`);
    }
  }

  connection.onInitialize((params): InitializeResult => {
    const folders = params.workspaceFolders?.map((f) => uriToPath(f.uri)).filter((p): p is string => !!p) ?? [];
    if (!folders.length && params.rootUri) { const r = uriToPath(params.rootUri); if (r) folders.push(r); }
    project.folders = folders;
    const init = params.initializationOptions as { layout?: unknown; diagnosticsDelayMs?: unknown } | undefined;
    applyLayout(init?.layout);
    const d = init?.diagnosticsDelayMs;
    if (typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= 2 ** 31 - 1) debounceMs = d;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['.', '"', ':'], resolveProvider: false },
        hoverProvider: true,
        signatureHelpProvider: { triggerCharacters: [' ', ','] },
        definitionProvider: true,
        referencesProvider: true,
        documentHighlightProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: { label: 'mover' },
        workspaceSymbolProvider: true,
        semanticTokensProvider: { legend: LEGEND, full: true },
        documentFormattingProvider: true,
        documentRangeFormattingProvider: true,
        foldingRangeProvider: true,
        documentLinkProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'mover-language-server', version: '0.1.0' },
    };
  });

  connection.onDidChangeConfiguration(safeNotification('configuration', (p: { settings?: { mover?: { layout?: unknown } } }) => {
    const layout = p?.settings?.mover?.layout;
    if (layout !== undefined) { applyLayout(layout); schedule(0); }
  }));

  connection.onDidChangeWatchedFiles(safeNotification('watched files', () => { project.invalidate(true); schedule(); }));

  // ---- features ------------------------------------------------------------------------------------

  connection.onHover(safe('hover', null, (p) => {
    const c = at(p);
    return c ? hover(c.a, c.file, c.lines[c.pos.line], c.pos.line, c.pos.character, project.layout) : null;
  }));

  connection.onCompletion(safe('completion', [], (p) => {
    const c = at(p);
    return c ? complete(project, c.a, c.file, c.lines, c.pos.line, c.pos.character) : [];
  }));

  connection.onSignatureHelp(safe('signature help', null, (p): SignatureHelp | null => {
    const c = at(p);
    if (!c) return null;
    const pos = c.pos;
    const text = c.lines[pos.line].slice(0, pos.character);
    const cs = commentStart(text);
    if (cs >= 0) return null;
    const { head, rest } = statementHead(tokens(text));
    const doc = head && INSTRUCTION_BY_MNEMONIC.get(head.text.toLowerCase());
    if (!doc || head.endCol >= pos.character) return null;
    const commas = rest.filter((t) => t.text === ',').length;
    const signatures = doc.syntax.map((s) => {
      const ops = s.slice(doc.mnemonic.length).trim();
      return { label: s, documentation: doc.summary, parameters: ops ? ops.split(/,\s*/).map((o) => ({ label: o })) : [] };
    });
    const active = Math.max(0, signatures.findIndex((s) => s.parameters.length > commas));
    return { signatures, activeSignature: active, activeParameter: commas };
  }));

  connection.onDefinition(safe('definition', null, (p) => {
    const c = at(p);
    return c ? definition(c.a, c.file, c.pos.line, c.pos.character) : null;
  }));

  connection.onReferences(safe('references', [], (p) => {
    const c = at(p);
    return c ? references(project, c.a, c.file, c.pos.line, c.pos.character, p?.context?.includeDeclaration !== false) : [];
  }));

  connection.onDocumentHighlight(safe('highlights', [], (p) => {
    const c = at(p);
    return c ? highlights(c.a, c.file, c.pos.line, c.pos.character) : [];
  }));

  connection.onPrepareRename(safe('prepare rename', null, (p) => {
    const c = at(p);
    return c ? prepareRename(project, c.a, c.file, c.pos.line, c.pos.character) : null;
  }));

  connection.onRenameRequest(safe('rename', null, (p) => {
    const c = at(p);
    if (!c) return null;
    const pos = c.pos;
    if (typeof p?.newName !== 'string') throw new ResponseError(-32602, 'rename needs a newName string');
    return rename(project, c.a, c.file, pos.line, pos.character, p.newName);
  }));

  connection.onDocumentSymbol(safe('document symbols', [], (p) => {
    const c = context(p);
    return c ? documentSymbols(c.a, c.file) : [];
  }));

  connection.onWorkspaceSymbol(safe('workspace symbols', [], (p) => {
    const query = typeof p?.query === 'string' ? p.query : '';
    const roots = new Set<string>();
    for (const f of project.knownFiles()) for (const r of project.rootsOf(f)) roots.add(r);
    return workspaceSymbols([...roots].map((r) => project.analyze(r)), query);
  }));

  connection.languages.semanticTokens.on(safe('semantic tokens', { data: [] }, (p) => {
    const c = context(p);
    return c ? semanticTokens(c.a, c.file) : { data: [] };
  }));

  const formatting = (p: { textDocument?: { uri?: unknown }; options?: { tabSize?: unknown; insertSpaces?: unknown }; range?: { start?: { line?: unknown }; end?: { line?: unknown } } }) => {
    const uri = p?.textDocument?.uri;
    const doc = typeof uri === 'string' ? documents.get(uri) : undefined;
    if (!doc) return [];
    const tabSize = typeof p.options?.tabSize === 'number' ? p.options.tabSize : 4;
    const insertSpaces = p.options?.insertSpaces !== false;
    const from = typeof p.range?.start?.line === 'number' ? p.range.start.line : 0;
    const to = typeof p.range?.end?.line === 'number' ? p.range.end.line : Number.MAX_SAFE_INTEGER;
    return formatEdits(doc.getText(), { tabSize, insertSpaces }, from, to).map((e) => ({
      range: { start: { line: e.line, character: 0 }, end: { line: e.line, character: e.length } }, newText: e.text,
    }));
  };
  connection.onDocumentFormatting(safe('formatting', [], formatting));
  connection.onDocumentRangeFormatting(safe('range formatting', [], formatting));

  connection.onFoldingRanges(safe('folding', [], (p) => {
    const uri = p?.textDocument?.uri;
    const doc = typeof uri === 'string' ? documents.get(uri) : undefined;
    return doc ? foldingRanges(splitLines(doc.getText())) : [];
  }));

  connection.onDocumentLinks(safe('links', [], (p) => {
    const c = context(p);
    return c ? documentLinks(c.a, c.file) : [];
  }));

  connection.onCodeAction(safe('code actions', [], (p) => {
    const uri = p?.textDocument?.uri;
    const doc = typeof uri === 'string' ? documents.get(uri) : undefined;
    if (!doc || !Array.isArray(p?.context?.diagnostics)) return [];
    const actions: CodeAction[] = [];
    for (const d of p.context.diagnostics) {
      const m = /\(did you mean ([^?]+)\?\)/.exec(d?.message ?? '');
      if (!m || !d.range) continue;
      const written = doc.getText(d.range);
      // `.lop` under start: the suggestion is the full name start.loop; write it the way it was written.
      const fix = written.startsWith('.') && m[1].includes('.') ? m[1].slice(m[1].lastIndexOf('.')) : m[1];
      actions.push({ title: `Change to ${fix}`, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: true, edit: { changes: { [doc.uri]: [{ range: d.range, newText: fix }] } } });
    }
    return actions;
  }));

  documents.listen(checkedDocumentConnection(connection, () => shutDown, log));
  connection.listen();
}
