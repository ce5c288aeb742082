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
import type { MemoryRow } from '../../../extension/webviews/messages';
import { rangeNodes } from '../../../extension/views/page-walk';
import { clickTargets } from '../../../extension/views/chunk-map-targets';

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

/** A provider's children as VS Code reads them: awaited (a view first shown after a stop waits for its load). */
async function kids<T>(p: vscode.TreeDataProvider<T>, parent?: T): Promise<T[]> {
  return (await p.getChildren(parent)) ?? [];
}

/** A tree view's rows as "label — description", children indented: what a user reads in the view. */
async function lines<T>(p: vscode.TreeDataProvider<T>, parent?: T, depth = 0): Promise<string[]> {
  const out: string[] = [];
  for (const n of await kids(p, parent)) {
    const item = (await p.getTreeItem(n)) as vscode.TreeItem;
    const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
    out.push(`${'  '.repeat(depth)}${label}${item.description ? ` — ${String(item.description)}` : ''}`, ...(await lines(p, n, depth + 1)));
  }
  return out;
}

/** Waits until the view shows the row `row` (views refresh themselves on a stop). */
async function shows<T>(p: vscode.TreeDataProvider<T>, row: string): Promise<void> {
  await waitFor(`the row "${row}"`, async () => ((await lines(p)).includes(row) ? true : undefined), 10_000).catch(async (e: Error) => {
    throw new Error(`${e.message}; the view shows:\n${(await lines(p)).join('\n')}`);
  });
}

async function stopSessions(): Promise<void> {
  await vscode.debug.stopDebugging();
  await waitFor('no debug session', () => (vscode.debug.activeDebugSession ? undefined : true), 10_000);
}

/** Debugs an example with a breakpoint on the first line holding `marker` until it stops there (the breakpoint then removed). */
async function runToLine(name: string, marker: string, launchName = name): Promise<{ doc: vscode.TextDocument; line: number; session: vscode.DebugSession }> {
  const program = example(name);
  const doc = await vscode.workspace.openTextDocument(program);
  const line = doc.getText().split('\n').findIndex((l) => l.includes(marker));
  assert.ok(line >= 0, marker);
  const bp = new vscode.SourceBreakpoint(new vscode.Location(doc.uri, new vscode.Position(line, 0)));
  vscode.debug.addBreakpoints([bp]);
  const stop = nextStop();
  assert.ok(await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], { type: 'mover', request: 'launch', name: launchName, program, stopOnEntry: false }), `${name} starts`);
  const session = await stop;
  vscode.debug.removeBreakpoints([bp]);
  return { doc, line, session };
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

    test('FIG. 7 stops on the switch into VS1; the views refresh themselves and show the machine; a live hover; a walk level opens its memory', async () => {
      const mover = await api();
      const views = mover.views!;
      const program = example('fig7-dnlc.mover');
      const first = nextStop();
      assert.ok(await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], { type: 'mover', request: 'launch', name: 'itest', program, stopOnEntry: true }), 'the debug session starts');
      await first;
      // "Mover: Break on VS Switch" into VS1, as a user would run it.
      await vscode.commands.executeCommand('mover.breakOnVsSwitch', 'VS1');
      // The Breakpoints view lists it, enabled, for as long as it is active.
      const vsBreak = vscode.debug.breakpoints.find((b) => b instanceof vscode.FunctionBreakpoint && b.functionName === 'VS switch → VS1');
      assert.ok(vsBreak?.enabled, 'Break on VS Switch shows as an enabled breakpoint');
      const atSwitch = nextStop();
      await vscode.commands.executeCommand('workbench.action.debug.continue');
      await atSwitch;
      // The view refreshes itself on the stop (no refresh call here).
      await shows(views.controlRegisters, 'cpu0 — VS1 · a');
      // Control registers, hand-checked: CR0 = PG (bit 31) | PE (bit 0); CR4 = PAE (bit 5) | PGE (bit 7);
      // CR3 holds VS1's PDPT; the gate turned preemption off (step 91); cpu1 still runs in VS0, paging off.
      const regs = await lines(views.controlRegisters);
      for (const want of ['cpu0 — VS1 · a', '  CR0 — 0x8000_0001  PG PE', '  CR3 — 0xef00_0000  (VS1 PDPT)', '  CR4 — 0x0000_00a0  PGE PAE', '  preemption — 1  (timer will not switch threads)', 'cpu1 — VS0 · b', '  CR0 — 0x0000_0001  PE']) {
        assert.ok(regs.includes(want), `control registers show "${want}":\n${regs.join('\n')}`);
      }
      // A live hover while stopped: READY (0x0090_0000) is in C1, common to every space, and still 0.
      const doc = await vscode.workspace.openTextDocument(program);
      const at = doc.positionAt(doc.getText().indexOf('0x0090_0000') + 3);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at);
      const md = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      assert.match(md, /\| VS0 \| `0x90_0000` \| C1 \| cpu1 miss \| `0x0` \|/, md);
      assert.match(md, /\| VS1 \| `0x90_0000` \| C1 \| cpu0 miss \| `0x0` \|/, md);
      // One step: the gate's ld64 from the processor's region in C1 misses the TLB, walks and fills.
      const step = nextStop();
      await vscode.commands.executeCommand('workbench.action.debug.stepOver');
      await step;
      await shows(views.tlb, 'cpu0 — VS1 · 1/64 valid · 0% hits · 16 sets × 4 ways');
      const tlb = await lines(views.tlb);
      assert.ok(tlb.includes('cpu0 — VS1 · 1/64 valid · 0% hits · 16 sets × 4 ways'), tlb.join('\n'));
      assert.ok(tlb.includes('  counters — hits 0 · misses 1 · walks 1 · flushes 2 (0 dropped)'), tlb.join('\n'));
      // VA 0x0010_0000 -> frame 0x10_0000 (C1 is identity-mapped and global); set = VPN 0x100 mod 16 = 0.
      assert.ok(tlb.some((l) => /^ {2}0x0010_0000 → 0x10_0000 — RW U G · set 0 way 0 · lru 0 · new$/.test(l)), tlb.join('\n'));
      // The page walk of VS1's 0x2000_0000 (FIG. 5: C4, the DNLC), hand-checked: PDPT index 0, PD index
      // 0x2000_0000 >> 21 = 256 (entry at 0xef00_1000 + 256 * 8), PT index 0.
      const walk = await views.pageWalk.show({ kind: 'address', va: '0x2000_0000', space: 'VS1' });
      assert.ok(walk);
      const wl = await lines(views.pageWalk);
      for (const want of ['0x2000_0000 — in VS1', 'CR3 — 0xef00_0000', 'PDPTE[0] — 0x0000_0000_ef00_1001  P  @ 0xef00_0000', 'PDE[256] — 0x0000_0000_ef10_2007  P RW U  @ 0xef00_1800', 'PTE[0] — 0x0000_0001_0000_0007  P RW U  @ 0xef10_2000', 'PA — 0x1_0000_0000  (C4)', 'TLB cpu0 — not held (VS1)']) {
        assert.ok(wl.includes(want), `page walk shows "${want}":\n${wl.join('\n')}`);
      }
      // Clicking a level opens its memory: the PDE's 8 bytes, little-endian, in a memory view.
      const pde = (await kids(views.pageWalk)).map((n) => views.pageWalk.getTreeItem(n)).find((i) => i.label === 'PDE[256]');
      assert.deepEqual(pde?.command?.arguments, ['pa:0xef00_1800']);
      const pdePanel = await vscode.commands.executeCommand<MemoryPanel | undefined>(pde!.command!.command, ...pde!.command!.arguments!);
      assert.ok(pdePanel);
      await waitFor('PDE memory', () => (pdePanel.lastShown?.rows.length ? true : undefined));
      assert.equal(pdePanel.lastShown!.rows[0].address, 0xef00_1800);
      assert.deepEqual(pdePanel.lastShown!.rows[0].bytes.slice(0, 8), [0x07, 0x20, 0x10, 0xef, 0, 0, 0, 0]);
      pdePanel.dispose();
      // The memory view reading a PA in C4: the DNLC table's first bytes (dnlc_init_vs0 has run).
      const panel = await vscode.commands.executeCommand<MemoryPanel | undefined>('mover.showMemory', 'pa:0x1_0000_0000');
      assert.ok(panel);
      await waitFor('memory rows', () => (panel.lastShown?.rows.length ? true : undefined));
      assert.equal(panel.lastShown!.space, 'PA');
      assert.equal(panel.lastShown!.rows[0].address, 0x1_0000_0000);
      assert.equal(panel.lastShown!.rows.length, 16);
      panel.dispose();
      await stopSessions();
      vscode.debug.removeBreakpoints([vsBreak]);
    });

    test('the Page Walk follows the focused thread (cpu1 in VS0 here, not cpu0), says what it walks and can be pinned; views keep their rows while running; the PDPTE registers', async () => {
      const mover = await api();
      const views = mover.views!;
      // b's wait loop on cpu1: the stop is b's, so VS Code focuses thread b.
      await runToLine('fig7-dnlc.mover', 'ld32 r2, [r1]', 'focus');
      await views.pageWalk.show({ kind: 'last-access' });
      await waitFor('the walk of the focused thread b', async () => { await views.pageWalk.refresh(); return /^last access of cpu1 \(b on cpu1\)$/.test(views.pageWalk.what) ? true : undefined; }, 10_000)
        .catch((e: Error) => { throw new Error(`${e.message}; the Page Walk says "${views.pageWalk.what}"`); });
      // The walk is cpu1's, in VS0 with paging off (or, before cpu1's first access, a message saying so).
      const rows = await lines(views.pageWalk);
      assert.ok(rows.length === 0 || /^0x[0-9a-f_]+ — in VS0 · paging off: linear = physical$/.test(rows[0]), rows.join('\n'));
      // Pinned: a cursor move does not change what is walked, and the description says it is pinned.
      await vscode.commands.executeCommand('mover.pageWalk.pin');
      assert.equal(views.pageWalk.pinned, true);
      assert.equal(views.pageWalk.what, 'last access of cpu1 (b on cpu1) · pinned');
      await views.pageWalk.show({ kind: 'cursor', va: '0x2000_0000' }, false);
      assert.equal(views.pageWalk.what, 'last access of cpu1 (b on cpu1) · pinned');
      await vscode.commands.executeCommand('mover.pageWalk.unpin');
      await views.pageWalk.show({ kind: 'cursor', va: '0x2000_0000' }, false);
      assert.match(views.pageWalk.what, /^address under the cursor, b on cpu1, VS0$/);
      // Each processor's PDPTE registers, with whether they match the PDPT in memory.
      const regs = await lines(views.controlRegisters);
      assert.equal(regs.filter((l) => /^ {2}PDPTE registers — /.test(l)).length, 2, regs.join('\n'));
      assert.ok(regs.some((l) => /^ {4}PDPTE\[3\] — 0x[0-9a-f_]{19} /.test(l)), regs.join('\n'));
      // Running: the rows stay (no blank view between stops); the next stop updates them in place.
      const tlbBefore = await lines(views.tlb);
      assert.ok(tlbBefore.length > 0);
      const next = nextStop();
      await vscode.commands.executeCommand('workbench.action.debug.stepOver');
      const rowsWhileRunning = await lines(views.tlb);
      assert.ok(rowsWhileRunning.length > 0, 'the TLB view is not blank while the step runs');
      await next;
      await waitFor('the TLB view after the step', async () => ((await lines(views.tlb)).length > 0 ? true : undefined), 10_000);
      await stopSessions();
      // No session: the walk says why it is empty rather than staying blank.
      await waitFor('an empty Page Walk', async () => ((await kids(views.pageWalk)).length === 0 ? true : undefined), 10_000);
    });

    test('Add Data Breakpoint at Address takes pa: references and lists the watch; VS Code\'s debug-memory file system (View Binary Data, hex editors) reads and writes through the same references', async () => {
      const program = example('fig7-dnlc.mover');
      const reasons: string[] = [];
      const spy = vscode.debug.registerDebugAdapterTrackerFactory('mover', {
        createDebugAdapterTracker: () => ({ onDidSendMessage: (m: { type?: string; event?: string; body?: { reason?: string } }) => { if (m.type === 'event' && m.event === 'stopped') reasons.push(m.body?.reason ?? ''); } }),
      });
      try {
        const first = nextStop();
        assert.ok(await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], { type: 'mover', request: 'launch', name: 'watch', program, stopOnEntry: true }));
        const session = await first;
        // What VS Code's own box refuses (it hands the text to BigInt), Mover's command takes.
        const name = await vscode.commands.executeCommand<string | undefined>('mover.addDataBreakpointAtAddress', 'pa:0x90_0000 + 4');
        assert.equal(name, 'watch pa:0x90_0000 + 4');
        const watch = vscode.debug.breakpoints.find((b) => b instanceof vscode.FunctionBreakpoint && b.functionName === name);
        assert.ok(watch?.enabled, 'the Breakpoints view lists the watch, enabled');
        const hit = nextStop();
        await vscode.commands.executeCommand('workbench.action.debug.continue');
        await hit;
        assert.equal(reasons.at(-1), 'data breakpoint');
        const threads = await session.customRequest('threads') as { threads: { id: number; name: string }[] };
        const frames = await Promise.all(threads.threads.map(async (t) => (await session.customRequest('stackTrace', { threadId: t.id, levels: 1 }) as { stackFrames: { line: number }[] }).stackFrames[0]));
        const doc = await vscode.workspace.openTextDocument(program);
        // A data breakpoint stops after the access, as x86's debug registers do: at the line after the store.
        const storeLine = doc.getText().split('\n').findIndex((l) => l.includes('st32 [r1], 1')) + 1;
        assert.ok(frames.some((f) => f.line === storeLine + 1), `a thread has just run the st32 of line ${storeLine}: ${JSON.stringify(frames)}`);
        // The debug-memory file system: what View Binary Data and the hex editor open.
        const memUri = (ref: string, range: string) => vscode.Uri.from({ scheme: 'vscode-debug-memory', authority: session.id, path: `/${encodeURIComponent(ref)}/memory.bin`, query: `range=${range}` });
        assert.deepEqual([...await vscode.workspace.fs.readFile(memUri('pa:0x90_0000', '0:4'))], [1, 0, 0, 0]);
        assert.deepEqual([...await vscode.workspace.fs.readFile(memUri('vs1:0x0090_0000', '0:4'))], [1, 0, 0, 0], 'C1 is common: VS1 sees the same byte');
        await vscode.workspace.fs.writeFile(memUri('pa:0x90_0004', '0:2'), new Uint8Array([0xab, 0xcd]));
        const back = await session.customRequest('readMemory', { memoryReference: 'pa:0x90_0004', count: 2 }) as { address: string; data: string };
        assert.equal(back.address, '0x900004');
        assert.deepEqual([...Buffer.from(back.data, 'base64')], [0xab, 0xcd]);
      } finally {
        spy.dispose();
        vscode.debug.removeBreakpoints(vscode.debug.breakpoints.filter((b) => b instanceof vscode.FunctionBreakpoint && b.functionName.startsWith('watch ')));
        await stopSessions();
      }
    });

    test('Compare Across Spaces: one VA in every space, its chunk, common or separate, the differing bytes marked', async () => {
      const mover = await api();
      const views = mover.views!;
      const first = nextStop();
      assert.ok(await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], { type: 'mover', request: 'launch', name: 'compare', program: example('fig5-layout.mover'), stopOnEntry: true }));
      await first;
      try {
        // fig5 puts "C2: ...", "C4: ...", "C5: ..." at 0x2000_0000 of VS0, VS1 and VS2 (separate chunks).
        const shown = await vscode.commands.executeCommand<{ differAt: number[] } | undefined>('mover.compareAcrossSpaces', '0x2000_0000');
        assert.ok(shown, 'the command answers with what the view shows');
        const rows = await lines(views.compare);
        assert.ok(rows[0].startsWith('differ at '), rows.join('\n'));
        assert.ok(rows.some((r) => r.startsWith('VS1 — PA 0x1_0000_0000 · C4 · separate · 43 [34] 3a 20 [44] [4e] [4c] [43] [20] [28] [56] [53] [31] [29]')), rows.join('\n'));
        assert.ok(rows.some((r) => r.startsWith('VS0 — PA 0x2000_0000 · C2 · paging off · separate · 43 [32] 3a 20')), rows.join('\n'));
        // A VA in C1: the same PA in every space.
        await vscode.commands.executeCommand('mover.compareAcrossSpaces', 'vs1:0x0080_0000');
        const common = await lines(views.compare);
        assert.ok(common.includes('the same bytes in every space that maps it'), common.join('\n'));
        assert.ok(common.some((r) => r.startsWith('VS2 — PA 0x80_0000 · C1 · common with VS0, VS1 · ')), common.join('\n'));
        // A row opens its space's memory at the VA.
        const vs1 = (await kids(views.compare)).map((n) => views.compare.getTreeItem(n)).find((i) => i.label === 'VS1');
        assert.deepEqual(vs1?.command?.arguments, ['vs1:0x80_0000']);
      } finally {
        await stopSessions();
      }
    });

    test('the snapshot queue view after [00052] and the DNLC view after FIG. 7\'s enters, with both sessions running at once', async () => {
      const mover = await api();
      const views = mover.views!;
      const run = async (name: string, marker: string): Promise<vscode.DebugSession> => (await runToLine(name, marker)).session;
      // [00052] first: its session is the one shown.
      const snap = await run('snapshot-00052.mover', 'print "snapshot 1 reads');
      await shows(views.snapshotQueue, '1 snapshot of CLONE — 8 blocks · 10 writes · 2 copies on first write');
      const top = await kids(views.snapshotQueue);
      const items = top.map((n) => views.snapshotQueue.getTreeItem(n));
      assert.deepEqual(items.map((i) => i.label), ['1 snapshot of CLONE', 'last read: snapshot 1, block 7', 'last copy on first write: block 1', 'snapshot 1']);
      assert.equal(items[1].description, '1 → clone');
      assert.equal(items[2].description, 'into snapshot 1 · save block 1');
      assert.match(String(items[3].description), /^head, tail · vol1 2\/8 blocks · 2 saved · on the last read · last cofw$/);
      const [bitmap, blockmap] = (await kids(views.snapshotQueue, top[3])).map((n) => views.snapshotQueue.getTreeItem(n));
      assert.equal(bitmap.description, '██······');
      assert.equal(blockmap.description, 'B0→S0 B1→S1');
      assert.deepEqual(await kids(views.dnlc), [], '[00052] has no DNLC: the view is empty (its welcome text shows)');
      // A second session stops while [00052] keeps the focus (VS Code moves the focus only from nothing or
      // from the same session): its stop must not replace what the views show.
      const fig7 = await run('fig7-dnlc.mover', '    mov r1, READY');
      assert.equal(vscode.debug.activeDebugSession?.id, snap.id);
      await views.dnlc.refresh();
      await views.snapshotQueue.refresh();
      assert.deepEqual(await kids(views.dnlc), []);
      assert.equal((await kids(views.snapshotQueue)).length, 4);
      // [00052] ends: FIG. 7's stopped session takes the focus and the views show it.
      await vscode.debug.stopDebugging(snap);
      await waitFor('FIG. 7 active', () => (vscode.debug.activeDebugSession?.id === fig7.id ? true : undefined), 10_000);
      await shows(views.dnlc, '5 entries in 5/256 buckets — capacity 8192');
      const dnlcRows = await lines(views.dnlc);
      for (const want of ['lookups — hits 0 · misses 0', 'changes — enters 5 · removes 0', 'hash chains — longest 1 · average 1.00 (non-empty buckets)']) assert.ok(dnlcRows.includes(want), `the DNLC shows "${want}":\n${dnlcRows.join('\n')}`);
      const names = (await Promise.all((await kids(views.dnlc)).filter((b) => b.kind === 'bucket').map(async (b) => (await kids(views.dnlc, b)).map((e) => `${views.dnlc.getTreeItem(e).label} ${views.dnlc.getTreeItem(e).description}`)))).flat().sort();
      assert.deepEqual(names, ['10/lib → inode 11', '11/libc.so → inode 12', '2/etc → inode 20', '2/usr → inode 10', '20/passwd → inode 21']);
      await waitFor('the snapshot view to empty', async () => ((await kids(views.snapshotQueue)).length === 0 ? true : undefined), 10_000);
      await stopSessions();
    });

    test('tasks: mover run and mover test per file, run by the bundled CLI; a broken file\'s error becomes a problem through $mover', async () => {
      await api();
      const tasks = await vscode.tasks.fetchTasks({ type: 'mover' });
      const names = tasks.map((t) => t.name);
      for (const want of ['run examples/fig7-dnlc.mover', 'run examples/fig4-walk.mover', 'test examples/tests/fig7-dnlc.test.mover', 'run examples/tests/fig7-dnlc.test.mover']) assert.ok(names.includes(want), `tasks offer "${want}":\n${names.join('\n')}`);
      assert.ok(!names.includes('test examples/fig7-dnlc.mover'), 'no test task for a file without a .test');
      const run = tasks.find((t) => t.name === 'run examples/fig7-dnlc.mover')!;
      assert.deepEqual(run.definition, { type: 'mover', command: 'run', file: 'examples/fig7-dnlc.mover' });
      assert.deepEqual(run.problemMatchers, ['$mover']);
      const exec = run.execution as vscode.ProcessExecution;
      assert.ok(exec instanceof vscode.ProcessExecution, 'a process execution');
      assert.equal(path.basename(exec.args[0]), 'cli.js');
      assert.deepEqual(exec.args.slice(1), ['run', example('fig7-dnlc.mover')]);
      // A broken program (not open in an editor, so the language server says nothing of it).
      const broken = path.join(workspace(), 'broken-task.mover');
      await vscode.workspace.fs.writeFile(vscode.Uri.file(broken), new TextEncoder().encode('start:\n    mvo r1, 1\n    halt\n'));
      const task = await waitFor('the run task of the new file', async () => (await vscode.tasks.fetchTasks({ type: 'mover' })).find((t) => t.name === 'run broken-task.mover'));
      const ended = new Promise<number | undefined>((resolve) => {
        const d = vscode.tasks.onDidEndTaskProcess((e) => { if (e.execution.task.name === task.name) { d.dispose(); resolve(e.exitCode); } });
      });
      await vscode.tasks.executeTask(task);
      assert.equal(await ended, 1, 'mover run exits 1 on assembly errors');
      const diag = await waitFor('the problem from $mover', () => vscode.languages.getDiagnostics(vscode.Uri.file(broken)).find((d) => d.source === 'mover CLI'));
      assert.match(diag.message, /unknown instruction mvo/);
      assert.equal(diag.range.start.line, 1);
      assert.equal(diag.range.start.character, 4);
      assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    });

    test('dynamic debug configurations: one per program with its threads, one per .test (its thread layout); one launches', async () => {
      const mover = await api();
      const configs = await mover.dynamicConfigurations!.provideDebugConfigurations(vscode.workspace.workspaceFolders![0]);
      const byName = new Map(configs.map((c) => [c.name, c]));
      const fig7 = byName.get('examples/fig7-dnlc.mover: threads a on cpu0, b on cpu1');
      assert.ok(fig7, configs.map((c) => c.name).join('\n'));
      assert.deepEqual(fig7, { type: 'mover', request: 'launch', name: fig7.name, program: example('fig7-dnlc.mover'), stopOnEntry: true });
      assert.ok(byName.has('examples/fig5-layout.mover: thread main on cpu0'));
      assert.ok(byName.has('examples/missing-flush.mover: threads reader on cpu0, editor on cpu1'));
      const test = byName.get('examples/tests/fig7-dnlc.test.mover: test fig7_two_processors_look_up_paths (a_main on cpu0, b_main on cpu1)');
      assert.ok(test, configs.map((c) => c.name).join('\n'));
      assert.equal(test.test, 'fig7_two_processors_look_up_paths');
      assert.ok(!configs.some((c) => c.program === '${file}'), 'no generic entry');
      const stop = nextStop();
      assert.ok(await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], test));
      const session = await stop;
      const threads = await session.customRequest('threads') as { threads: { name: string }[] };
      assert.equal(threads.threads.length, 2, JSON.stringify(threads));
      await stopSessions();
    });

    test('inline values at a stop: the registers a line uses, and the stopped line\'s memory operand translated', async () => {
      const mover = await api();
      const { doc, line } = await runToLine('fig7-dnlc.mover', 'ld32 r2, [r1]', 'inline');
      const frame = await waitFor('the stopped frame', () => (vscode.debug.activeStackItem instanceof vscode.DebugStackFrame ? vscode.debug.activeStackItem : undefined));
      const context = { frameId: frame.frameId, stoppedLocation: new vscode.Range(line, 0, line, 0) };
      const values = await mover.inlineValues!.provideInlineValues(doc, new vscode.Range(0, 0, doc.lineCount - 1, 0), context) as vscode.InlineValueText[];
      const shown = values.map((v) => `${v.range.start.line}: ${v.text}`);
      // b_main: `mov r1, READY` (READY = 0x0090_0000), then the stop at `ld32 r2, [r1]`: VS0 (paging off), so PA = VA, in C1.
      assert.ok(shown.includes(`${line - 2}: r1 = 0x900000`), shown.join('\n'));
      const at = shown.find((s) => s.startsWith(`${line}: `));
      assert.match(at ?? '', /^\d+: r2 = 0x[0-9a-f]+, r1 = 0x900000, \[r1\] VS0 0x[0-9a-f_]+ → PA 0x90_0000 \(C1\)/, shown.join('\n'));
      assert.ok(values.every((v) => v.range.start.character === doc.lineAt(v.range.start.line).text.length), 'at the end of the line');
      await stopSessions();
    });

    test('the walkthrough, the editor title\'s Run and Debug, and the layout language status', async () => {
      const mover = await api();
      const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
      const [walk] = ext.packageJSON.contributes.walkthroughs as { id: string; steps: { id: string; media: { markdown: string }; description: string }[] }[];
      assert.equal(walk.id, 'gettingStarted');
      assert.deepEqual(walk.steps.map((s) => s.id), ['openExample', 'startDebugging', 'breakOnVsSwitch', 'readWalk', 'memoryByPa']);
      for (const s of walk.steps) assert.ok(existsSync(path.join(ext.extensionPath, s.media.markdown)), `${s.media.markdown} is in the package`);
      const commands = await vscode.commands.getCommands(true);
      for (const s of walk.steps) for (const [, id] of s.description.matchAll(/\(command:([\w.]+)/g)) assert.ok(commands.includes(id), `the step ${s.id} links to ${id}, a command`);
      await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#gettingStarted`, false);
      const menus = ext.packageJSON.contributes.menus['editor/title/run'] as { command: string; when: string }[];
      assert.deepEqual(menus.map((m) => [m.command, m.when]), [['mover.runEditorContents', 'resourceLangId == mover'], ['mover.debugEditorContents', 'resourceLangId == mover']]);
      // Run (no debugging): the program runs to its end and the session ends by itself.
      const doc = await vscode.workspace.openTextDocument(example('fig4-walk.mover'));
      await vscode.window.showTextDocument(doc);
      const ended = new Promise<vscode.DebugSession>((resolve) => { const d = vscode.debug.onDidTerminateDebugSession((s) => { d.dispose(); resolve(s); }); });
      assert.ok(await vscode.commands.executeCommand<boolean>('mover.runEditorContents'));
      const s = await ended;
      assert.equal(s.configuration.noDebug, true);
      assert.equal(s.configuration.program, doc.uri.fsPath);
      // The language status names the layout: the patent's (no mover.layout here).
      const status = mover.layoutStatus!;
      await waitFor('the layout status', () => (status.item.text === 'patent layout (default)' ? true : undefined), 5_000);
      assert.equal(status.item.command?.command, 'workbench.action.openSettings');
      // A layout file that does not load shows as an error with a link to it.
      const bad = path.join(workspace(), 'bad.layout.json');
      await vscode.workspace.fs.writeFile(vscode.Uri.file(bad), new TextEncoder().encode('{"chunks": 3}'));
      await vscode.workspace.getConfiguration('mover').update('layout', bad, vscode.ConfigurationTarget.Global);
      try {
        await waitFor('the layout status to name bad.layout.json', () => (status.item.text === 'layout bad.layout.json' ? true : undefined), 5_000);
        assert.equal(status.item.severity, vscode.LanguageStatusSeverity.Error);
        assert.deepEqual([status.item.command?.command, status.item.command?.arguments], ['mover.openLayoutFile', [bad]]);
        assert.match(status.item.detail ?? '', /not valid/);
      } finally {
        await vscode.workspace.getConfiguration('mover').update('layout', undefined, vscode.ConfigurationTarget.Global);
      }
      await waitFor('the layout status back to the patent layout', () => (status.item.text === 'patent layout (default)' ? true : undefined), 5_000);
    });

    test('the TLB sanitizer\'s findings go to the Problems view: the stale read an error related to the remap, the shootdown a warning; a new session clears them', async () => {
      const folder = vscode.workspace.workspaceFolders![0];
      const program = example('missing-flush.mover');
      const uri = vscode.Uri.file(program);
      const doc = await vscode.workspace.openTextDocument(uri);
      const lineOf = (marker: string) => doc.getText().split('\n').findIndex((l) => l.includes(marker));
      const tlbDiagnostics = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'mover-tlb');
      assert.ok(await vscode.debug.startDebugging(folder, { type: 'mover', request: 'launch', name: 'tlb', program, stopOnEntry: false, checkTlb: true }));
      const diags = await waitFor('the mover-tlb diagnostics', () => { const ds = tlbDiagnostics(); return ds.length >= 2 ? ds : undefined; });
      const err = diags.find((d) => d.severity === vscode.DiagnosticSeverity.Error);
      assert.ok(err, 'the stale read is an error');
      assert.equal(err.range.start.line, lineOf('BUG: the PTE says frame B'));
      assert.match(err.message, /^cpu0 read 0x2000_0000 in VS1 through a stale TLB entry .* made stale by cpu1's write of the PTE/);
      assert.equal(err.relatedInformation?.[0].location.uri.fsPath, program);
      assert.equal(err.relatedInformation?.[0].location.range.start.line, lineOf('PTE 0 now maps frame B'));
      const warn = diags.find((d) => d.severity === vscode.DiagnosticSeverity.Warning);
      assert.ok(warn, 'the missing shootdown is a warning');
      assert.equal(warn.range.start.line, lineOf('PTE 0 now maps frame B'));
      await waitFor('the session to end', () => (vscode.debug.activeDebugSession ? undefined : true), 10_000);
      assert.ok(await vscode.debug.startDebugging(folder, { type: 'mover', request: 'launch', name: 'shootdown', program: example('shootdown.mover'), stopOnEntry: false, checkTlb: true }));
      await waitFor('the findings to clear', () => (tlbDiagnostics().length === 0 ? true : undefined), 10_000);
      await waitFor('the session to end', () => (vscode.debug.activeDebugSession ? undefined : true), 10_000);
    });

    // ---- the memory view (issue 13's memory section, issue 17's struct overlays) ----------------------

    /** Waits until the panel's top page has rows read at a stop (bytes, not placeholders). */
    const memoryRows = (panel: MemoryPanel, what: string, ok: (rows: readonly MemoryRow[]) => boolean = () => true) =>
      waitFor(what, () => { const r = panel.lastShown?.rows; return r && r[0].bytes[0] >= 0 && panel.lastShown!.stopped && ok(r) ? r : undefined; }, 10_000)
        .catch((e: Error) => { throw new Error(`${e.message}; the view shows ${JSON.stringify({ state: panel.state, row0: panel.lastShown?.rows[0] })}`); });

    test('memory view: words of 1/2/4/8 bytes, the PA column and chunk band of VS1 (FIG. 5: 0x2000_0000 → PA 0x1_0000_0000 in C4), only the rows on screen read over 4 GiB, the address box takes expressions, Open in Hex Editor without the extension', async () => {
      await runToLine('fig7-dnlc.mover', '    mov r3, ROOT', 'memory');
      const panel = await vscode.commands.executeCommand<MemoryPanel | undefined>('mover.showMemory', 'vs1:0x2000_0000');
      assert.ok(panel);
      try {
        // dnlc_init_vs0 has run: lock 0, buckets 256, capacity 8192, used 0 (the DNLC table in C4).
        const rows = await memoryRows(panel, 'the DNLC table in VS1');
        assert.equal(panel.lastShown!.ref, 'vs1:0x2000_0000');
        assert.deepEqual(rows[0].bytes, [0, 0, 0, 0, 0, 1, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0]);
        // The PA column, hand-checked against FIG. 5's layout: VS1 maps C4 (PA 0x1_0000_0000) at VA 0x2000_0000.
        assert.deepEqual(rows.slice(0, 2).map((r) => [r.address, r.pa, r.chunk]), [[0x2000_0000, 0x1_0000_0000, 'C4'], [0x2000_0010, 0x1_0000_0010, 'C4']]);
        assert.deepEqual(panel.state?.chunks, ['C1', 'C2', 'C3', 'C4', 'C5']);
        // Words, little-endian.
        assert.deepEqual(rows[0].words, ['00', '00', '00', '00', '00', '01', '00', '00', '00', '20', '00', '00', '00', '00', '00', '00']);
        await panel.receive({ type: 'grouping', size: 2 });
        assert.deepEqual(panel.lastShown!.rows[0].words, ['0000', '0000', '0100', '0000', '2000', '0000', '0000', '0000']);
        await panel.receive({ type: 'grouping', size: 4 });
        assert.deepEqual(panel.lastShown!.rows[0].words, ['00000000', '00000100', '00002000', '00000000']);
        await panel.receive({ type: 'grouping', size: 8 });
        assert.deepEqual(panel.lastShown!.rows[0].words, ['0000010000000000', '0000000000002000']);
        assert.equal(panel.state?.grouping, 8, 'the panel keeps its grouping');
        await panel.receive({ type: 'grouping', size: 3 });
        assert.equal(panel.state?.grouping, 8, 'a size that is no word size is ignored');
        await panel.receive({ type: 'grouping', size: 4 });
        // Scrolled to the end of the 4 GiB space: the top is clamped, only the pages on screen are read
        // (one readMemory for the run, one mover/translations), and C3 is at the top of VS1 (identity, common).
        const before = panel.requestLog.length;
        await panel.receive({ type: 'view', top: 2 ** 32 - 16, rows: 40, need: [] });
        // 40 rows from 0xffff_fd80 (the last top that fills the screen): pages 0xffff_fd00..0xffff_ff00, one 4 KiB page.
        const high = panel.requestLog.slice(before).filter((r) => /0xffff_f/.test(r));
        assert.deepEqual(high, ['readMemory vs1:0xffff_fd00 +0 768', 'mover/translations VS1 0xffff_f000 4096'], 'one readMemory and one translations request for the rows on screen');
        const last = panel.rowAt(0xffff_fff0);
        assert.deepEqual([last?.pa, last?.chunk], [0xffff_fff0, 'C3']);
        assert.equal(panel.rowAt(0xffff_fc00), undefined, 'rows above the screen are not read');
        // The address box: an expression in the thread's space (n_usr, in VS0), then the same name in VS1 (C4 at 0x1_0100_0000).
        await panel.receive({ type: 'navigate', ref: 'n_usr' });
        assert.deepEqual([panel.state?.space, panel.state?.top, panel.state?.ref], ['VS0', 0x2100_0000, 'vs0:0x2100_0000']);
        await memoryRows(panel, '"usr" in VS0', (r) => r[0].address === 0x2100_0000);
        assert.deepEqual(panel.lastShown!.rows[0].bytes.slice(0, 3), [0x75, 0x73, 0x72]);
        assert.equal(panel.lastShown!.rows[0].pa, 0x2100_0000, 'VS0 has paging off: PA = VA');
        await panel.receive({ type: 'navigate', ref: 'vs1:n_usr' });
        assert.deepEqual([panel.state?.space, panel.state?.top], ['VS1', 0x2100_0000]);
        await memoryRows(panel, 'VS1 0x2100_0000', (r) => r[0].address === 0x2100_0000);
        assert.deepEqual([panel.lastShown!.rows[0].pa, panel.lastShown!.rows[0].chunk], [0x1_0100_0000, 'C4']);
        await panel.receive({ type: 'navigate', ref: 'nosuch_symbol' });
        assert.match(panel.state?.notice ?? '', /nosuch_symbol/);
        await panel.receive({ type: 'navigate', ref: 'vs1:0x2000_0000' });
        await memoryRows(panel, 'back at the table', (r) => r[0].address === 0x2000_0000);
        // A typed word is written (little-endian) and read back after the adapter's memory event.
        await panel.receive({ type: 'write', address: 0x2000_0018, bytes: [0x78, 0x56, 0x34, 0x12] });
        await waitFor('the written word', () => (panel.lastShown?.rows[1].words[2] === '12345678' ? true : undefined), 10_000);
        await panel.receive({ type: 'write', address: 0x2000_0018, bytes: [0, 0, 0, 0] });
        await waitFor('the word restored', () => (panel.lastShown?.rows[1].words[2] === '00000000' ? true : undefined), 10_000);
        // Open in Hex Editor: the debug-memory URI of the rows on screen; the hex editor is not installed here.
        const hexed = await panel.openInHexEditor();
        assert.equal(hexed.opened, false);
        assert.match(hexed.message ?? '', /Hex Editor extension \(ms-vscode\.hexeditor\) is not installed/);
        assert.match(panel.state?.notice ?? '', /not installed/);
        const uri = panel.hexEditorUri()!;
        assert.deepEqual([uri.scheme, uri.authority, uri.path, uri.query], ['vscode-debug-memory', vscode.debug.activeDebugSession!.id, `/${encodeURIComponent('vs1:0x2000_0000')}/memory.bin`, 'range=0:65536']);
        assert.deepEqual([...(await vscode.workspace.fs.readFile(uri)).subarray(0, 16)], [0, 0, 0, 0, 0, 1, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0], 'the URI reads the same bytes');
      } finally {
        panel.dispose();
        await stopSessions();
      }
    });

    test('memory view: a write to an unmapped address says so', async () => {
      const layout = {
        name: 'VS1 with a hole',
        chunks: [
          { name: 'C1', base: '0x0', size: '512M', purpose: 'stacks' }, { name: 'C2', base: '0x2000_0000', size: '3.25G', purpose: 'page tables' },
          { name: 'C3', base: '0xF000_0000', size: '256M', purpose: 'BIOS' }, { name: 'C4', base: '0x1_0000_0000', size: '3.25G', purpose: 'DNLC' },
        ],
        spaces: [{ name: 'VS0', paging: false }, { name: 'VS1', map: [{ va: '0x0', chunk: 'C1', global: true }, { va: '0x2000_0000', chunk: 'C4', size: '0x6020_0000' }, { va: '0xF000_0000', chunk: 'C3', global: true }] }],
        pageTables: { base: '0xEF00_0000', size: '16M' },
      };
      const program = path.join(workspace(), 'memory-hole.mover');
      await vscode.workspace.fs.writeFile(vscode.Uri.file(program), new TextEncoder().encode('.thread main, start, cpu=0\nstart:\n    mov r1, 1\n    halt\n'));
      const stop = nextStop();
      assert.ok(await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], { type: 'mover', request: 'launch', name: 'hole', program, stopOnEntry: true, layout }));
      await stop;
      const panel = await vscode.commands.executeCommand<MemoryPanel | undefined>('mover.showMemory', 'vs1:0x9000_0000');
      assert.ok(panel);
      try {
        await waitFor('the hole', () => (panel.lastShown?.stopped && panel.state?.session === 'stopped' ? true : undefined), 10_000);
        await panel.idle();
        assert.deepEqual([panel.lastShown!.rows[0].pa, panel.lastShown!.rows[0].bytes[0]], [null, -1], 'not mapped: no PA, unreadable');
        await panel.receive({ type: 'write', address: 0x9000_0004, bytes: [0xff] });
        assert.match(panel.state?.notice ?? '', /^Could not write vs1:0x9000_0004: .*not mapped in VS1/);
      } finally {
        panel.dispose();
        await stopSessions();
      }
    });

    test('memory view: follows r7 across two stops, marks the DNLC bytes changed since the last stop with their previous values, lays dnlc_table and dnlc_entry over memory; reattaches to the next session', async () => {
      const { doc } = await runToLine('fig7-dnlc.mover', '    mov r8, 3', 'follow');
      const follow = await vscode.commands.executeCommand<MemoryPanel | undefined>('mover.showMemory', 'vs0:0x0');
      const table = await vscode.commands.executeCommand<MemoryPanel | undefined>('mover.showMemory', 'vs1:0x2000_0000');
      assert.ok(follow && table);
      let opened: MemoryPanel | undefined;
      try {
        await memoryRows(table, 'the table at the first stop');
        // r7 = n_usr (0x2100_0000 in VS0): the view moves there.
        await follow.receive({ type: 'follow', expression: 'r7' });
        assert.deepEqual([follow.state?.follow, follow.state?.followed, follow.state?.space, follow.state?.top], ['r7', 0x2100_0000, 'VS0', 0x2100_0000]);
        await memoryRows(follow, 'r7\'s bytes', (r) => r[0].address === 0x2100_0000);
        assert.deepEqual(follow.lastShown!.rows[0].bytes.slice(0, 3), [0x75, 0x73, 0x72], '"usr"');
        // The struct overlay: the declared object dnlc (a dnlc_table at vs1:0x2000_0000).
        assert.ok(table.state?.structs.some((c) => c.kind === 'object' && c.name === 'dnlc' && c.type === 'dnlc_table' && c.ref === 'vs1:0x2000_0000'), JSON.stringify(table.state?.structs));
        assert.ok(table.state?.structs.some((c) => c.kind === 'struct' && c.name === 'dnlc_entry' && c.size === 40));
        await table.receive({ type: 'overlay', choice: 'o:dnlc' });
        const fields = () => table.state?.overlay?.fields.map((f) => `${f.name}=${f.value}`);
        assert.deepEqual(fields()?.slice(0, 6), ['lock=0  (0x0)', 'buckets=256  (0x100)', 'capacity=8192  (0x2000)', 'used=0  (0x0)', 'free=null', 'entries=0  (0x0)']);
        // Continue to after `mov r7, p_libc`: five enters later.
        const line = doc.getText().split('\n').findIndex((l) => l.includes('mov r7, p_libc')) + 1;
        const bp = new vscode.SourceBreakpoint(new vscode.Location(doc.uri, new vscode.Position(line, 0)));
        vscode.debug.addBreakpoints([bp]);
        const second = nextStop();
        await vscode.commands.executeCommand('workbench.action.debug.continue');
        await second;
        vscode.debug.removeBreakpoints([bp]);
        // Follow: r7 = p_libc = 0x2100_0016 ("usr" "lib" "libc.so" "etc" "passwd" before it): the row 0x2100_0010.
        await waitFor('follow to move', () => (follow.state?.followed === 0x2100_0016 ? true : undefined), 10_000);
        assert.equal(follow.state?.top, 0x2100_0010);
        await memoryRows(follow, 'p_libc\'s row', (r) => r[0].address === 0x2100_0000 && r[1].address === 0x2100_0010);
        // Changed since the last stop: used (offset 12) and entries (offset 20) went from 0 to 5.
        const rows = await memoryRows(table, 'the changed table', (r) => r[0].changed.includes(12));
        assert.deepEqual([rows[0].changed, rows[0].before, rows[0].bytes[12]], [[12], [0], 5]);
        assert.ok(rows[1].changed.includes(4) && rows[1].before[rows[1].changed.indexOf(4)] === 0 && rows[1].bytes[4] === 5, JSON.stringify(rows[1]));
        assert.deepEqual(rows[2].changed, [8], 'enters (offset 40)');
        await waitFor('the overlay refreshed', () => (fields()?.[3] === 'used=5  (0x5)' ? true : undefined), 10_000);
        // The first entry of the pool, /usr: a dnlc_entry laid over it; its typed pointer opens another view.
        await table.receive({ type: 'overlay', choice: 's:dnlc_entry', address: 0x2000_1000 });
        assert.deepEqual(fields(), ['next=null', 'parent=2  (0x2)', 'inode=10  (0xa)', 'namelen=3  (0x3)', 'name="usr"']);
        await table.receive({ type: 'openRef', ref: 'vs1:0x2000_1000', structType: 'dnlc_entry' });
        opened = table.lastOpened;
        assert.ok(opened);
        await waitFor('the opened view\'s overlay', () => (opened!.state?.overlay?.fields.length === 5 ? true : undefined), 10_000);
        assert.deepEqual([opened.state?.ref, opened.state?.overlay?.type, opened.state?.overlay?.ref], ['vs1:0x2000_1000', 'dnlc_entry', 'vs1:0x2000_1000']);
        opened.dispose();
        // The session ends: the view says so and keeps the last bytes (greyed in the webview).
        await table.receive({ type: 'overlay', choice: null });
        await stopSessions();
        await waitFor('no session', () => (table.state?.session === 'none' ? true : undefined), 10_000);
        assert.equal(table.lastShown!.rows[0].bytes[12], 5, 'the last bytes are kept');
        // The next Mover session: the same reference, read afresh (a new run: used is 0 again, nothing marked).
        await runToLine('fig7-dnlc.mover', '    mov r3, ROOT', 'again');
        const again = await memoryRows(table, 'the view reattached', (r) => r[0].bytes[12] === 0);
        assert.equal(table.state?.ref, 'vs1:0x2000_0000');
        assert.equal(table.state?.sessionName, 'again');
        assert.deepEqual(again[0].changed, [], 'a new session starts with no previous picture');
        assert.deepEqual([again[0].pa, again[0].chunk], [0x1_0000_0000, 'C4']);
      } finally {
        opened?.dispose();
        follow.dispose();
        table.dispose();
        await stopSessions();
      }
    });

    // Issue 13: the Page Walk's range, raw-CR3 and PTE -> VA modes; the chunk map in the editor and its
    // clicks; the snapshot queue's save-volume bars and FIG. 11 path; the order of the Mover views.
    test('the Page Walk walks a VA range, under a raw CR3 and from a PTE address back to its VAs; each row opens its memory', async () => {
      await stopSessions();
      const mover = await api();
      const walk = mover.views!.pageWalk;
      const { session } = await runToLine('fig4-walk.mover', 'call touch                      ; the same addresses again');
      // The views follow the new session once MoverSessions has seen its stop (not the one just ended).
      await waitFor('the views to see the stop', () => (mover.sessions!.stoppedSession?.id === session.id ? true : undefined));
      // A range: VS1 0x2000_0000..0x2040_0000 is one run onto C4 from 0x1_0000_0000 (FIG. 5, [00038]).
      // The last e2e run found the first walk after the stop empty (the view's load saw no stopped session
      // yet): the walk is asked again until the view shows it, and the wait says what it saw.
      await waitFor('the range walk', async () => {
        await vscode.commands.executeCommand('mover.pageWalk.walk', 'vs1 0x2000_0000 0x2040_0000');
        return walk.what === 'range 0x2000_0000..0x203f_ffff, VS1' ? true : undefined;
      }, 10_000).catch((e: Error) => { throw new Error(`${e.message}: ${JSON.stringify({ what: walk.what, nodes: walk.nodes, pinned: walk.pinned, stopped: !!mover.sessions!.stoppedSession })}`); });
      assert.equal(walk.viewDescription, 'range 0x2000_0000..0x203f_ffff, VS1');
      assert.deepEqual(await lines(walk), ['VS1 0x2000_0000 – 0x203f_ffff — CR3 0xef00_0000 · 1 mapped range', '0x2000_0000 – 0x203f_ffff — 4M → 0x1_0000_0000 (C4)  RW U']);
      const run = (await kids(walk)).map((n) => walk.getTreeItem(n))[1];
      assert.deepEqual([run.command?.command, run.command?.arguments], ['mover.showMemory', ['vs1:0x2000_0000']]);
      // The whole space with L LEN: C1 (global), C4, C3.
      await vscode.commands.executeCommand('mover.pageWalk.walk', 'vs1:0 L 0x1_0000_0000');
      assert.deepEqual((await lines(walk)).slice(1), ['0x0000_0000 – 0x1fff_ffff — 512M → 0x0 (C1)  RW U G', '0x2000_0000 – 0xefff_ffff — 3.25G → 0x1_0000_0000 (C4)  RW U', '0xf000_0000 – 0xffff_ffff — 256M → 0xf000_0000 (C3)  RW U G']);
      // Clipped rows end in "N more".
      const clipped = rangeNodes({ space: 'VS1', cr3: '0xef00_0000', start: '0x0000_0000', last: '0xffff_ffff', rows: [], total: 250, more: 250 });
      assert.deepEqual(clipped.map((n) => n.label).slice(-1), ['250 more']);
      // Under a raw CR3: VS2's PDPT by its address walks VS2; a CR3 that holds no tables faults at the PDPTE.
      await vscode.commands.executeCommand('mover.pageWalk.walk', 'cr3=0xef00_0020 0x2000_0000');
      assert.equal(walk.what, 'typed address, under CR3 0xef00_0020 (VS2)');
      assert.ok((await lines(walk)).includes('PA — 0x1_d000_0000  (C5)'), (await lines(walk)).join('\n'));
      await vscode.commands.executeCommand('mover.pageWalk.walk', 'cr3=0x7000 0x2000_0000');
      assert.equal(walk.current?.space, 'CR3=0x7000');
      assert.ok((await lines(walk)).some((l) => /^fault — not-present at the PDPTE/.test(l)), (await lines(walk)).join('\n'));
      // PTE address -> VA: the PTE of VS1's 0x2000_1000 (any byte of the entry names it).
      await vscode.commands.executeCommand('mover.pageWalk.walk', 'pa:0xef10_200c');
      assert.equal(walk.what, 'PTE address → VA: 0xef10_2008');
      assert.deepEqual(await lines(walk), ['PA 0xef10_2008 — the paging-structure entry of 1 mapping', 'VS1 PTE — 0x2000_1000 – 0x2000_1fff  4K']);
      assert.deepEqual((await kids(walk)).map((n) => walk.getTreeItem(n).command?.arguments), [['pa:0xef10_2008'], ['vs1:0x2000_1000']]);
      // What the box refuses says what it takes.
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('mover.pageWalk.walk', '0x1000 0x2000 0x3000')), /VA, range or PTE address/);
      // The title action is there.
      const menus = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.menus['view/title'] as { command: string; when: string }[];
      assert.ok(menus.some((m) => m.command === 'mover.pageWalk.walk' && m.when === 'view == mover.pageWalk'));
      await stopSessions();
    });

    test('the chunk map opens in the editor area; a click on a chunk or a mapping opens its memory (pa:BASE, vsN:VA)', async () => {
      await stopSessions();
      const mover = await api();
      const map = mover.views!.chunkMap;
      await runToLine('fig4-walk.mover', 'call touch                      ; the same addresses again');
      const panel = await vscode.commands.executeCommand<vscode.WebviewPanel>('mover.openChunkMapInEditor');
      assert.equal(panel.viewType, 'mover.chunkMapEditor');
      assert.equal(panel.title, 'Chunk Map (FIG. 5)');
      // Opening it again reveals the same panel.
      assert.equal(await vscode.commands.executeCommand<vscode.WebviewPanel>('mover.openChunkMapInEditor'), panel);
      const layout = await waitFor('the layout', () => map.layout ?? undefined);
      const targets = clickTargets(layout);
      // Each chunk opens at its base, each mapping at its first VA in its space.
      for (const want of [['C1', 'pa:0x0'], ['C4', 'pa:0x1_0000_0000'], ['C5', 'pa:0x1_d000_0000'], ['VS1 C4', 'vs1:0x2000_0000'], ['VS2 C5', 'vs2:0x2000_0000'], ['VS1 C3', 'vs1:0xf000_0000']]) {
        assert.ok(targets.some((t) => t.what === want[0] && t.ref === want[1]), `${want[0]} opens ${want[1]}: ${JSON.stringify(targets)}`);
      }
      assert.equal(targets.length, layout.chunks.length + layout.spaces.reduce((a, s) => a + s.mappings.length, 0));
      // The click's message runs mover.showMemory with the reference: a memory view at C4's base.
      const c4 = await map.receive({ type: 'openMemory', ref: 'pa:0x1_0000_0000' }) as MemoryPanel;
      await waitFor('C4 memory', () => (c4.lastShown?.rows.length ? true : undefined));
      assert.deepEqual([c4.lastShown!.space, c4.lastShown!.rows[0].address], ['PA', 0x1_0000_0000]);
      c4.dispose();
      const vs2 = await map.receive({ type: 'openMemory', ref: 'vs2:0x2000_0000' }) as MemoryPanel;
      await waitFor('VS2 memory', () => (vs2.lastShown?.rows.length ? true : undefined));
      assert.deepEqual([vs2.lastShown!.space, vs2.lastShown!.rows[0].address], ['VS2', 0x2000_0000]);
      vs2.dispose();
      panel.dispose();
      await stopSessions();
    });

    test('the snapshot queue: each save volume\'s use as a bar, and FIG. 11\'s last read drawn step by step through the entries it visited', async () => {
      await stopSessions();
      const mover = await api();
      const q = mover.views!.snapshotQueue;
      // Stopped before the fifth check: the last read was snapshot 1, block 3: 1 -> 2 -> 3 -> the clone.
      await runToLine('fig11-three-snapshots.mover', 'call check                          ; 2 -> 3 -> clone');
      await shows(q, 'last read: snapshot 1, block 3 — 1 → 2 → 3 → clone');
      const rows = await lines(q);
      const at = rows.indexOf('last read: snapshot 1, block 3 — 1 → 2 → 3 → clone');
      assert.deepEqual(rows.slice(at + 1, at + 5), [
        '  1. snapshot 1 — bit 3 clear (522), not the tail: read snapshot 2 (526)',
        '  2. snapshot 2 — bit 3 clear (522), not the tail: read snapshot 3 (526)',
        '  3. snapshot 3 — bit 3 clear (522), the tail: read the clone (527)',
        '  4. the clone — block 3 read from CLONE (527)',
      ]);
      // Each entry: its save volume (1 of 4 blocks used, a quarter of the bar) and which step of the read it was.
      const entry = (id: number) => rows.slice(rows.findIndex((r) => r.startsWith(`snapshot ${id} — `)) + 1).slice(0, 4);
      assert.deepEqual(entry(1).slice(2), ['  save volume — ▰▰▰▱▱▱▱▱▱▱ 1/4 blocks used', '  last read, step 1 of 4 — bit 3 clear (522), not the tail: read snapshot 2 (526)']);
      assert.deepEqual(entry(3).slice(2), ['  save volume — ▰▰▰▱▱▱▱▱▱▱ 1/4 blocks used', '  last read, step 3 of 4 — bit 3 clear (522), the tail: read the clone (527)']);
      await stopSessions();
      // [00052]: the read of block 7 looked in snapshot 1 only and read the clone; its save volume holds a0 and b0 (2 of 8).
      await runToLine('snapshot-00052.mover', 'print "snapshot 1 reads');
      await shows(q, 'last read: snapshot 1, block 7 — 1 → clone');
      const r52 = await lines(q);
      assert.ok(r52.includes('  save volume — ▰▰▰▱▱▱▱▱▱▱ 2/8 blocks used'), r52.join('\n'));
      assert.ok(r52.includes('  last read, step 1 of 2 — bit 7 clear (522), the tail: read the clone (527)'), r52.join('\n'));
      await stopSessions();
    });

    test('the Mover views in Run and Debug: the machine first, each with an icon and a one-line description', async () => {
      await stopSessions();
      const mover = await api();
      const views = mover.views!;
      const debug = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.views.debug as { id: string; name: string; icon?: string }[];
      // The debug container is VS Code's: contributed views keep their declaration order there (no order field).
      assert.deepEqual(debug.map((v) => v.name), ['Control Registers', 'Page Walk', 'TLB', 'Chunk Map', 'Snapshot Queue', 'DNLC', 'Compare Across Spaces', 'Machine Diff']);
      for (const v of debug) assert.match(v.icon ?? '', /^\$\([\w-]+\)$/, `${v.name} has an icon`);
      await runToLine('fig11-three-snapshots.mover', 'call check                          ; 2 -> 3 -> clone');
      await waitFor('the views to describe themselves', () => (views.controlRegisters.viewDescription && views.tlb.viewDescription ? true : undefined));
      for (const [name, d] of [['Control Registers', views.controlRegisters.viewDescription], ['Page Walk', views.pageWalk.viewDescription], ['TLB', views.tlb.viewDescription], ['Snapshot Queue', views.snapshotQueue.viewDescription], ['DNLC', views.dnlc.viewDescription], ['Chunk Map', (views.chunkMap.constructor as { description?: string }).description]] as const) {
        assert.ok(d && d.length > 10 && !d.includes('\n'), `${name} has a one-line description: ${JSON.stringify(d)}`);
      }
      await stopSessions();
    });

    test('Machine Diff: after a step, what it changed in the whole machine: the TLB fill, the Accessed bits of the walk, grouped and clickable', async () => {
      const mover = await api();
      const views = mover.views!;
      // machine-diff.mover: the line that touches VS1's 0x2000_0000 through the PTE the program rewrote.
      await runToLine('machine-diff.mover', 'ld32 r5, [r3]', 'machine diff');
      try {
        const step = nextStop();
        await vscode.commands.executeCommand('workbench.action.debug.stepOver');
        await step;
        await shows(views.diff, 'TLB — 1 filled · 0 evicted');
        const rows = await lines(views.diff);
        const want = [
          'Memory — 2 bytes in 2 ranges',
          '  C2 — 2 ranges',
          '    pa:0xef00_1800 (1 byte) — 07 -> 27 · VS0:0xef00_1800',
          'Page tables — 2 entries',
          '  PTE at pa:0xef10_2000 — 0x0000_0001_0000_5007 (0x1_0000_5000 P RW U) -> 0x0000_0001_0000_5027 (0x1_0000_5000 P RW U A) · maps VS1 0x2000_0000 (4K)',
          '  cpu0 — 1 filled · 0 evicted',
          '    fill 0x2000_0000 — → 0x1_0000_5000',
        ];
        for (const w of want) assert.ok(rows.includes(w), `the Machine Diff shows "${w}":\n${rows.join('\n')}`);
        assert.ok(rows.some((r) => /^ {2}main pc — \d+ → \d+$/.test(r)), rows.join('\n'));
        // The PTE opens the walk of the VA it maps; a memory range opens its bytes.
        const [, tables] = await kids(views.diff);
        const [pde, pte] = await kids(views.diff, tables);
        assert.deepEqual(views.diff.getTreeItem(pte).command?.arguments, ['vs1:0x2000_0000']);
        assert.equal(views.diff.getTreeItem(pte).command?.command, 'mover.walkAddress');
        assert.ok(pde);
        const [memory] = await kids(views.diff);
        const [c2] = await kids(views.diff, memory);
        const [first] = await kids(views.diff, c2);
        assert.deepEqual([views.diff.getTreeItem(first).command?.command, views.diff.getTreeItem(first).command?.arguments], ['mover.showMemory', ['pa:0xef00_1800']]);
      } finally {
        await stopSessions();
      }
    });
  });
}
