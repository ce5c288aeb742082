// The Mover extension: activation wires the debugger (inline adapter, configuration provider), the
// language client, the machine views (control registers, page walk, TLB, chunk map, snapshot queue,
// DNLC, one VA compared across spaces, the machine diff since the last stop), live hovers, memory panels and commands. Every disposable goes into context.subscriptions; a failure to activate
// is shown to the user and logged to the "Mover" output channel.

import * as vscode from 'vscode';
import { ConfigurationProvider, DynamicConfigurationProvider, InlineAdapterFactory, registerEditorRunCommands } from './debug';
import { MoverTaskProvider, TASK_TYPE } from './tasks';
import { startLanguageClient } from './language-client';
import type { LanguageClient } from 'vscode-languageclient/node';
import { MoverSessions } from './session-state';
import { ControlRegistersProvider } from './views/control-registers';
import { TlbProvider } from './views/tlb';
import { PageWalkProvider } from './views/page-walk';
import { ChunkMapProvider } from './views/chunk-map';
import { SnapshotQueueProvider } from './views/snapshot-queue';
import { DnlcProvider } from './views/dnlc';
import { CompareProvider } from './views/compare';
import { DiffProvider } from './views/diff';
import { LiveHoverProvider } from './hover';
import { registerCommands } from './commands';
import { MoverTesting } from './testing';
import { registerAddressCommands } from './address-commands';
import { MoverInlineValues } from './inline-values';
import { LayoutStatus } from './language-status';
import { TlbDiagnostics } from './tlb-diagnostics';
import { MemoryPanel } from './memory-panel';

let client: LanguageClient | undefined;

/** What activate returns: the pieces integration tests look at. */
export interface MoverApi {
  readonly output: vscode.OutputChannel;
  readonly sessions?: MoverSessions;
  readonly views?: { readonly controlRegisters: ControlRegistersProvider; readonly tlb: TlbProvider; readonly pageWalk: PageWalkProvider; readonly chunkMap: ChunkMapProvider; readonly snapshotQueue: SnapshotQueueProvider; readonly dnlc: DnlcProvider; readonly compare: CompareProvider; readonly diff: DiffProvider };
  /** Run and Debug's dynamic configurations (one per program and per `.test`). */
  readonly dynamicConfigurations?: DynamicConfigurationProvider;
  /** The language status item of .mover files: the layout in use. */
  readonly layoutStatus?: LayoutStatus;
  /** The inline values shown at a stop. */
  readonly inlineValues?: MoverInlineValues;
}

const NUMBER = /0[xX][0-9A-Fa-f_]+|\b\d[\d_]*\b/;

export async function activate(context: vscode.ExtensionContext): Promise<MoverApi> {
  const output = vscode.window.createOutputChannel('Mover');
  context.subscriptions.push(output);
  output.appendLine(`Mover ${context.extension.packageJSON.version} activating`);
  try {
    const provider = new ConfigurationProvider();
    const dynamicConfigurations = new DynamicConfigurationProvider();
    context.subscriptions.push(
      vscode.debug.registerDebugAdapterDescriptorFactory('mover', new InlineAdapterFactory()),
      vscode.debug.registerDebugConfigurationProvider('mover', provider),
      vscode.debug.registerDebugConfigurationProvider('mover', dynamicConfigurations, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
      vscode.tasks.registerTaskProvider(TASK_TYPE, new MoverTaskProvider(context)),
    );
    registerEditorRunCommands(context);
    const sessions = new MoverSessions(output);
    const controlRegisters = new ControlRegistersProvider(sessions);
    const tlb = new TlbProvider(sessions);
    const pageWalk = new PageWalkProvider(sessions);
    const chunkMap = new ChunkMapProvider(context.extensionUri, sessions);
    const snapshotQueue = new SnapshotQueueProvider(sessions);
    const dnlc = new DnlcProvider(sessions);
    const compare = new CompareProvider(sessions);
    const diff = new DiffProvider(sessions);
    const layoutStatus = new LayoutStatus();
    const inlineValues = new MoverInlineValues(sessions);
    context.subscriptions.push(
      sessions, controlRegisters, tlb, pageWalk, chunkMap, snapshotQueue, dnlc, compare, diff,
      compare.createView('mover.compare'),
      diff.createView('mover.diff'),
      snapshotQueue.createView('mover.snapshotQueue'),
      dnlc.createView('mover.dnlc'),
      controlRegisters.createView('mover.controlRegisters'),
      tlb.createView('mover.tlb'),
      pageWalk.createView('mover.pageWalk'),
      vscode.window.registerWebviewViewProvider(ChunkMapProvider.viewType, chunkMap, { webviewOptions: { retainContextWhenHidden: true } }),
      vscode.commands.registerCommand('mover.openChunkMapInEditor', () => chunkMap.openInEditor()),
      vscode.commands.registerCommand('mover.pageWalk.walk', (text?: string) => pageWalk.walkTyped(text)),
      vscode.languages.registerHoverProvider({ language: 'mover' }, new LiveHoverProvider(sessions)),
      vscode.languages.registerInlineValuesProvider({ language: 'mover' }, inlineValues),
      layoutStatus,
      vscode.window.onDidChangeTextEditorSelection((e) => {
        // The page walk and the chunk map follow an address under the cursor while stopped.
        if (e.textEditor.document.languageId !== 'mover' || !sessions.stoppedSession) return;
        const range = e.textEditor.document.getWordRangeAtPosition(e.selections[0].active, NUMBER);
        if (!range) return;
        const text = e.textEditor.document.getText(range).replace(/_/g, '');
        const va = Number(text);
        if (!Number.isSafeInteger(va) || va >= 2 ** 32) return;
        chunkMap.setCursor(va);
        // A pinned walk stays: the cursor only moves it when the user has not chosen to keep one.
        void pageWalk.show({ kind: 'cursor', va: '0x' + va.toString(16) }, false);
      }),
      // The walk is the focused thread's: a new focus (Call Stack click) walks in its processor and space.
      vscode.debug.onDidChangeActiveStackItem(() => { if (!pageWalk.pinned) void pageWalk.refresh(); }),
    );
    context.subscriptions.push(new TlbDiagnostics());
    registerCommands(context, sessions, pageWalk);
    registerAddressCommands(context, sessions, pageWalk, compare);
    MemoryPanel.register(context);
    client = await startLanguageClient(context, output);
    if (client) context.subscriptions.push({ dispose: () => void client?.stop() });
    // After the language client: the Test Explorer discovers tests from its symbols.
    context.subscriptions.push(new MoverTesting(context, output));
    output.appendLine('Mover ready');
    return { output, sessions, views: { controlRegisters, tlb, pageWalk, chunkMap, snapshotQueue, dnlc, compare, diff }, dynamicConfigurations, layoutStatus, inlineValues };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    output.appendLine(`activation failed: ${e instanceof Error ? e.stack : message}`);
    void vscode.window.showErrorMessage(`Mover could not start: ${message}`, 'Show log').then((choice) => { if (choice) output.show(); });
    return { output };
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
