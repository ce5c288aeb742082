/* global document, getComputedStyle */
// The real-VS-Code tests: builds the .vsix, starts code-server (a real VS Code) on 127.0.0.1 and
//   1. runs the extension integration suite (test/e2e/suite, mocha inside the extension host) through
//      the smoke-test driver's payload, with the extension unpacked from the .vsix;
//   2. drives the UI with playwright-core in Debian's chromium: an example with its colours, a live
//      hover, a debug session with the Mover views; screenshots go to test-results/.
//   3. where a desktop VS Code is available (VSCODE_EXECUTABLE_PATH; on Linux with a display, e.g. under
//      xvfb-run), runs the same integration suite under @vscode/test-electron, so the desktop path
//      stays real too.
// Exit code 0 when all that ran passed. Makes the cache of test/e2e/prepare.sh ready first (fresh-install.mjs:
// when its marker is absent, the from-scratch install is itself a test).
//   node test/e2e/run.mjs [--skip-ui] [--skip-suite]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { runTests } from '@vscode/test-electron';
import { ensureCache } from './fresh-install.mjs';
import { testExplorerUi } from './ui-testing.mjs';
import { addressMenuUi, editorTitleButtonUi, inlineValuesUi, layoutSchemaUi, sanitizerUi, taskProblemUi, walkthroughUi } from './ui-workbench.mjs';
import { acceptQuickInput, consoleEval, consoleLines, endSession, goToLine, paused, quickOpen, runCommand, stackLine, step, stopAt, waitFor } from './ui-driver.mjs';
import { e2ePaths, installExtension, makeHome, startCodeServer } from './vscode.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const results = path.join(root, 'test-results');
const args = new Set(process.argv.slice(2));
const t0 = Date.now();
const log = (m) => process.stdout.write(`e2e [${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status})`);
}

const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function browser() {
  return chromium.launch({ executablePath: e2ePaths().chromium, args: BROWSER_ARGS, headless: true });
}

function workspace() {
  const ws = mkdtempSync(path.join(tmpdir(), 'mover-ws-'));
  cpSync(path.join(root, 'examples'), path.join(ws, 'examples'), { recursive: true });
  return ws;
}

/** The extension as the .vsix holds it, unpacked under `dir`: its folder. */
function unpack(vsix, dir) {
  const ext = path.join(dir, 'ext');
  mkdirSync(ext);
  run('unzip', ['-q', vsix, 'extension/*', '-d', ext]);
  return path.join(ext, 'extension');
}

/** Phase 1: the integration suite in the extension host; resolves to its exit code. */
async function integrationSuite(vsix) {
  const home = makeHome();
  const extPath = unpack(vsix, home.home);
  const ws = workspace();
  const cs = await startCodeServer(home, { smokeTestDriver: true });
  const b = await browser();
  try {
    const page = await b.newPage({ viewport: { width: 1400, height: 900 } });
    let done;
    const exited = new Promise((resolve) => { done = resolve; });
    await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
      const line = format(...(Array.isArray(logArgs) ? logArgs : [logArgs]));
      if (line.trim()) process.stdout.write(`  | ${line}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => done(code));
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', `vscode-remote://remote${extPath}`],
      ['extensionTestsPath', `vscode-remote://remote${path.join(root, 'out', 'e2e', 'index.js')}`],
    ]);
    await page.goto(`${cs.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
    const timer = setTimeout(() => done(124), 240_000);
    timer.unref();
    const code = await exited;
    clearTimeout(timer);
    await page.screenshot({ path: path.join(results, 'suite-end.png') }).catch(() => {});
    if (code !== 0) process.stdout.write(`code-server log:\n${cs.logs.join('').slice(-4000)}\n`);
    return code;
  } finally {
    await b.close();
    await cs.stop();
    rmSync(home.home, { recursive: true, force: true });
  }
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(results, `${name}.png`) });
  log(`screenshot test-results/${name}.png`);
}

/** Phase 2: the UI, driven like a person would, with screenshots. */
async function ui(vsix) {
  const home = makeHome();
  installExtension(home, vsix);
  const ws = workspace();
  const cs = await startCodeServer(home);
  const b = await browser();
  let page;
  try {
    page = await b.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${cs.url}/?folder=${encodeURIComponent(ws)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'examples' }).first().waitFor({ timeout: 60_000 });
    // The secondary side bar (empty here) takes room the views and editors need in the screenshots.
    if (await page.locator('.part.auxiliarybar').isVisible()) await runCommand(page, 'View: Close Secondary Side Bar');
    // Open an example from the Explorer, as a person would.
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'examples' }).first().click({ timeout: 30_000 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'fig5-layout.mover' }).first().click({ timeout: 30_000 });
    await page.waitForSelector('.monaco-editor .view-line', { timeout: 30_000 });
    // The grammar colours the text once the tokenizer has run: wait for several distinct colours.
    const colourCount = () => new Set([...document.querySelectorAll('.monaco-editor .view-line span[class*="mtk"]')].map((s) => getComputedStyle(s).color)).size;
    let colours = 0;
    for (const until = Date.now() + 30_000; Date.now() < until && colours < 4; await page.waitForTimeout(250)) colours = await page.evaluate(colourCount);
    if (colours < 4) throw new Error(`the editor shows only ${colours} colours: the grammar is not applied`);
    // Tokenization finishes in the background (until then brackets in comments take bracket-pair colours)
    // and the language server's semantic tokens come after it: wait until the colours stop changing.
    const palette = () => page.evaluate(() => [...document.querySelectorAll('.monaco-editor .view-line span[class*="mtk"]')].map((s) => s.className).join(' '));
    let previous = '', steady = 0;
    await waitFor(page, async () => { const now = await palette(); steady = now === previous ? steady + 1 : 0; previous = now; return steady >= 5; }, 'the editor\'s colours to settle', 30_000);
    await shot(page, 'editor-colours');
    // Start debugging: F5 on a .mover file, no launch.json. It stops on entry at `call boot_cpu`.
    const fig5 = readFileSync(path.join(ws, 'examples', 'fig5-layout.mover'), 'utf8').split('\n');
    const entryLine = fig5.findIndex((l) => l.includes('call boot_cpu')) + 1;
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('F5');
    await page.waitForSelector('.debug-toolbar', { timeout: 60_000 });
    await page.waitForSelector('text=Control Registers', { timeout: 30_000 });
    await widenSideBar(page, 560);
    await waitFor(page, async () => (await stackLine(page)) === entryLine, `the entry stop at line ${entryLine} in the editor`, 30_000);
    await editorIsTheFile(page, 'fig5-layout.mover');
    await shot(page, 'debug-start');
    await disassemblyShowsInstructions(page, 'call boot_cpu');
    // Step into VS1 a little (over boot, the prints and the call of enter_paged's CR3 load and paging-on),
    // to the line after VS1's print: stepped until there, as a step can land on a line twice when a stop
    // is reported late on a busy machine.
    const afterVs1Print = fig5.findIndex((l) => l.includes('print "VS1 reads')) + 2;
    for (let i = 0; i < 12 && (await stackLine(page)) !== afterVs1Print; i++) await step(page, 'F10');
    if ((await stackLine(page)) !== afterVs1Print) throw new Error(`F10 did not reach line ${afterVs1Print} (after VS1's print)`);
    await outputOnceAcrossTimeTravel(page, ['VS0 reads', 'VS1 reads']);
    // The console: cpu0 now runs in VS1, so CR3 holds VS1's PDPT.
    await consoleEval(page, 'cr3', /0xef000000 \(4009754624\)/);
    await consoleEval(page, 'vs1:[0x0080_0000]:64', /0xc1c0ffee/);
    await shot(page, 'debug-console');
    log('console: cr3 and a memory read in VS1 answered in the Debug Console');
    const header = (name) => page.locator('.pane-header', { hasText: name }).first();
    for (const name of ['Variables', 'Watch', 'Call Stack', 'Breakpoints']) {
      const h = header(name);
      if ((await h.getAttribute('aria-expanded')) === 'true') await h.click();
    }
    for (const [name, file, expect] of [['Control Registers', 'view-control-registers', 'cpu0'], ['Page Walk', 'view-page-walk', null], ['TLB', 'view-tlb', 'cpu0'], ['Chunk Map', 'view-chunk-map', null]]) {
      const h = header(name);
      if ((await h.getAttribute('aria-expanded')) !== 'true') await h.click();
      // The chunk map is a webview: wait for its drawing (its frames load after the pane opens).
      if (name === 'Chunk Map') await frameText(page, 'Physical');
      else if (expect) await page.locator('.pane-body .monaco-list-row', { hasText: expect }).first().waitFor({ timeout: 15_000 });
      else await page.locator('.pane-header[aria-expanded="true"] + .pane-body .monaco-list-row').first().waitFor({ timeout: 15_000 }).catch(() => {});
      await shot(page, file);
      await h.click();
    }
    await shot(page, 'debug-views');
    await hoverShowsSpaces(page, '0x0080_0000', fig5.findIndex((l) => l.includes('0x0080_0000')) + 1);
    // The snapshot queue after [00052] and the DNLC after FIG. 7's enters: a breakpoint set with F9, F5.
    await stopAt(page, ws, 'snapshot-00052.mover', 'print "snapshot 1 reads');
    await showView(page, 'Snapshot Queue', 'view-snapshot-queue', 'last read');
    await stopAt(page, ws, 'fig7-dnlc.mover', '    mov r1, READY');
    await showView(page, 'DNLC', 'view-dnlc', 'enters 5');
    const snap = (name) => shot(page, name);
    // Issue 19's checks: each one's failure is kept and the others still run; all are reported at the end.
    const failures = [];
    const check = async (what, f) => {
      try { await f(); log(what); } catch (e) {
        failures.push(`${what}: ${e.message}`);
        await shot(page, `ui-failure-${failures.length}`).catch(() => {});
        await page.keyboard.press('Escape').catch(() => {});
      }
    };
    await check('inline values: the registers of the line and [r1] translated, at the end of the stopped line', () => inlineValuesUi(page, snap));
    await check('editor title: the Run/Debug Mover Program button on a .mover file', () => editorTitleButtonUi(page, snap));
    await check('compare and menus: Compare Across Spaces shows 0x2000_0000 in C2, C4 and C5; an address\'s context menu offers Open Memory, Copy Address, Walk, Whereis, Compare Across Spaces and Add Data Breakpoint', () => addressMenuUi(page, snap));
    await hostileLabels(page, ws);
    await hoverWhileRunning(page, ws);
    await check('memory view: the PA column and C4 band, typed hex written, words of 4, the dnlc overlay, wheel scrolling, greyed rows after the session', async () => (await import('./ui-memory.mjs')).memoryUi(page, ws, results));
    await check('views (issue 13): stop-to-painted timings, Page Walk range and PTE, the chunk map in the editor and its clicks, the snapshot bars and read path, pane order', async () => (await import('./ui-views.mjs')).uiViews(page, ws, results));
    await check('sanitizer and machine diff: the Stale TLB use filter stops missing-flush.mover at the stale read, the Problems view lists it, the Machine Diff shows the remapped PTE and the TLB', () => sanitizerUi(page, snap));
    await testExplorerUi(page, ws, results);
    log('test explorer: a failing test shows failed, at its assert\'s line with the values');
    await check('tasks: mover: run broken-task.mover puts its assembler error in the Problems view ($mover)', () => taskProblemUi(page, ws, snap));
    await check('walkthrough: opens with its five steps and their markdown', () => walkthroughUi(page, snap));
    await check('layout schema: a layout file with a wrong type is flagged in the Problems view', () => layoutSchemaUi(page, ws, snap));
    if (failures.length) throw new Error(`${failures.length} check(s) failed:\n  ${failures.join('\n  ')}`);
    if (process.env.MOVER_README_SCREENSHOTS) {
      // The README's pictures, from this run (npm run test:e2e with MOVER_README_SCREENSHOTS=1).
      const dir = path.join(root, 'docs', 'screenshots');
      mkdirSync(dir, { recursive: true });
      for (const name of README_SCREENSHOTS) cpSync(path.join(results, `${name}.png`), path.join(dir, `${name}.png`));
      log(`README screenshots copied to ${path.relative(root, dir)}`);
    }
    return 0;
  } catch (e) {
    await page?.screenshot({ path: path.join(results, 'ui-failure.png') }).catch(() => {});
    throw e;
  } finally {
    await b.close();
    await cs.stop();
    rmSync(home.home, { recursive: true, force: true });
  }
}

/** The screenshots the README shows (docs/screenshots/), each taken by the UI run. */
const README_SCREENSHOTS = ['debug-start', 'view-control-registers', 'view-page-walk', 'view-tlb', 'view-chunk-map', 'view-snapshot-queue', 'view-dnlc', 'view-compare', 'hover-translation', 'inline-values', 'disassembly', 'test-explorer'];

/** Phase 3: the same suite in a desktop VS Code through @vscode/test-electron; resolves to its exit code. */
async function electronSuite(vsix, executable) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mover-electron-'));
  try {
    const extPath = unpack(vsix, dir);
    return await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: extPath,
      extensionTestsPath: path.join(root, 'out', 'e2e', 'index.js'),
      launchArgs: [workspace(), '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', path.join(dir, 'user'), '--extensions-dir', path.join(dir, 'extensions'), '--no-sandbox', '--disable-gpu'],
    }).then(() => 0, (e) => { log(`test-electron: ${e.message ?? e}`); return 1; });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


/** Drags the side bar's edge so the views' descriptions fit in the screenshots. */
async function widenSideBar(page, width) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width + 1, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 8 });
  await page.mouse.up();
}

/**
 * Starts the launch.json configuration `name` through Debug: Select and Start Debugging, once VS Code has
 * read the launch.json just written (the status bar names the selected configuration): a picker opened
 * before that would not list it.
 */
async function startConfiguration(page, name) {
  await page.locator('.statusbar-item', { hasText: name }).first().waitFor({ timeout: 30_000 });
  await runCommand(page, 'Debug: Select and Start Debugging');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.type(name);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
  await acceptQuickInput(page);
}

/** Expands one view of the Run and Debug side bar (others collapsed), waits for `expect`, takes a screenshot. */
async function showView(page, name, file, expect) {
  for (const h of await page.locator('.sidebar .pane-header:visible').all()) {
    const label = (await h.getAttribute('aria-label')) ?? '';
    if ((await h.getAttribute('aria-expanded')) === 'true' && !label.startsWith(name)) await h.click();
  }
  const h = page.locator('.pane-header', { hasText: name }).first();
  if ((await h.getAttribute('aria-expanded')) !== 'true') await h.click();
  await page.waitForSelector(`.pane-body .monaco-list-row:has-text("${expect}")`, { timeout: 30_000 });
  await shot(page, file);
}

/** The editor at a stop is the file itself, not a read-only debug: copy: one tab, and it takes an edit. */
async function editorIsTheFile(page, name) {
  const tabs = await page.locator('.tabs-container .tab', { hasText: name }).count();
  if (tabs !== 1) throw new Error(`at the stop ${tabs} tabs show ${name}: the stop opened a copy of the file`);
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 10_000 });
  const editor = page.locator('.editor-group-container.active .monaco-editor').first();
  const lineText = () => editor.locator('.view-line').evaluateAll((lines) => lines.map((l) => l.textContent).join('\n'));
  const before = await lineText();
  await editor.locator('.view-lines').click();
  await page.keyboard.press('End');
  await page.keyboard.type('~');
  await waitFor(page, async () => (await lineText()) !== before, `${name} to take an edit (a read-only copy would refuse it)`);
  await page.keyboard.press('Control+Z');
  await waitFor(page, async () => (await lineText()) === before, `${name} to be as it was after undo`);
  log(`stop: ${name} is shown once, in its own editable editor`);
}

/** VS Code's Disassembly view shows the program's instructions around the current one. */
async function disassemblyShowsInstructions(page, instruction) {
  await runCommand(page, 'Open Disassembly View');
  const view = page.locator('.disassembly-view');
  await view.waitFor({ timeout: 20_000 });
  await waitFor(page, async () => (await view.innerText()).includes(instruction), `the Disassembly view to show ${instruction}`, 20_000);
  const text = await view.innerText();
  if (/\?\?/.test(text)) throw new Error('the Disassembly view shows ?? rows');
  await shot(page, 'disassembly');
  log('disassembly: the Disassembly view shows the program around the current instruction');
  await runCommand(page, 'View: Close Editor');
}

/** Each program output line shows once in the Debug Console, also after three steps back and forward again. */
async function outputOnceAcrossTimeTravel(page, markers) {
  const counts = async () => {
    const lines = await consoleLines(page);
    return markers.map((m) => lines.filter((l) => l.includes(m)).length);
  };
  await runCommand(page, 'Debug: Focus on Debug Console View');
  await waitFor(page, async () => (await counts()).every((n) => n === 1), `one line each of ${markers.join(', ')} in the Debug Console`);
  const line = await stackLine(page);
  for (let i = 0; i < 3; i++) await step(page, 'debug-step-back');
  for (let i = 0; i < 3; i++) await step(page, 'F10');
  // Stepping back entered enter_paged (its ret), so the way forward is 47 -> 48 -> 29 -> 30; a loaded
  // workbench can report one of those stops late: step on (at most twice more) until the line is reached.
  for (let extra = 0; extra < 2 && (await stackLine(page)) !== line; extra++) await step(page, 'F10');
  await waitFor(page, async () => (await stackLine(page)) === line, `stepping back and forward again to end at line ${line}`);
  const after = await counts();
  if (after.some((n) => n !== 1)) throw new Error(`after stepping back and forward the console shows ${markers.map((m, i) => `${after[i]}× ${m}`).join(', ')}`);
  log('output: each line once after three steps back and three forward');
}

/** Hovering an address in the source while stopped shows it in every space. */
async function hoverShowsSpaces(page, text, line) {
  // Bring its line into view first (Go to Line), as a person scrolls to it.
  await goToLine(page, line);
  const target = page.locator('.editor-group-container.active .monaco-editor .view-line span', { hasText: text }).first();
  await target.waitFor({ timeout: 10_000 });
  await target.hover();
  const hover = page.locator('.debug-hover-widget, .monaco-hover').filter({ hasText: 'VS1' }).first();
  await hover.waitFor({ timeout: 15_000 });
  const shown = await hover.innerText();
  for (const want of ['VS0', 'VS1', 'VS2', 'C1']) if (!shown.includes(want)) throw new Error(`the hover on ${text} does not show ${want}: ${shown}`);
  await shot(page, 'hover-translation');
  log(`hover: ${text} shown in VS0, VS1 and VS2`);
}

const HOSTILE = '<img src=x onerror="document.title=\'pwned\'">';

/**
 * Program-provided text must not become markup: a layout whose name and chunk purposes are HTML, and a
 * program whose string is HTML, shown in the chunk map and a memory view. The text must appear as text,
 * and no element may be created from it.
 */
async function hostileLabels(page, ws) {
  const layout = {
    name: `hostile ${HOSTILE}`,
    chunks: [
      { name: 'C1', base: '0x0', size: '512M', purpose: `stacks <script>document.title='pwned'</script>` },
      { name: 'C2', base: '0x2000_0000', size: '3.25G', purpose: HOSTILE },
      { name: 'C3', base: '0xF000_0000', size: '256M', purpose: 'BIOS' },
      { name: 'C4', base: '0x1_0000_0000', size: '3.25G', purpose: HOSTILE },
    ],
    spaces: [{ name: 'VS0', paging: false }, { name: 'VS1', purpose: HOSTILE, map: [{ va: '0x0', chunk: 'C1', global: true }, { va: '0x2000_0000', chunk: 'C4' }, { va: '0xF000_0000', chunk: 'C3', global: true }] }],
    pageTables: { base: '0xEF00_0000', size: '16M' },
  };
  writeFileSync(path.join(ws, 'hostile.mover'), `; strings and layout text that look like HTML\n.thread main, start, cpu=0\n.org vs0:0x2100_0000\nevil: .asciz "${HOSTILE.replace(/"/g, '\\"')}"\nstart:\n    mov r1, evil\n    halt\n`);
  mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  writeFileSync(path.join(ws, '.vscode', 'launch.json'), JSON.stringify({ version: '0.2.0', configurations: [{ type: 'mover', request: 'launch', name: 'hostile', program: '${workspaceFolder}/hostile.mover', stopOnEntry: true, layout }] }, null, 2));
  await endSession(page);
  await startConfiguration(page, 'hostile');
  await page.waitForSelector('.debug-toolbar', { timeout: 60_000 });
  await waitFor(page, () => paused(page), 'the hostile program to stop on entry', 60_000);
  await showViewFrame(page, 'Chunk Map');
  // A memory view of the string.
  await runCommand(page, 'Mover: Show Memory');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.type('vs0:0x2100_0000');
  await acceptQuickInput(page);
  const report = [];
  let sawText = 0;
  // Both webviews draw when their script has run: wait until two frames show the text (or time runs out).
  await waitFor(page, async () => (await framesWith(page, '<img src=x')) >= 2, 'the chunk map and the memory view to show the hostile text', 20_000).catch(() => {});
  for (const f of page.frames()) {
    const r = await f.evaluate(() => ({
      text: document.body ? document.body.textContent ?? '' : '',
      imgs: document.querySelectorAll('img[src="x"]').length,
      title: document.title,
    })).catch(() => null);
    if (!r) continue;
    if (r.imgs || r.title === 'pwned') report.push(`${f.url().slice(0, 80)}: ${r.imgs} injected img, title ${r.title}`);
    if (r.text.includes('<img src=x')) sawText++;
  }
  if ((await page.title()) === 'pwned') report.push('the workbench title was changed');
  await shot(page, 'hostile-labels');
  if (report.length) throw new Error(`program text became markup: ${report.join('; ')}`);
  // The chunk map (layout name, purposes) and the memory view (the string's bytes) both show it as text.
  if (sawText < 2) throw new Error(`the hostile text shows as text in ${sawText} webview(s), expected the chunk map and the memory view`);
  log(`hostile labels: shown as text in ${sawText} webviews, no markup created`);
  rmSync(path.join(ws, '.vscode'), { recursive: true, force: true });
}

/**
 * While a session runs, hovering an address shows one hover (the language server's static translation:
 * the live one needs a stop), whole: not two stacked and cut off.
 */
async function hoverWhileRunning(page, ws) {
  writeFileSync(path.join(ws, 'spin.mover'), '; runs until stopped\n.equ COMMON, 0x0080_0000\n.thread main, start, cpu=0\nstart:\n    mov r1, COMMON\n.loop:\n    add r2, r2, 1\n    jmp .loop\n');
  mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  writeFileSync(path.join(ws, '.vscode', 'launch.json'), JSON.stringify({ version: '0.2.0', configurations: [{ type: 'mover', request: 'launch', name: 'spin', program: '${workspaceFolder}/spin.mover', stopOnEntry: false, maxSteps: 2 ** 50 }] }, null, 2));
  await endSession(page);
  await quickOpen(page, 'spin.mover');
  await startConfiguration(page, 'spin');
  await page.locator('.debug-toolbar .codicon-debug-pause').waitFor({ timeout: 60_000 });
  // The number's own token (a span holding only it), not the line's span around it.
  const target = page.locator('.editor-group-container.active .monaco-editor .view-line span span', { hasText: /^\s*0x0080_0000\s*$/ }).first();
  await target.waitFor({ timeout: 10_000 });
  // The hover widgets on screen (VS Code keeps hidden ones, such as the last stop's debug hover, in the DOM).
  const shownHovers = () => page.evaluate(() => [...document.querySelectorAll('.monaco-hover, .debug-hover-widget')]
    .filter((e) => !e.parentElement?.closest('.monaco-hover, .debug-hover-widget') && e.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) && e.getBoundingClientRect().height > 0 && (e.textContent ?? '').trim() !== '')
    .map((e) => ({ text: e.innerText, tables: e.querySelectorAll('table').length, clipped: [...e.querySelectorAll('.monaco-scrollable-element')].some((x) => x.scrollHeight > x.clientHeight + 1) })));
  // The cursor on the number and Show or Focus Hover (Ctrl+K Ctrl+I): the same hover the mouse brings,
  // asked for where the cursor is, so a mouse that lands between two tokens cannot miss it.
  await target.click();
  await waitFor(page, async () => {
    await runCommand(page, 'Show or Focus Hover');
    return waitFor(page, async () => (await shownHovers()).some((h) => h.text.includes('VS1')), 'the hover', 3_000).then(() => true, () => false);
  }, 'a hover on 0x0080_0000 while the program runs', 30_000).catch(async (e) => {
    await shot(page, 'hover-running-missing');
    const texts = (await page.locator('.monaco-hover, .debug-hover-widget').allInnerTexts()).map((t) => t.slice(0, 200));
    throw new Error(`${e.message}; hover widgets hold: ${JSON.stringify(texts)}`);
  });
  if (!(await page.locator('.debug-toolbar .codicon-debug-pause').isVisible())) throw new Error('the spin session stopped before the hover');
  const hovers = await shownHovers();
  await shot(page, 'hover-running');
  const shown = hovers.map((h) => h.text).join('\n---\n');
  if (hovers.length !== 1) throw new Error(`${hovers.length} hovers are shown while running: ${shown}`);
  // Two hover providers answering would show the translation table twice in the one widget.
  if (hovers[0].tables !== 1) throw new Error(`the hover while running shows ${hovers[0].tables} translation tables: ${shown}`);
  if (hovers[0].clipped) throw new Error(`the hover while running is cut off: ${shown}`);
  for (const want of ['VS0', 'VS1', 'VS2']) if (!shown.includes(want)) throw new Error(`the hover while running does not show ${want}: ${shown}`);
  log('hover while running: one hover, whole, with the address in VS0, VS1 and VS2');
  await page.keyboard.press('Escape');
  await endSession(page);
  rmSync(path.join(ws, '.vscode'), { recursive: true, force: true });
}

async function showViewFrame(page, name) {
  const h = page.locator('.pane-header', { hasText: name }).first();
  if ((await h.getAttribute('aria-expanded')) !== 'true') await h.click();
  await frameText(page, 'Physical');
}

/** How many frames show `text` as text. */
async function framesWith(page, text) {
  let n = 0;
  for (const f of page.frames()) {
    if (await f.evaluate((t) => !!document.body && (document.body.textContent ?? '').includes(t), text).catch(() => false)) n++;
  }
  return n;
}

/** Waits until some frame (webviews are nested iframes) shows `text`. */
async function frameText(page, text, timeout = 30_000) {
  for (const until = Date.now() + timeout; Date.now() < until; await page.waitForTimeout(250)) {
    for (const f of page.frames()) {
      if (await f.evaluate((t) => !!document.body && (document.body.textContent ?? '').includes(t), text).catch(() => false)) return;
    }
  }
  throw new Error(`no webview shows "${text}" after ${timeout} ms`);
}

async function main() {
  mkdirSync(results, { recursive: true });
  const fresh = ensureCache(log);
  if (fresh) log(`fresh-install test ${fresh.passed ? 'passed' : `failed: ${fresh.problems.join('; ')}`} (${fresh.seconds} s, ${fresh.size})`);
  if (fresh && !fresh.passed) {
    process.stdout.write('e2e: 0 passed, 1 failed\n');
    process.exitCode = 1;
    return;
  }
  log('building the .vsix and the integration suite');
  run('npm', ['run', '-s', 'package'], { stdio: ['ignore', 'ignore', 'inherit'] });
  run(process.execPath, ['test/e2e/build-suite.mjs']);
  const vsix = path.join(root, 'dist', 'mover.vsix');
  let failed = 0;
  if (!args.has('--skip-suite')) {
    log('integration suite in the extension host');
    const code = await integrationSuite(vsix);
    log(`integration suite exited ${code}`);
    if (code !== 0) failed++;
  }
  if (!args.has('--skip-ui')) {
    log('UI with playwright');
    try { await ui(vsix); } catch (e) { failed++; log(`UI failed: ${e.stack ?? e}`); }
  }
  const desktop = process.env.VSCODE_EXECUTABLE_PATH;
  if (desktop && !args.has('--skip-suite')) {
    log(`integration suite in a desktop VS Code (${desktop}) through @vscode/test-electron`);
    const code = await electronSuite(vsix, desktop);
    log(`test-electron suite exited ${code}`);
    if (code !== 0) failed++;
  } else if (!args.has('--skip-suite')) {
    log('no desktop VS Code here (VSCODE_EXECUTABLE_PATH is not set): the @vscode/test-electron run of the same suite is left out');
  }
  // The plain closing line CI reads.
  const total = (fresh ? 1 : 0) + (args.has('--skip-suite') ? 0 : desktop ? 2 : 1) + (args.has('--skip-ui') ? 0 : 1);
  process.stdout.write(`e2e: ${total - failed} passed, ${failed} failed\n`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => { process.stderr.write(`e2e: ${e.stack ?? e}\n`); process.exitCode = 1; });
