// Text-document notifications, checked before TextDocuments keeps anything: one didOpen with a uri that
// is not a string (or a change with a bad range) would otherwise be stored and break every feature for
// every document until a restart. A notification that does not have its declared shape is dropped
// (a notification has no answer to carry an error), and so is any after shutdown.

import type { Connection, DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, Disposable, NotificationHandler, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';

type TextDocumentConnection = Parameters<TextDocuments<TextDocument>['listen']>[0];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isPosition = (v: unknown): boolean => isObj(v) && isCount(v.line) && isCount(v.character);
const isRange = (v: unknown): boolean => isObj(v) && isPosition(v.start) && isPosition(v.end);
const hasUri = (p: unknown): p is { textDocument: Obj & { uri: string } } => isObj(p) && isObj(p.textDocument) && typeof p.textDocument.uri === 'string';

function validOpen(p: unknown): boolean {
  return hasUri(p) && typeof p.textDocument.text === 'string' && Number.isInteger(p.textDocument.version) && typeof p.textDocument.languageId === 'string';
}

function validChange(p: unknown): boolean {
  if (!hasUri(p) || !Number.isInteger(p.textDocument.version) || !isObj(p) || !Array.isArray((p as Obj).contentChanges)) return false;
  return ((p as Obj).contentChanges as unknown[]).every((c) => isObj(c) && typeof c.text === 'string' && (c.range === undefined || isRange(c.range)));
}

/**
 * The connection as TextDocuments.listen sees it: open, change and close notifications reach it only
 * when well formed and before shutdown.
 */
export function checkedDocumentConnection(connection: Connection, isShutDown: () => boolean, log: (message: string) => void): TextDocumentConnection {
  const guard = <P>(name: string, valid: (p: unknown) => boolean, handler: NotificationHandler<P>): NotificationHandler<P> => (p: P) => {
    if (isShutDown()) return;
    if (!valid(p)) { log(`ignored a ${name} notification that is not well formed`); return; }
    handler(p);
  };
  return {
    onDidOpenTextDocument: (h: NotificationHandler<DidOpenTextDocumentParams>): Disposable => connection.onDidOpenTextDocument(guard('didOpen', validOpen, h)),
    onDidChangeTextDocument: (h: NotificationHandler<DidChangeTextDocumentParams>): Disposable => connection.onDidChangeTextDocument(guard('didChange', validChange, h)),
    onDidCloseTextDocument: (h: NotificationHandler<DidCloseTextDocumentParams>): Disposable => connection.onDidCloseTextDocument(guard('didClose', hasUri, h)),
    onWillSaveTextDocument: (h) => connection.onWillSaveTextDocument(guard('willSave', hasUri, h)),
    onWillSaveTextDocumentWaitUntil: (h) => connection.onWillSaveTextDocumentWaitUntil(h),
    onDidSaveTextDocument: (h) => connection.onDidSaveTextDocument(guard('didSave', hasUri, h)),
  };
}
