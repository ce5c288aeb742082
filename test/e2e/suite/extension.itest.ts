/// <reference types="mocha" />
// Integration tests inside a real VS Code: the real `vscode` API, the real extension host, the
// extension installed from its .vsix. Views are checked through their tree data, not screenshots.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { MoverApi } from '../../../extension/extension';
import { STATE_CHANGED_EVENT } from '../../../debug-adapter/protocol';
import type { MemoryPanel } from '../../../extension/memory-panel';

const EXTENSION_ID = 'mover-dev.mover';
const workspace = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const example = (name: string) => path.join(workspace(), 'examples', name);

async function api(): Promise<MoverApi> {
  const ext = vscode.extensions.getExtension<MoverApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  return ext.isActive ? ext.exports : await ext.activate();
}

/** Resolves on the next Mover stop (the adapter's state event after a stop). */
function nextStop(): Promise<vscode.DebugSession> {
  return new Promise((resolve) => {
    const d = vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.event === STATE_CHANGED_EVENT && (e.body as { reason: string }).reason === 'stopped') { d.dispose(); resolve(e.session); }
    });
  });
}

function waitFor<T>(what: string, poll: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = async () => {
      const v = await poll();
      if (v !== undefined) return resolve(v);
      if (Date.now() - start > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 100).unref?.();
    };
    void tick();
  });
}

async function stopSessions(): Promise<void> {
  await vscode.debug.stopDebugging();
  await waitFor('no debug session', () => (vscode.debug.activeDebugSession ? undefined : true), 10_000);
}

export function integrationTests(): void {
  suite('Mover in VS Code', () => {
    let tracker: vscode.Disposable | undefined;
    suiteSetup(() => {
      // Failures and errors of the adapter go to the log, so a failed run says why.
      tracker = vscode.debug.registerDebugAdapterTrackerFactory('mover', {
        createDebugAdapterTracker: () => ({
          onDidSendMessage: (m: { type?: string; success?: boolean; command?: string; message?: string; event?: string; body?: { category?: string; output?: string } }) => {
            if (m.type === 'response' && m.success === false) console.log(`adapter: ${m.command} failed: ${m.message}`);
            if (m.type === 'event' && m.event === 'output' && m.body?.category === 'stderr') console.log(`adapter stderr: ${m.body.output}`);
          },
          onError: (e: Error) => console.log(`adapter error: ${e.message}`),
        }),
      });
    });
    suiteTeardown(async () => { tracker?.dispose(); await stopSessions(); });

    test('the mover language is registered and .mover files use it', async () => {
      await api();
      assert.ok((await vscode.languages.getLanguages()).includes('mover'));
      const doc = await vscode.workspace.openTextDocument(example('fig4-walk.mover'));
      assert.equal(doc.languageId, 'mover');
      // The views' welcome links open the examples shipped in the package.
      const shipped = await vscode.commands.executeCommand<vscode.TextEditor>('mover.openExample', 'fig7-dnlc.mover');
      assert.equal(path.basename(shipped.document.uri.fsPath), 'fig7-dnlc.mover');
      assert.equal(shipped.document.languageId, 'mover');
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('mover.openExample', '../package.json')), /not an example name/);
    });

    /** The language features come from dist/languageServer.js, which the package must hold. */
    function assertLanguageServerPackaged(): void {
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext && existsSync(path.join(ext.extensionPath, 'dist', 'languageServer.js')), 'the package holds dist/languageServer.js');
    }

    test('diagnostics appear for a broken file and vanish when it is fixed', async function () {
      assertLanguageServerPackaged();
      const doc = await vscode.workspace.openTextDocument({ language: 'mover', content: 'start:\n    mvo r1, 1\n    halt\n' });
      await vscode.window.showTextDocument(doc);
      const diags = await waitFor('diagnostics', () => { const d = vscode.languages.getDiagnostics(doc.uri); return d.length ? d : undefined; });
      assert.match(diags[0].message, /unknown instruction mvo/);
      assert.equal(diags[0].range.start.line, 1);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(1, 4, 1, 7), 'mov');
      await vscode.workspace.applyEdit(edit);
      await waitFor('diagnostics to clear', () => (vscode.languages.getDiagnostics(doc.uri).length === 0 ? true : undefined));
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    });

    test('completion offers instructions and hover documents them', async function () {
      assertLanguageServerPackaged();
      const doc = await vscode.workspace.openTextDocument({ language: 'mover', content: 'start:\n    ld\n    mov r1, 2\n' });
      const list = await waitFor('completions', async () => {
        const l = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(1, 6));
        return l.items.some((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'ld32') ? l : undefined;
      });
      assert.ok(list.items.length > 0);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(2, 5));
      const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
      assert.match(text, /mov/);
    });

    test('go to definition across an include, the outline, hover translation, rename and formatting', async () => {
      assertLanguageServerPackaged();
      const doc = await vscode.workspace.openTextDocument(example('fig7-dnlc.mover'));
      await vscode.window.showTextDocument(doc);
      const text = doc.getText();
      const callAt = doc.positionAt(text.indexOf('call dnlc_enter_vs0') + 7);
      const defs = await waitFor('a definition', async () => {
        const d = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', doc.uri, callAt);
        return d.length ? d : undefined;
      });
      const target = 'targetUri' in defs[0] ? defs[0].targetUri : defs[0].uri;
      assert.equal(path.basename(target.fsPath), 'dnlc.mover');
      const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', doc.uri);
      assert.ok(symbols.some((s) => s.name === 'a_main' && s.kind === vscode.SymbolKind.Function));
      // n_usr is placed at vs0:0x2100_0000: PA 0x2100_0000 in VS0 (paging off), C4 at 0x1_0100_0000 in VS1.
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(text.indexOf('n_usr:') + 1));
      const md = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
      assert.match(md, /\| VS1 \| `0x1_0100_0000` \| C4/);
      const rename = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('vscode.executeDocumentRenameProvider', doc.uri, doc.positionAt(text.indexOf('n_usr:') + 1), 'name_usr');
      assert.equal(rename.get(doc.uri).length, 2, 'the definition and its use');
      const edits = await vscode.commands.executeCommand<vscode.TextEdit[]>('vscode.executeFormatDocumentProvider', doc.uri, { tabSize: 4, insertSpaces: true });
      // (VS Code answers undefined rather than an empty list when there is nothing to change.)
      assert.deepEqual(edits ?? [], [], 'the example is formatted already');
      const messy = await vscode.workspace.openTextDocument({ language: 'mover', content: 'start:\n  mov   r1 ,2\n' });
      const fixes = await waitFor('formatting edits', async () => {
        const e = await vscode.commands.executeCommand<vscode.TextEdit[] | undefined>('vscode.executeFormatDocumentProvider', messy.uri, { tabSize: 4, insertSpaces: true });
        return e?.length ? e : undefined;
      });
      // The language client narrows the server's line edits to the characters that differ: apply them.
      const apply = new vscode.WorkspaceEdit();
      apply.set(messy.uri, fixes);
      await vscode.workspace.applyEdit(apply);
      assert.equal(messy.getText(), 'start:\n    mov r1, 2\n');
    });

    test('a debug session stops on the switch into VS1, and the views show the machine', async () => {
      const mover = await api();
      const program = example('fig4-walk.mover');
      const first = nextStop();
      const started = vscode.debug.onDidStartDebugSession((s) => console.log(`debug session started: ${s.type} ${s.name}`));
      const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], { type: 'mover', request: 'launch', name: 'itest', program, stopOnEntry: true });
      started.dispose();
      console.log(`startDebugging returned ${ok}`);
      assert.ok(ok, 'the debug session starts');
      const session = await first;
      await session.customRequest('mover/breakOnVsSwitch', { targets: ['VS1'] });
      const atSwitch = nextStop();
      await vscode.commands.executeCommand('workbench.action.debug.continue');
      await atSwitch;
      const regs = await session.customRequest('mover/controlRegisters', {}) as { processors: { cpu: number; space: string; cr3: string; pg: boolean }[] };
      assert.equal(regs.processors[0].space, 'VS1');
      assert.equal(regs.processors[0].cr3, '0xef00_0000');
      assert.ok(regs.processors[0].pg);
      // The views: read their tree data as VS Code does.
      const views = mover.views!;
      await views.controlRegisters.refresh();
      const cpu0 = views.controlRegisters.getChildren()[0];
      assert.equal(cpu0.label, 'cpu0');
      assert.match(cpu0.description ?? '', /VS1/);
      const cr3 = views.controlRegisters.getChildren(cpu0).find((n) => n.label === 'CR3');
      assert.match(cr3?.description ?? '', /0xef00_0000 {2}\(VS1 PDPT\)/);
      // Step to the first access in VS1 (touch: C1 read), then the TLB and the walk show it.
      const step = nextStop();
      await vscode.commands.executeCommand('workbench.action.debug.stepOver');
      await step;
      await views.tlb.refresh();
      const tlbCpu0 = views.tlb.getChildren()[0];
      assert.equal(tlbCpu0.kind, 'cpu');
      const walk = await views.pageWalk.show({ kind: 'address', va: '0x2000_0000', space: 'VS1' });
      assert.ok(walk);
      assert.equal(walk.pa, '0x1_0000_0000');
      assert.equal(walk.chunk, 'C4');
      assert.deepEqual(walk.levels.map((l) => l.level), ['PDPTE', 'PDE', 'PTE']);
      // The memory view reading a PA in C4.
      const panel = await vscode.commands.executeCommand<MemoryPanel | undefined>('mover.showMemory', 'pa:0x1_0000_0000');
      assert.ok(panel);
      await waitFor('memory rows', () => (panel.lastShown?.rows.length ? true : undefined));
      assert.equal(panel.lastShown!.space, 'PA');
      assert.equal(panel.lastShown!.rows[0].address, 0x1_0000_0000);
      panel.dispose();
      await stopSessions();
    });

    test('the snapshot queue view after [00052] and the DNLC view after FIG. 7\'s enters', async () => {
      const mover = await api();
      const views = mover.views!;
      const run = async (name: string, marker: string) => {
        const program = example(name);
        const doc = await vscode.workspace.openTextDocument(program);
        const line = doc.getText().split('\n').findIndex((l) => l.includes(marker));
        assert.ok(line >= 0, marker);
        const bp = new vscode.SourceBreakpoint(new vscode.Location(doc.uri, new vscode.Position(line, 0)));
        vscode.debug.addBreakpoints([bp]);
        const stop = nextStop();
        assert.ok(await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], { type: 'mover', request: 'launch', name: 'itest', program, stopOnEntry: false }));
        await stop;
        vscode.debug.removeBreakpoints([bp]);
      };
      await run('snapshot-00052.mover', 'print "snapshot 1 reads');
      await views.snapshotQueue.refresh();
      const top = views.snapshotQueue.getChildren();
      const items = top.map((n) => views.snapshotQueue.getTreeItem(n));
      assert.deepEqual(items.map((i) => i.label), ['1 snapshot of CLONE', 'last read: snapshot 1, block 7', 'last copy on first write: block 1', 'snapshot 1']);
      assert.equal(items[1].description, '1 → clone');
      assert.equal(items[2].description, 'into snapshot 1 · save block 1');
      assert.match(String(items[3].description), /^head, tail · vol1 2\/8 blocks · 2 saved · on the last read · last cofw$/);
      const [bitmap, blockmap] = views.snapshotQueue.getChildren(top[3]).map((n) => views.snapshotQueue.getTreeItem(n));
      assert.equal(bitmap.description, '██······');
      assert.equal(blockmap.description, 'B0→S0 B1→S1');
      await stopSessions();
      await run('fig7-dnlc.mover', '    mov r1, READY');
      await views.dnlc.refresh();
      const dn = views.dnlc.getChildren();
      const counters = views.dnlc.getTreeItem(dn[0]);
      assert.match(String(counters.label), /^5 entries in \d+\/256 buckets$/);
      assert.equal(counters.description, 'hits 0 · misses 0 · enters 5 · removes 0 · capacity 8192');
      const names = dn.slice(1).flatMap((b) => views.dnlc.getChildren(b).map((e) => `${views.dnlc.getTreeItem(e).label} ${views.dnlc.getTreeItem(e).description}`)).sort();
      assert.deepEqual(names, ['10/lib → inode 11', '11/libc.so → inode 12', '2/etc → inode 20', '2/usr → inode 10', '20/passwd → inode 21']);
      await stopSessions();
    });
  });
}
